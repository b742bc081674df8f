package points_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

// reportHistory is the scripted history of the report tests:
//
//	2025-03-10  group plan P1: a, b, c join (+100 reward each), a visits (+20),
//	            a refers a purchase (+500 upgrade), c answers a survey (+30);
//	            P1 by hand: c +40 (no rule); EAST plan P2: b attends an event (+50);
//	            an event with no plan: a +15
//	2025-06-01  a redeems 60; b redeems 30, returned (cancelled); c's survey
//	            award reversed; adjustments b +25, a −10
//	2026-05-01  adjustment c +7
//	2027-01-01  year-end 2026: 2025's points expire: a 65, b 175, c 140
//
// a and b joined in the EAST region, c in the SOUTH.
type reportHistory struct {
	a, b, c int64
	p1, p2  *points.Plan
}

func mustReportHistory(t *testing.T, f *fixture) reportHistory {
	t.Helper()
	h := reportHistory{a: f.Member(t, "SH-PD"), b: f.Member(t, "SH-PD"), c: f.Member(t, "SZ-QH")}
	h.p1 = f.Plan(t, "GROUP", rule(points.EvJoined, points.Reward, 100), rule(points.EvSiteVisit, points.Reward, 20),
		rule(points.EvReferralPurchase, points.Upgrade, 500), rule(points.EvSurvey, points.Reward, 30))
	h.p2 = f.Plan(t, "EAST", rule(points.EvEventAttendance, points.Reward, 50))
	f.Clock.At(2025, 3, 10, 9, 0)
	for _, m := range []int64{h.a, h.b, h.c} {
		f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvJoined})
	}
	f.mustEvent(t, points.EventInput{MemberID: h.a, Type: points.EvSiteVisit, Ref: "v1"})
	f.mustEvent(t, points.EventInput{MemberID: h.a, Type: points.EvReferralPurchase, Ref: "c1"})
	survey := f.mustEvent(t, points.EventInput{MemberID: h.c, Type: points.EvSurvey, Ref: "s1"})
	f.mustEvent(t, points.EventInput{MemberID: h.b, Type: points.EvEventAttendance, Ref: "e1"})
	f.mustPost(t, points.Entry{MemberID: h.c, Kind: points.Reward, Amount: 40, Source: points.FromPlan, PlanID: &h.p1.ID,
		Reason: "手工发放", IdempotencyKey: "c-hand"})
	f.mustPost(t, points.Entry{MemberID: h.a, Kind: points.Reward, Amount: 15, Source: points.FromEvent, Reason: "活动", IdempotencyKey: "a-event"})

	f.Clock.At(2025, 6, 1, 9, 0)
	f.mustPost(t, redeem(h.a, 60, "a-r"))
	br := f.mustPost(t, redeem(h.b, 30, "b-r"))
	for _, r := range []struct {
		id  int64
		key string
	}{{br.ID, "b-rr"}, {survey.Awards[0].TransactionID, "c-sr"}} {
		if _, err := f.Points.Reverse(staffCtx(), r.id, "冲正", r.key); err != nil {
			t.Fatal(err)
		}
	}
	adjust := func(m, amount int64, key string) {
		f.mustPost(t, points.Entry{MemberID: m, Kind: points.Reward, Amount: amount, Source: points.FromAdjustment, Reason: "调整", IdempotencyKey: key})
	}
	adjust(h.b, 25, "b-adj")
	adjust(h.a, -10, "a-adj")
	f.Clock.At(2026, 5, 1, 9, 0)
	adjust(h.c, 7, "c-adj")
	f.Clock.At(2027, 1, 1, 9, 0)
	if r := f.mustExpire(t, points.ExpiryRun{Year: 2026}); r.Points != 380 {
		t.Fatalf("expired %d, want 380", r.Points)
	}
	f.Verify(t)
	return h
}

func (f *fixture) mustReport(t *testing.T, rf points.ReportFilter) *points.EffectivenessReport {
	t.Helper()
	r, err := f.Points.Effectiveness(context.Background(), rf)
	if err != nil {
		t.Fatalf("report %+v: %v", rf, err)
	}
	mustReconcile(t, r)
	return r
}

