package points_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

func upgrade(memberID, amount int64, key string) points.Entry {
	return points.Entry{MemberID: memberID, Kind: points.Upgrade, Amount: amount, Source: points.FromEvent, Reason: "品牌活动签到", Ref: "event-9", IdempotencyKey: key}
}

func TestUpgradePointsEvaluateTheTier(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		tier := func() string {
			t.Helper()
			got, err := f.Members.Get(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			return got.Tier
		}
		f.mustPost(t, upgrade(m, 600, "u1"))
		f.mustPost(t, award(m, 5000, "r1")) // reward points never count
		if got := tier(); got != "regular" {
			t.Fatalf("tier at 600 = %s", got)
		}
		f.mustPost(t, upgrade(m, 400, "u2"))
		if got := tier(); got != "silver" {
			t.Fatalf("tier at 1000 = %s, want silver", got)
		}
		changes, err := f.Members.TierChanges(context.Background(), m, nil)
		if err != nil || len(changes) != 1 || changes[0].Status != "automatic" || !strings.Contains(changes[0].Reason, "1000") {
			t.Errorf("tier changes = %+v, %v", changes, err)
		}

		// Only the evaluation period counts: 4,000 points a year ago and
		// 1,500 now stay below gold (5,000).
		n := f.Member(t, "SZ-QH")
		if err := f.Members.SetEvaluationMonths(staffCtx(), 6); err != nil {
			t.Fatal(err)
		}
		f.mustPost(t, upgrade(n, 4000, "n1"))
		f.Clock.Advance(7 * 30 * 24 * time.Hour)
		f.mustPost(t, upgrade(n, 1500, "n2"))
		got, err := f.Members.Get(context.Background(), n)
		if err != nil || got.Tier != "silver" {
			t.Errorf("tier with 1,500 points in the period = %s, %v; want silver", got.Tier, err)
		}
		f.Verify(t)
	})
}

// Default members (who only left a mobile number) hold points but have no
// tier to evaluate yet.
func TestDefaultMemberHoldsPoints(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m, _, err := f.Members.Enrol(staffCtx(), member.Application{NodeCode: "SH", Channel: member.SalesSite, Mobile: "13700000001"})
		if err != nil {
			t.Fatal(err)
		}
		f.mustPost(t, upgrade(m.ID, 2000, "d1"))
		if got, _ := f.Members.Get(context.Background(), m.ID); got.Tier != "regular" || got.Status != member.Default {
			t.Errorf("default member = %s %s", got.Status, got.Tier)
		}
	})
}

func TestLedgerIsAppendOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		f.mustPost(t, award(m, 100, "a1"))
		ctx := context.Background()
		for _, stmt := range []string{
			"UPDATE point_postings SET amount = 1000",
			"DELETE FROM point_postings",
			"UPDATE point_transactions SET reason = 'forged'",
			"DELETE FROM point_transactions",
			"UPDATE point_idempotency SET key = 'other'",
			"DELETE FROM point_idempotency",
			"UPDATE point_accounts SET member_id = NULL, address = 'x'",
			"UPDATE point_accounts SET region_path = '/1/99/'",
			"DELETE FROM point_accounts",
			"UPDATE point_accounts SET balance = -1 WHERE member_id IS NOT NULL", // members never go negative
		} {
			err := d.Update(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, stmt)
				return err
			})
			if err == nil {
				t.Errorf("%s: succeeded", stmt)
			}
		}
		if d.Dialect() == db.Postgres {
			for _, table := range []string{"point_postings", "point_transactions", "point_idempotency", "point_accounts"} {
				err := d.Update(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, "TRUNCATE "+table+" CASCADE")
					return err
				})
				if err == nil {
					t.Errorf("TRUNCATE %s: succeeded", table)
				}
			}
		}
		if r := f.Verify(t); r.Postings != 2 {
			t.Errorf("postings = %d, want 2", r.Postings)
		}
	})
}

