package points_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

// mustRandomLedger writes a random history of awards (by rule, by plan by
// hand, of events without a plan), redemptions, adjustments, reversals and
// a year-end expiry, at times that often fall near midnight in China, and
// advances the report's rollup at random moments in between. It returns
// the transactions it could reverse and the plans.
func mustRandomLedger(t *testing.T, f *fixture, r *rand.Rand) (p1, p2 *points.Plan) {
	t.Helper()
	var members []int64
	for i := range 6 {
		members = append(members, f.Member(t, []string{"SH-PD", "SZ-QH"}[i%2]))
	}
	p1 = f.Plan(t, "GROUP", rule(points.EvJoined, points.Reward, 100), rule(points.EvSiteVisit, points.Reward, 20),
		rule(points.EvReferralPurchase, points.Upgrade, 500), rule(points.EvSurvey, points.Reward, 30))
	p2 = f.Plan(t, "EAST", rule(points.EvEventAttendance, points.Reward, 50))
	f.Clock.At(2025, 3, 10, 23, 10)
	var awards []int64
	for step := range 160 {
		if step == 120 {
			f.Clock.At(2027, 1, 1, 0, 5)
			f.mustExpire(t, points.ExpiryRun{Year: 2026})
		}
		// Steps of 20 minutes to two days: many land on either side of
		// midnight in China.
		f.Clock.Advance(time.Duration(20+r.IntN(48*60)) * time.Minute)
		m := members[r.IntN(len(members))]
		key := fmt.Sprint("k", step)
		switch op := r.IntN(9); op {
		case 0, 1, 2:
			ev := []points.EventType{points.EvJoined, points.EvSiteVisit, points.EvReferralPurchase, points.EvSurvey, points.EvEventAttendance}[r.IntN(5)]
			e, err := f.Points.RecordEvent(staffCtx(), points.EventInput{MemberID: m, Type: ev, Ref: key})
			if err != nil {
				t.Fatalf("record %s: %v", ev, err)
			}
			for _, a := range e.Awards {
				awards = append(awards, a.TransactionID)
			}
		case 3:
			tr := f.mustPost(t, points.Entry{MemberID: m, Kind: points.Reward, Amount: int64(1 + r.IntN(40)), Source: points.FromPlan,
				PlanID: &[]*points.Plan{p1, p2}[r.IntN(2)].ID, Reason: "手工发放", IdempotencyKey: key})
			awards = append(awards, tr.ID)
		case 4:
			f.mustPost(t, points.Entry{MemberID: m, Kind: points.Reward, Amount: 15, Source: points.FromEvent, Reason: "活动", IdempotencyKey: key})
		case 5:
			if b := f.Balance(t, m, points.Reward); b > 0 {
				f.mustPost(t, redeem(m, int64(1+r.IntN(int(b))), key))
			}
		case 6:
			amount := int64(r.IntN(30) - 10)
			if amount == 0 || amount < 0 && f.Balance(t, m, points.Reward) < -amount {
				amount = 3
			}
			f.mustPost(t, points.Entry{MemberID: m, Kind: points.Reward, Amount: amount, Source: points.FromAdjustment, Reason: "调整", IdempotencyKey: key})
		case 7:
			if len(awards) > 0 {
				// A reversal the balance cannot bear is refused: that is fine.
				_, _ = f.Points.Reverse(staffCtx(), awards[r.IntN(len(awards))], "冲正", key)
			}
		case 8:
			if _, err := f.Points.AdvanceReport(context.Background()); err != nil {
				t.Fatalf("advance the report: %v", err)
			}
		}
	}
	f.Verify(t)
	return p1, p2
}