// mustReconcile checks that the report's parts add up to its totals.
func mustReconcile(t *testing.T, r *points.EffectivenessReport) {
	t.Helper()
	for _, tot := range r.Totals {
		var plans, rules, cats points.Issuance
		var regions points.Movements
		var balance int64
		for _, p := range r.Plans {
			if p.Kind == tot.Kind {
				plans.Issued, plans.Reversed, plans.Awards = plans.Issued+p.Issued, plans.Reversed+p.Reversed, plans.Awards+p.Awards
			}
		}
		for _, x := range r.Rules {
			if x.Kind == tot.Kind {
				rules.Issued, rules.Reversed, rules.Awards = rules.Issued+x.Issued, rules.Reversed+x.Reversed, rules.Awards+x.Awards
			}
		}
		for _, c := range r.Categories {
			if c.Kind == tot.Kind {
				cats.Issued, cats.Reversed, cats.Awards = cats.Issued+c.Issued, cats.Reversed+c.Reversed, cats.Awards+c.Awards
			}
		}
		for _, g := range r.Regions {
			if g.Kind == tot.Kind {
				m := g.Movements
				regions = points.Movements{Opening: regions.Opening + m.Opening, Issued: regions.Issued + m.Issued, Reversed: regions.Reversed + m.Reversed,
					Redeemed: regions.Redeemed + m.Redeemed, Expired: regions.Expired + m.Expired, Adjusted: regions.Adjusted + m.Adjusted, Closing: regions.Closing + m.Closing}
				balance += g.Balance
				if m.Closing != m.Opening+m.Issued-m.Reversed-m.Redeemed-m.Expired+m.Adjusted {
					t.Errorf("region %s %s does not roll forward: %+v", g.Region, g.Kind, m)
				}
			}
		}
		want := fmt.Sprint(tot.Plans.Issued, tot.Plans.Reversed, tot.Plans.Awards)
		for name, got := range map[string]points.Issuance{"plans": plans, "rules": rules, "categories": cats} {
			if s := fmt.Sprint(got.Issued, got.Reversed, got.Awards); s != want {
				t.Errorf("%s: Σ %s = %s, totals %s", tot.Kind, name, s, want)
			}
		}
		if regions != tot.Movements || balance != tot.Balance {
			t.Errorf("%s: Σ regions %+v (balance %d), totals %+v (balance %d)", tot.Kind, regions, balance, tot.Movements, tot.Balance)
		}
		if tot.Issued != tot.Plans.Issued+tot.Unplanned.Issued || tot.Reversed != tot.Plans.Reversed+tot.Unplanned.Reversed {
			t.Errorf("%s: issued %d reversed %d, plans %+v + unplanned %+v", tot.Kind, tot.Issued, tot.Reversed, tot.Plans, tot.Unplanned)
		}
		if tot.Unplanned.Issued < 0 || tot.Unplanned.Reversed < 0 {
			t.Errorf("%s: unplanned %+v", tot.Kind, tot.Unplanned)
		}
	}
}

// show writes the report's rows one a line, to compare whole.
func show(r *points.EffectivenessReport) string {
	var b strings.Builder
	is := func(i points.Issuance) string {
		return fmt.Sprintf("awards %d members %d issued %d reversed %d net %d", i.Awards, i.Members, i.Issued, i.Reversed, i.Net)
	}
	mv := func(m points.Movements) string {
		return fmt.Sprintf("opening %d issued %d reversed %d redeemed %d expired %d adjusted %d closing %d",
			m.Opening, m.Issued, m.Reversed, m.Redeemed, m.Expired, m.Adjusted, m.Closing)
	}
	for _, p := range r.Plans {
		fmt.Fprintf(&b, "plan %s %s: %s budget %d used %d left %d\n", p.Name, p.Kind, is(p.Issuance), p.Budget, p.BudgetUsed, p.BudgetLeft)
	}
	for _, x := range r.Rules {
		fmt.Fprintf(&b, "rule %s %s/%s %s: %s\n", x.PlanName, x.Category, x.EventType, x.Kind, is(x.Issuance))
	}
	for _, c := range r.Categories {
		if c.Awards > 0 || c.Reversed > 0 {
			fmt.Fprintf(&b, "category %q %s: %s\n", c.Category, c.Kind, is(c.Issuance))
		}
	}
	for _, g := range r.Regions {
		fmt.Fprintf(&b, "region %s %s: %s balance %d\n", g.RegionName, g.Kind, mv(g.Movements), g.Balance)
	}
	for _, t := range r.Totals {
		fmt.Fprintf(&b, "total %s: %s balance %d; plans %s; unplanned issued %d reversed %d; budget %d used %d\n",
			t.Kind, mv(t.Movements), t.Balance, is(t.Plans), t.Unplanned.Issued, t.Unplanned.Reversed, t.Budget, t.BudgetUsed)
	}
	return b.String()
}