func TestVerifyReportsEveryDifference(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		tr := f.mustPost(t, award(m, 100, "a1"))
		ctx := context.Background()
		// Balances may move only with postings; write around the service.
		err := d.Update(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "UPDATE point_accounts SET balance = balance + 7"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO point_postings (transaction_id, account_id, amount, balance_after, created_at)
				SELECT ?, id, 5, 0, ? FROM point_accounts WHERE member_id IS NOT NULL`, tr.ID, tx.Now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.Points.Verify(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, mm := range r.Mismatches {
			got = append(got, mm.Problem)
		}
		want := []string{points.BadBalance, points.BadBalance, points.BadClubBalance, points.Unbalanced}
		if strings.Join(got, " ") != strings.Join(want, " ") || r.OK() {
			t.Errorf("problems = %v, want %v (%+v)", got, want, r.Mismatches)
		}
	})
}

func TestEntriesAreChecked(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		ok := award(m, 10, "k")
		for _, tc := range []struct {
			name  string
			edit  func(e *points.Entry)
			field string
		}{
			{"no member", func(e *points.Entry) { e.MemberID = 0 }, "member_id"},
			{"kind", func(e *points.Entry) { e.Kind = "gold" }, "kind"},
			{"zero", func(e *points.Entry) { e.Amount = 0 }, "amount"},
			{"too much", func(e *points.Entry) { e.Amount = points.MaxAmount + 1 }, "amount"},
			{"negative award", func(e *points.Entry) { e.Amount = -10 }, "amount"},
			{"no plan", func(e *points.Entry) { e.PlanID = nil }, "plan_id"},
			{"rule without id", func(e *points.Entry) { e.Source = points.FromRule }, "rule_id"},
			{"redeem upgrade", func(e *points.Entry) { e.Source, e.Kind, e.Amount = points.FromRedemption, points.Upgrade, -1 }, "kind"},
			{"positive redemption", func(e *points.Entry) { e.Source = points.FromRedemption }, "amount"},
			{"reversal", func(e *points.Entry) { e.Source = points.FromReversal }, "source"},
			{"source", func(e *points.Entry) { e.Source = "gift" }, "source"},
			{"no reason", func(e *points.Entry) { e.Reason = "  " }, "reason"},
			{"long reason", func(e *points.Entry) { e.Reason = strings.Repeat("因", 201) }, "reason"},
			{"no key", func(e *points.Entry) { e.IdempotencyKey = "" }, "idempotency_key"},
			{"control in key", func(e *points.Entry) { e.IdempotencyKey = "a\nb" }, "idempotency_key"},
			{"region form", func(e *points.Entry) { e.Region = "EAST" }, "region"},
			{"not a region", func(e *points.Entry) { e.Region = f.Nodes["SH"].Path }, "region"},
		} {
			e := ok
			tc.edit(&e)
			_, err := f.Points.Post(staffCtx(), e)
			if got := testfix.WantCode(t, err, apperr.Invalid); got.Field != tc.field {
				t.Errorf("%s: field = %q, want %q", tc.name, got.Field, tc.field)
			}
		}
		_, err := f.Points.Post(staffCtx(), award(9999, 10, "k"))
		testfix.WantCode(t, err, apperr.NotFound)
		if err := d.Update(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), "UPDATE members SET status = 'closed' WHERE id = ?", m)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = f.Points.Post(staffCtx(), ok)
		testfix.WantCode(t, err, apperr.Conflict)
		if n := f.Count(t, "SELECT count(*) FROM point_transactions"); n != 0 {
			t.Errorf("%d transactions after refused entries", n)
		}
	})
}

func TestStatementFilters(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		start := f.Clock.Now()
		for i := range 6 {
			f.mustPost(t, award(m, int64(10*(i+1)), "a"+string(rune('0'+i))))
			f.mustPost(t, upgrade(m, 1, "u"+string(rune('0'+i))))
			f.Clock.Advance(24 * time.Hour)
		}
		ctx := context.Background()
		lines, total, err := f.Points.Statement(ctx, m, points.Filter{Kind: points.Reward, Limit: 2, Offset: 1})
		if err != nil || total != 6 || len(lines) != 2 || lines[0].Amount != 50 || lines[0].Balance != 150 || lines[1].Amount != 40 {
			t.Errorf("page = %+v, %d, %v", lines, total, err)
		}
		lines, total, err = f.Points.Statement(ctx, m, points.Filter{From: start.Add(24 * time.Hour), To: start.Add(3 * 24 * time.Hour)})
		if err != nil || total != 4 || lines[0].Kind != points.Upgrade || lines[3].Amount != 20 {
			t.Errorf("days 2–3 = %+v, %d, %v", lines, total, err)
		}
		_, _, err = f.Points.Statement(ctx, m, points.Filter{Kind: "gold"})
		testfix.WantCode(t, err, apperr.Invalid)
		_, _, err = f.Points.Statement(ctx, 9999, points.Filter{})
		testfix.WantCode(t, err, apperr.NotFound)
		_, err = f.Points.Balances(ctx, 9999)
		testfix.WantCode(t, err, apperr.NotFound)
	})
}
