package points_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

func TestPlanLifecycle(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		visit := func(ref string) *points.Event {
			return f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvSiteVisit, Ref: ref})
		}

		p, err := f.Points.CreatePlan(specialist, points.PlanInput{NodeCode: "east", Kind: points.Yearly, Name: "华东 2025 年度积分计划",
			Year: 2025, Budget: points.Amounts{Reward: 10_000}, Rules: []points.RuleInput{rule(points.EvSiteVisit, points.Reward, 50)}})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != points.PlanDraft || p.ValidFrom.String() != "2025-01-01" || p.ValidTo.String() != "2025-12-31" || p.Rules[0].Category != points.CatMarketing {
			t.Fatalf("draft = %+v", p)
		}
		if e := visit("V1"); len(e.Awards) != 0 {
			t.Fatalf("a draft plan awarded: %+v", e)
		}
		// An upgrade rule needs an upgrade budget before the plan can go up.
		if _, err := f.Points.AddRule(specialist, p.ID, rule(points.EvBirthday, points.Upgrade, 10)); err != nil {
			t.Fatal(err)
		}
		testfix.WantCode(t, submit(f, p.ID), apperr.Invalid)
		if _, err := f.Points.UpdatePlan(as("editor"), p.ID, points.PlanUpdate{Budget: &points.Amounts{Upgrade: 5000, Reward: 10_000}}); err != nil {
			t.Fatal(err)
		}
		if err := submit(f, p.ID); err != nil {
			t.Fatal(err)
		}
		if e := visit("V2"); len(e.Awards) != 0 {
			t.Fatalf("a pending plan awarded: %+v", e)
		}
		testfix.WantCode(t, approve(f, specialist, p.ID), apperr.Forbidden) // drafted it
		testfix.WantCode(t, approve(f, as("editor"), p.ID), apperr.Forbidden)
		_, err = f.Points.UpdatePlan(specialist, p.ID, points.PlanUpdate{Name: ptr("x")})
		testfix.WantCode(t, err, apperr.Conflict) // pending: return it first
		if err := approve(f, supervisor, p.ID); err != nil {
			t.Fatal(err)
		}
		e := visit("V3")
		if len(e.Awards) != 1 || e.Points.Reward != 50 || e.Awards[0].PlanID != p.ID {
			t.Fatalf("approved plan: %+v", e)
		}
		if got := f.Balance(t, m, points.Reward); got != 50 {
			t.Fatalf("balance = %d", got)
		}
		_, err = f.Points.UpdatePlan(specialist, p.ID, points.PlanUpdate{Name: ptr("x")})
		testfix.WantCode(t, err, apperr.Conflict) // approved: through a change
		if got, _ := f.Points.Plan(context.Background(), p.ID); got.Issued.Reward != 50 || got.ApprovedBy != "zhuguan" {
			t.Fatalf("plan = %+v", got)
		}

		if _, err := f.Points.CancelPlan(supervisor, p.ID, "改为季度计划"); err != nil {
			t.Fatal(err)
		}
		if e := visit("V4"); len(e.Awards) != 0 {
			t.Fatalf("a cancelled plan awarded: %+v", e)
		}
		_, err = f.Points.CancelPlan(supervisor, p.ID, "again")
		testfix.WantCode(t, err, apperr.Conflict)
		entries, _, err := audit.List(context.Background(), d, audit.Filter{ObjectType: "point_plan", ObjectID: itoa(p.ID), Unscoped: true, ScopePaths: []string{"/"}})
		if err != nil || len(entries) != 6 { // create, add rule, update, submit, approve, cancel
			t.Fatalf("audit: %d entries, %v", len(entries), err)
		}
		f.Verify(t)
	})
}

