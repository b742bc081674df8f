package points_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

func TestCaps(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m, other := f.Member(t, "SH-PD"), f.Member(t, "SH-PD")
		p := f.Plan(t, "GROUP",
			capped(points.EvSiteVisit, 10, points.PerDay, 2, 0),           // twice a day
			capped(points.EvSurvey, 30, points.PerMonth, 0, 100),          // 100 points a month
			capped(points.EvArticle, 500, points.PerPlan, 1, 0),           // once in the plan
			capped(points.EvMerchantPurchase, 5, points.PerYear, 3, 1000)) // three a year
		n := 0
		record := func(m int64, ev points.EventType, at time.Time) *points.Event {
			n++
			return f.mustEvent(t, points.EventInput{MemberID: m, Type: ev, Ref: fmt.Sprint("R", n), OccurredAt: at})
		}
		day := func(mo time.Month, d, h int) time.Time { return time.Date(2025, mo, d, h, 0, 0, 0, time.UTC) }
		for _, c := range []struct {
			name   string
			member int64
			ev     points.EventType
			at     time.Time
			want   int64
			capped bool
		}{
			{"visit 1", m, points.EvSiteVisit, day(3, 1, 1), 10, false},
			{"visit 2", m, points.EvSiteVisit, day(3, 1, 2), 10, false},
			{"visit 3 same day", m, points.EvSiteVisit, day(3, 1, 3), 0, false},
			{"another member", other, points.EvSiteVisit, day(3, 1, 3), 10, false},
			// 16:30 UTC on 1 March is 00:30 on 2 March in China: a new club day.
			{"next China day", m, points.EvSiteVisit, time.Date(2025, 3, 1, 16, 30, 0, 0, time.UTC), 10, false},
			{"survey 1", m, points.EvSurvey, day(2, 3, 9), 30, false},
			{"survey 2", m, points.EvSurvey, day(2, 10, 9), 30, false},
			{"survey 3", m, points.EvSurvey, day(2, 17, 9), 30, false},
			{"survey 4 cut", m, points.EvSurvey, day(2, 24, 9), 10, true},
			{"survey 5 nothing", m, points.EvSurvey, day(2, 26, 9), 0, false},
			{"survey in March", m, points.EvSurvey, day(3, 2, 9), 30, false},
			{"article", m, points.EvArticle, day(1, 5, 9), 500, false},
			{"article again", m, points.EvArticle, day(3, 5, 9), 0, false},
			{"purchase 1", m, points.EvMerchantPurchase, day(1, 5, 9), 5, false},
			{"purchase 2", m, points.EvMerchantPurchase, day(2, 5, 9), 5, false},
			{"purchase 3", m, points.EvMerchantPurchase, day(3, 5, 9), 5, false},
			{"purchase 4", m, points.EvMerchantPurchase, day(3, 6, 9), 0, false},
		} {
			e := record(c.member, c.ev, c.at)
			if e.Points.Reward != c.want || len(e.Awards) > 0 && e.Awards[0].Capped != c.capped {
				t.Errorf("%s: %+v, want %d points (capped %v)", c.name, e, c.want, c.capped)
			}
			if c.want == 0 && len(e.Skipped) != 1 {
				t.Errorf("%s: skipped rules = %v", c.name, e.Skipped)
			}
		}
		// A reversed award no longer counts against its cap.
		arts, _, err := f.Points.Events(context.Background(), points.EventFilter{MemberID: m, Type: points.EvArticle})
		if err != nil || len(arts) != 2 {
			t.Fatalf("articles: %+v, %v", arts, err)
		}
		first := arts[1]
		if _, err := f.Points.Reverse(staffCtx(), first.Awards[0].TransactionID, "稿件撤回", "rev-article"); err != nil {
			t.Fatal(err)
		}
		if e := record(m, points.EvArticle, day(3, 7, 9)); e.Points.Reward != 500 {
			t.Errorf("after the reversal: %+v", e)
		}
		got, err := f.Points.Plan(context.Background(), p.ID)
		if err != nil || got.Issued.Reward != f.Balance(t, m, points.Reward)+f.Balance(t, other, points.Reward) {
			t.Errorf("issued %+v, %v", got.Issued, err)
		}
		f.Verify(t)
	})
}