func wantShow(t *testing.T, name string, r *points.EffectivenessReport, want string) {
	t.Helper()
	got := show(r)
	want = strings.TrimLeft(strings.ReplaceAll(want, "\t", ""), "\n")
	if got != want {
		t.Errorf("%s:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestEffectivenessReport(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		h := mustReportHistory(t, f)

		// The whole history: every figure, and the liability is what the
		// members hold.
		all := f.mustReport(t, points.ReportFilter{})
		wantShow(t, "whole history", all, `
			plan GROUP 2025 年度积分计划 upgrade: awards 1 members 1 issued 500 reversed 0 net 500 budget 1000000 used 500 left 999500
			plan GROUP 2025 年度积分计划 reward: awards 6 members 3 issued 390 reversed 30 net 360 budget 1000000 used 360 left 999640
			plan EAST 2025 年度积分计划 upgrade: awards 0 members 0 issued 0 reversed 0 net 0 budget 1000000 used 0 left 1000000
			plan EAST 2025 年度积分计划 reward: awards 1 members 1 issued 50 reversed 0 net 50 budget 1000000 used 50 left 999950
			rule GROUP 2025 年度积分计划 member/joined reward: awards 3 members 3 issued 300 reversed 0 net 300
			rule GROUP 2025 年度积分计划 marketing/site_visit reward: awards 1 members 1 issued 20 reversed 0 net 20
			rule GROUP 2025 年度积分计划 marketing/referral_purchase upgrade: awards 1 members 1 issued 500 reversed 0 net 500
			rule GROUP 2025 年度积分计划 research/survey reward: awards 1 members 1 issued 30 reversed 30 net 0
			rule GROUP 2025 年度积分计划 / reward: awards 1 members 1 issued 40 reversed 0 net 40
			rule EAST 2025 年度积分计划 brand/event_attendance reward: awards 1 members 1 issued 50 reversed 0 net 50
			category "marketing" upgrade: awards 1 members 1 issued 500 reversed 0 net 500
			category "member" reward: awards 3 members 3 issued 300 reversed 0 net 300
			category "marketing" reward: awards 1 members 1 issued 20 reversed 0 net 20
			category "brand" reward: awards 1 members 1 issued 50 reversed 0 net 50
			category "research" reward: awards 1 members 1 issued 30 reversed 30 net 0
			category "" reward: awards 1 members 1 issued 40 reversed 0 net 40
			region 华东事业部 upgrade: opening 0 issued 500 reversed 0 redeemed 0 expired 0 adjusted 0 closing 500 balance 500
			region 华东事业部 reward: opening 0 issued 285 reversed 0 redeemed 60 expired 240 adjusted 15 closing 0 balance 0
			region 华南事业部 reward: opening 0 issued 170 reversed 30 redeemed 0 expired 140 adjusted 7 closing 7 balance 7
			total upgrade: opening 0 issued 500 reversed 0 redeemed 0 expired 0 adjusted 0 closing 500 balance 500; plans awards 1 members 1 issued 500 reversed 0 net 500; unplanned issued 0 reversed 0; budget 2000000 used 500
			total reward: opening 0 issued 455 reversed 30 redeemed 60 expired 380 adjusted 22 closing 7 balance 7; plans awards 7 members 3 issued 440 reversed 30 net 410; unplanned issued 15 reversed 0; budget 2000000 used 410
		`)
		var held int64
		for _, m := range []int64{h.a, h.b, h.c} {
			held += f.Balance(t, m, points.Reward)
		}
		if tot := all.Totals[1]; tot.Closing != held || tot.Balance != held {
			t.Errorf("liability %d (balance %d), members hold %d", tot.Closing, tot.Balance, held)
		}

		// 2025 only: the year-end and c's adjustment come after it, so the
		// closing liability is what the members held at the end of 2025.
		y2025 := f.mustReport(t, points.ReportFilter{From: db.DateOf(2025, 1, 1), To: db.DateOf(2025, 12, 31), Kind: points.Reward})
		wantRegions(t, "2025", y2025, `
			region 华东事业部 reward: opening 0 issued 285 reversed 0 redeemed 60 expired 0 adjusted 15 closing 240 balance 0
			region 华南事业部 reward: opening 0 issued 170 reversed 30 redeemed 0 expired 0 adjusted 0 closing 140 balance 7
		`)
		if len(y2025.Plans) != 2 || y2025.Plans[0].Kind != points.Reward || y2025.Plans[0].Issued != 390 {
			t.Errorf("2025 plans: %+v", y2025.Plans)
		}
		// 2026 and 2027: the opening is the closing before.
		y2026 := f.mustReport(t, points.ReportFilter{From: db.DateOf(2026, 1, 1), To: db.DateOf(2026, 12, 31), Kind: points.Reward})
		wantRegions(t, "2026", y2026, `
			region 华东事业部 reward: opening 240 issued 0 reversed 0 redeemed 0 expired 0 adjusted 0 closing 240 balance 0
			region 华南事业部 reward: opening 140 issued 0 reversed 0 redeemed 0 expired 0 adjusted 7 closing 147 balance 7
		`)
		if len(y2026.Plans) != 0 || y2026.Totals[0].Plans.Awards != 0 {
			t.Errorf("2026: no plan was valid nor awarded: %+v", y2026.Plans)
		}
		y2027 := f.mustReport(t, points.ReportFilter{From: db.DateOf(2027, 1, 1), Kind: points.Reward})
		wantRegions(t, "2027", y2027, `
			region 华东事业部 reward: opening 240 issued 0 reversed 0 redeemed 0 expired 240 adjusted 0 closing 0 balance 0
			region 华南事业部 reward: opening 147 issued 0 reversed 0 redeemed 0 expired 140 adjusted 0 closing 7 balance 7
		`)
	})
}