func TestPlanValidityAndYearlyUniqueness(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		p, err := f.Points.CreatePlan(specialist, points.PlanInput{NodeCode: "SH", Kind: points.AdHoc, Name: "开盘季",
			ValidFrom: db.DateOf(2025, 3, 1), ValidTo: db.DateOf(2025, 3, 31), Budget: points.Amounts{Reward: 1000},
			Rules: []points.RuleInput{rule(points.EvSiteVisit, points.Reward, 20), {EventType: points.EvSurvey, Kind: points.Reward, Amount: 5,
				ValidFrom: db.DateOf(2025, 3, 20), ValidTo: db.DateOf(2025, 3, 31)}}})
		if err != nil {
			t.Fatal(err)
		}
		mustSubmitApprove(t, f, p.ID)
		at := func(y int, mo time.Month, day int) time.Time { return time.Date(y, mo, day, 12, 0, 0, 0, time.UTC) }
		for _, c := range []struct {
			ev   points.EventType
			at   time.Time
			want int64
		}{
			{points.EvSiteVisit, at(2025, 2, 28), 0}, // before the plan
			{points.EvSiteVisit, at(2025, 3, 1), 20},
			{points.EvSurvey, at(2025, 3, 5), 0}, // before the rule
		} {
			e := f.mustEvent(t, points.EventInput{MemberID: m, Type: c.ev, Ref: c.at.String(), OccurredAt: c.at})
			if e.Points.Reward != c.want {
				t.Errorf("%s on %s: %d points, want %d", c.ev, c.at, e.Points.Reward, c.want)
			}
		}
		f.Clock.Advance(24 * time.Hour * 30) // 9 April
		e := f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvSurvey, Ref: "Q1", OccurredAt: at(2025, 3, 25)})
		if e.Points.Reward != 5 {
			t.Errorf("an event of March recorded in April: %+v", e)
		}
		if e := f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvSiteVisit, Ref: "late"}); len(e.Awards) != 0 {
			t.Errorf("the plan awarded after its end: %+v", e)
		}
		_, err = f.Points.RecordEvent(staffCtx(), points.EventInput{MemberID: m, Type: points.EvSiteVisit, Ref: "future", OccurredAt: time.Now().AddDate(1, 0, 0)})
		testfix.WantCode(t, err, apperr.Invalid)
		_, err = f.Points.RecordEvent(staffCtx(), points.EventInput{MemberID: m, Type: points.EvSiteVisit})
		testfix.WantCode(t, err, apperr.Invalid) // a visit needs its ref

		// One yearly plan per node and year.
		f.Plan(t, "SZ", rule(points.EvJoined, points.Reward, 100))
		second, err := f.Points.CreatePlan(specialist, points.PlanInput{NodeCode: "SZ", Kind: points.Yearly, Name: "又一个", Year: 2025,
			Budget: points.Amounts{Reward: 1}, Rules: []points.RuleInput{rule(points.EvJoined, points.Reward, 1)}})
		if err != nil {
			t.Fatal(err)
		}
		if err := submit(f, second.ID); err != nil {
			t.Fatal(err)
		}
		testfix.WantCode(t, approve(f, supervisor, second.ID), apperr.Conflict)
		f.Verify(t)
	})
}

func TestPlanChange(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SZ-QH")
		p := f.Plan(t, "GROUP", rule(points.EvReferralVisit, points.Reward, 100))
		r := p.Rules[0].ID
		rev := points.PlanRevision{
			Plan:     points.PlanUpdate{Budget: &points.Amounts{Upgrade: 500, Reward: 2_000_000}},
			Rules:    []points.RuleEdit{{ID: r, RuleUpdate: points.RuleUpdate{Amount: ptr[int64](150)}}},
			AddRules: []points.RuleInput{rule(points.EvReferralPurchase, points.Upgrade, 300)},
		}
		c, err := f.Points.ProposePlanChange(specialist, p.ID, rev, "推荐奖励加码")
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Points.ProposePlanChange(specialist, p.ID, rev, "again")
		testfix.WantCode(t, err, apperr.Conflict) // one pending change at a time
		// Meanwhile the plan awards as approved.
		if e := f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvReferralVisit, Ref: "R1"}); e.Points.Reward != 100 {
			t.Fatalf("before the change: %+v", e)
		}
		_, err = f.Points.DecidePlanChange(specialist, c.ID, true, "")
		testfix.WantCode(t, err, apperr.Forbidden)
		if _, err := f.Points.DecidePlanChange(supervisor, c.ID, true, "同意"); err != nil {
			t.Fatal(err)
		}
		e := f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvReferralVisit, Ref: "R2"})
		if e.Points.Reward != 150 {
			t.Fatalf("after the change: %+v", e)
		}
		if e := f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvReferralPurchase, Ref: "C1"}); e.Points.Upgrade != 300 {
			t.Fatalf("added rule: %+v", e)
		}
		// A budget below what was issued is refused.
		_, err = f.Points.ProposePlanChange(specialist, p.ID, points.PlanRevision{Plan: points.PlanUpdate{Budget: &points.Amounts{Upgrade: 500, Reward: 10}}}, "cut")
		testfix.WantCode(t, err, apperr.Invalid)
		// A rejected change leaves the plan as it is.
		c, err = f.Points.ProposePlanChange(specialist, p.ID, points.PlanRevision{Rules: []points.RuleEdit{{ID: r, RuleUpdate: points.RuleUpdate{Active: ptr(false)}}}}, "停发")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Points.DecidePlanChange(supervisor, c.ID, false, "不同意"); err != nil {
			t.Fatal(err)
		}
		got, err := f.Points.Plan(context.Background(), p.ID)
		if err != nil || !got.Rules[0].Active || got.Rules[0].Amount != 150 || got.Budget.Reward != 2_000_000 || got.PendingChange != nil {
			t.Fatalf("plan = %+v, %v", got, err)
		}
		changes, err := f.Points.PlanChanges(context.Background(), p.ID)
		if err != nil || len(changes) != 2 || changes[0].Status != "rejected" || changes[1].Status != "approved" {
			t.Fatalf("changes = %+v, %v", changes, err)
		}
		f.Verify(t)
	})
}