// TestEventRetriedConcurrently records one event five times at once: it
// is recorded and posts once, and every call gets the same event.
func TestEventRetriedConcurrently(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SZ-QH")
		f.Plan(t, "SOUTH", rule(points.EvContractSigned, points.Reward, 200), rule(points.EvContractSigned, points.Upgrade, 1000))
		for round := range 3 {
			in := points.EventInput{MemberID: m, Type: points.EvContractSigned, Ref: fmt.Sprint("HT-2025-", round)}
			events := make([]*points.Event, 5)
			errs := make([]error, 5)
			testfix.Together(5, func(i int) { events[i], errs[i] = f.Points.RecordEvent(staffCtx(), in) })
			replays := 0
			for i := range 5 {
				if errs[i] != nil {
					t.Fatalf("call %d: %v", i, errs[i])
				}
				if events[i].ID != events[0].ID || len(events[i].Awards) != 2 || events[i].Points != events[0].Points {
					t.Fatalf("call %d: %+v, first %+v", i, events[i], events[0])
				}
				if events[i].Replayed {
					replays++
				}
			}
			if replays != 4 {
				t.Fatalf("round %d: %d replays", round, replays)
			}
		}
		if got := f.Balance(t, m, points.Reward); got != 600 {
			t.Fatalf("reward balance = %d, want 600", got)
		}
		if n := f.Count(t, "SELECT count(*) FROM point_transactions WHERE source = 'rule'"); n != 6 {
			t.Fatalf("%d transactions, want 6", n)
		}
		if mem, err := f.Members.Get(context.Background(), m); err != nil || mem.Tier != "silver" {
			t.Errorf("3000 upgrade points: tier %s, %v", mem.Tier, err)
		}
		f.Verify(t)
	})
}

func TestBudget(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		p, err := f.Points.CreatePlan(specialist, points.PlanInput{NodeCode: "EAST", Kind: points.AdHoc, Name: "推荐有礼",
			ValidFrom: db.DateOf(2025, 3, 1), ValidTo: db.DateOf(2025, 6, 30), Budget: points.Amounts{Reward: 100},
			Rules: []points.RuleInput{rule(points.EvReferralVisit, points.Reward, 60)}})
		if err != nil {
			t.Fatal(err)
		}
		mustSubmitApprove(t, f, p.ID)
		f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvReferralVisit, Ref: "A"})
		in := points.EventInput{MemberID: m, Type: points.EvReferralVisit, Ref: "B"}
		_, err = f.Points.RecordEvent(staffCtx(), in)
		if e := testfix.WantCode(t, err, apperr.Conflict); e.Field != "budget" {
			t.Fatalf("over budget: %v", e)
		}
		if n := f.Count(t, "SELECT count(*) FROM point_events"); n != 1 {
			t.Fatalf("the refused event was recorded: %d events", n)
		}
		c, err := f.Points.ProposePlanChange(specialist, p.ID, points.PlanRevision{Plan: points.PlanUpdate{Budget: &points.Amounts{Reward: 1000}}}, "追加预算")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Points.DecidePlanChange(supervisor, c.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if e := f.mustEvent(t, in); e.Points.Reward != 60 || e.Replayed {
			t.Fatalf("after the raise: %+v", e)
		}
		got, err := f.Points.PlanUsage(context.Background(), p.ID)
		if err != nil || got.Issued.Reward != 120 || got.Left.Reward != 880 || len(got.Rules) != 1 || got.Rules[0].Awards != 2 {
			t.Fatalf("usage = %+v, %v", got, err)
		}
		f.Verify(t)
	})
}

func TestOnlyApprovedMembersEarn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.Plan(t, "GROUP", rule(points.EvSiteVisit, points.Reward, 10))
		prospect, _, err := f.Members.Enrol(staffCtx(), member.Application{NodeCode: "SZ", Channel: member.SalesSite, Mobile: "13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Points.RecordEvent(staffCtx(), points.EventInput{MemberID: prospect.ID, Type: points.EvSiteVisit, Ref: "V"})
		testfix.WantCode(t, err, apperr.Conflict)
		_, err = f.Points.RecordEvent(staffCtx(), points.EventInput{MemberID: 999999, Type: points.EvSiteVisit, Ref: "V"})
		testfix.WantCode(t, err, apperr.NotFound)
		_, err = f.Points.RecordEvent(staffCtx(), points.EventInput{MemberID: prospect.ID, Type: "dance"})
		testfix.WantCode(t, err, apperr.Invalid)
		if n := f.Count(t, "SELECT count(*) FROM point_events"); n != 0 {
			t.Fatalf("%d events", n)
		}
	})
}