// wantRegions compares the region lines.
func wantRegions(t *testing.T, name string, r *points.EffectivenessReport, want string) {
	t.Helper()
	var got []string
	for _, line := range strings.Split(show(r), "\n") {
		if strings.HasPrefix(line, "region ") {
			got = append(got, line)
		}
	}
	want = strings.TrimSpace(strings.ReplaceAll(want, "\t", ""))
	if g := strings.Join(got, "\n"); g != want {
		t.Errorf("%s:\n--- got\n%s\n--- want\n%s", name, g, want)
	}
}

func TestEffectivenessScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		h := mustReportHistory(t, f)
		east := []string{f.Nodes["EAST"].Path}

		// A region's staff see their plans, and the movements of their
		// members: the group plan's awards to them are not of a plan they see.
		r := f.mustReport(t, points.ReportFilter{Within: east})
		if len(r.Plans) != 2 || r.Plans[0].PlanID != h.p2.ID || r.Plans[1].Issued != 50 {
			t.Errorf("plans within EAST: %+v", r.Plans)
		}
		if len(r.Regions) != 2 || r.Regions[0].RegionName != "华东事业部" || r.Regions[1].RegionName != "华东事业部" {
			t.Errorf("regions within EAST: %+v", r.Regions)
		}
		up, rw := r.Totals[0], r.Totals[1]
		if up.Issued != 500 || up.Plans.Issued != 0 || up.Unplanned.Issued != 500 || up.Closing != 500 {
			t.Errorf("EAST upgrade: %+v", up)
		}
		if rw.Issued != 285 || rw.Plans.Issued != 50 || rw.Unplanned.Issued != 235 || rw.Redeemed != 60 || rw.Expired != 240 ||
			rw.Adjusted != 15 || rw.Closing != 0 || rw.Balance != 0 || rw.Budget != 1_000_000 || rw.BudgetUsed != 50 {
			t.Errorf("EAST reward: %+v", rw)
		}

		// One plan: its rows only; the ledger's movements stay the scope's.
		one := f.mustReport(t, points.ReportFilter{PlanID: h.p1.ID, Kind: points.Reward})
		if len(one.Plans) != 1 || one.Plans[0].Net != 360 || len(one.Rules) != 4 || one.Totals[0].Issued != 455 ||
			one.Totals[0].Plans.Issued != 390 || one.Totals[0].Unplanned.Issued != 65 {
			t.Errorf("plan %d alone: %s", h.p1.ID, show(one))
		}
		// A plan outside the scope is as unknown as one that does not exist.
		for _, rf := range []points.ReportFilter{{PlanID: h.p1.ID, Within: east}, {PlanID: 999}} {
			_, err := f.Points.Effectiveness(context.Background(), rf)
			testfix.WantCode(t, err, apperr.NotFound)
		}
		// Nothing in scope: empty, not an error.
		none := f.mustReport(t, points.ReportFilter{Within: []string{}})
		if len(none.Plans) != 0 || len(none.Regions) != 0 || none.Totals[0].Closing != 0 {
			t.Errorf("no scope: %s", show(none))
		}
		for _, rf := range []points.ReportFilter{{Kind: "bonus"}, {From: db.DateOf(2026, 2, 1), To: db.DateOf(2026, 1, 1)}} {
			_, err := f.Points.Effectiveness(context.Background(), rf)
			testfix.WantCode(t, err, apperr.Invalid)
		}
	})
}