// randomFilter is a filter of the report: a scope, a plan, a period and a
// kind picked at random, often open.
func randomFilter(r *rand.Rand, f *fixture, plans []int64) points.ReportFilter {
	var rf points.ReportFilter
	scopes := [][]string{nil, {f.Nodes["EAST"].Path}, {f.Nodes["SH-PD"].Path}, {f.Nodes["SOUTH"].Path},
		{f.Nodes["SH"].Path, f.Nodes["SZ-QH"].Path}, {}}
	rf.Within = scopes[r.IntN(len(scopes))]
	if r.IntN(3) == 0 {
		rf.PlanID = plans[r.IntN(len(plans))]
	}
	rf.Kind = []points.Kind{"", "", points.Reward, points.Upgrade}[r.IntN(4)]
	day := func() db.Date {
		d := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(700))
		return db.DateOf(d.Year(), d.Month(), d.Day())
	}
	if r.IntN(3) > 0 {
		rf.From = day()
	}
	if r.IntN(3) > 0 {
		rf.To = day()
	}
	if rf.From.Valid() && rf.To.Valid() && rf.To.Before(rf.From.Time) {
		rf.From, rf.To = rf.To, rf.From
	}
	return rf
}

// mustSameReports compares the rollup's report with the direct one for
// n random filters.
func mustSameReports(t *testing.T, f *fixture, r *rand.Rand, plans []int64, n int, stage string) {
	t.Helper()
	ctx := context.Background()
	for range n {
		rf := randomFilter(r, f, plans)
		fast, err1 := f.Points.Effectiveness(ctx, rf)
		direct, err2 := f.Points.EffectivenessDirect(ctx, rf)
		if fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("%s %+v: rollup error %v, direct error %v", stage, rf, err1, err2)
		}
		if err1 != nil {
			continue
		}
		mustReconcile(t, fast)
		fast.GeneratedAt, direct.GeneratedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(fast, direct) {
			t.Fatalf("%s %+v:\n--- rollup\n%s--- direct\n%s", stage, rf, show(fast), show(direct))
		}
	}
}

// The report from the rollup (with postings after its mark added live)
// gives exactly the figures of the report summed straight from the
// postings, for random histories and filters, however far the rollup is
// advanced, and after it is rebuilt.
func TestReportRollupMatchesPostings(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		for seed := range uint64(2) {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				if seed > 0 {
					d = dbtest.Open(t, d.Dialect())
				}
				f := mustFixture(t, d)
				r := rand.New(rand.NewPCG(seed, 42))
				p1, p2 := mustRandomLedger(t, f, r)
				plans := []int64{p1.ID, p2.ID, 999}
				ctx := context.Background()
				mustSameReports(t, f, r, plans, 40, "part rolled up")
				if _, err := f.Points.AdvanceReport(ctx); err != nil {
					t.Fatal(err)
				}
				if n := f.Count(t, "SELECT count(*) FROM point_report_days"); n == 0 {
					t.Fatal("the rollup holds no rows after an advance")
				}
				mustSameReports(t, f, r, plans, 40, "all rolled up")
				// Postings after the mark, then a rebuild.
				m := f.Member(t, "SZ-QH")
				f.Clock.Advance(time.Hour)
				f.mustEvent(t, points.EventInput{MemberID: m, Type: points.EvJoined})
				mustSameReports(t, f, r, plans, 20, "a tail after the mark")
				rb, err := f.Points.RebuildReport(ctx)
				if err != nil || !rb.Rebuilt || rb.Postings == 0 {
					t.Fatalf("rebuild: %+v, %v", rb, err)
				}
				mustSameReports(t, f, r, plans, 20, "rebuilt")
			})
		}
	})
}

// Advancing twice folds nothing twice: the second advance finds nothing
// new, and the rows sum to the member postings.
func TestReportRollupAdvanceOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustReportHistory(t, f)
		ctx := context.Background()
		first, err := f.Points.AdvanceReport(ctx)
		if err != nil || first.Postings == 0 {
			t.Fatalf("first advance: %+v, %v", first, err)
		}
		again, err := f.Points.AdvanceReport(ctx)
		if err != nil || again.Postings != 0 || again.Mark != first.Mark {
			t.Fatalf("second advance: %+v, %v (first %+v)", again, err, first)
		}
		rolled := f.Count(t, "SELECT CAST(SUM(postings) AS INTEGER) FROM point_report_days")
		member := f.Count(t, "SELECT count(*) FROM point_postings p JOIN point_accounts a ON a.id = p.account_id WHERE a.member_id IS NOT NULL")
		if rolled != member || first.Postings != member {
			t.Errorf("rolled up %d postings (advance said %d), the ledger holds %d member postings", rolled, first.Postings, member)
		}
	})
}