func TestPlansByRegion(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		east, south := f.Member(t, "SH-PD"), f.Member(t, "SZ-QH")
		eastCity := f.Member(t, "SH")
		f.Plan(t, "EAST", rule(points.EvEventAttendance, points.Reward, 10))
		f.Plan(t, "GROUP", rule(points.EvEventAttendance, points.Upgrade, 1))
		f.Plan(t, "SH-PD", rule(points.EvEventAttendance, points.Reward, 100))
		want := map[int64]points.Amounts{east: {Upgrade: 1, Reward: 110}, south: {Upgrade: 1}, eastCity: {Upgrade: 1, Reward: 10}}
		for m, w := range want {
			e := f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvEventAttendance, Ref: "EV-1"})
			if e.Points != w {
				t.Errorf("member %d: %+v, want %+v", m, e.Points, w)
			}
		}
		bs, err := f.Points.Balances(context.Background(), south)
		if err != nil || len(bs) != 1 || bs[0].RegionName != "华南事业部" {
			t.Errorf("south's balances: %+v, %v", bs, err)
		}
		plans, total, err := f.Points.Plans(context.Background(), points.PlanFilter{Within: []string{f.Nodes["SH"].Path}})
		if err != nil || total != 1 || plans[0].NodeCode != "SH-PD" || plans[0].Issued.Reward != 100 {
			t.Errorf("plans within SH: %+v, %d, %v", plans, total, err)
		}
		// SH reaches the plans above it (EAST, GROUP) and below it (SH-PD);
		// a south city reaches only the group's.
		for node, want := range map[string][]string{"SH": {"SH-PD", "GROUP", "EAST"}, "SZ-QH": {"GROUP"}} {
			plans, total, err := f.Points.Plans(context.Background(), points.PlanFilter{Reach: []string{f.Nodes[node].Path}})
			var got []string
			for _, p := range plans {
				got = append(got, p.NodeCode)
			}
			if err != nil || total != len(want) || !slices.Equal(got, want) {
				t.Errorf("plans reaching %s: %v (total %d), %v; want %v", node, got, total, err, want)
			}
		}
		for year, want := range map[int]int{2024: 0, 2025: 3} {
			if _, total, err := f.Points.Plans(context.Background(), points.PlanFilter{Year: year, Status: points.PlanApproved}); err != nil || total != want {
				t.Errorf("plans of %d: %d, %v", year, total, err)
			}
		}
		f.Verify(t)
	})
}

func submit(f *fixture, id int64) error {
	_, err := f.Points.SubmitPlan(specialist, id)
	return err
}

func approve(f *fixture, ctx context.Context, id int64) error {
	_, err := f.Points.ApprovePlan(ctx, id)
	return err
}

func mustSubmitApprove(t testing.TB, f *fixture, id int64) {
	t.Helper()
	if err := submit(f, id); err != nil {
		t.Fatal(err)
	}
	if err := approve(f, supervisor, id); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
