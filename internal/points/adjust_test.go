package points_test

import (
	"context"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

func TestAdjustments(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		propose := func(kind points.Kind, amount int64, reason string) *points.Adjustment {
			t.Helper()
			a, err := f.Points.ProposeAdjustment(specialist, points.AdjustmentInput{MemberID: m, Kind: kind, Amount: amount, Reason: reason})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		a := propose(points.Reward, 300, "活动积分漏记补录")
		if f.Balance(t, m, points.Reward) != 0 || a.Status != points.AdjustmentPending {
			t.Fatalf("a proposal posted: %+v", a)
		}
		_, err := f.Points.DecideAdjustment(specialist, a.ID, true, "")
		testfix.WantCode(t, err, apperr.Forbidden) // proposer ≠ approver
		a, err = f.Points.DecideAdjustment(supervisor, a.ID, true, "核实无误")
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != points.AdjustmentApproved || a.TransactionID == nil || a.DecidedBy != "zhuguan" {
			t.Fatalf("approved: %+v", a)
		}
		tr, err := f.Points.Transaction(context.Background(), *a.TransactionID)
		if err != nil || tr.Source != points.FromAdjustment || tr.Amount != 300 || tr.Reason != "活动积分漏记补录" {
			t.Fatalf("transaction: %+v, %v", tr, err)
		}
		_, err = f.Points.DecideAdjustment(as("another"), a.ID, false, "no")
		testfix.WantCode(t, err, apperr.Conflict) // decided already

		// Rejected: nothing posts.
		r := propose(points.Reward, 1000, "误操作")
		_, err = f.Points.DecideAdjustment(supervisor, r.ID, false, "")
		testfix.WantCode(t, err, apperr.Invalid) // a rejection needs a note
		if r, err = f.Points.DecideAdjustment(supervisor, r.ID, false, "无依据"); err != nil || r.Status != points.AdjustmentRejected || r.TransactionID != nil {
			t.Fatalf("rejected: %+v, %v", r, err)
		}
		_, err = f.Points.DecideAdjustment(supervisor, r.ID, true, "")
		testfix.WantCode(t, err, apperr.Conflict)

		// A debit past the balance stays pending.
		neg := propose(points.Reward, -500, "扣回重复发放")
		_, err = f.Points.DecideAdjustment(supervisor, neg.ID, true, "")
		testfix.WantCode(t, err, apperr.InsufficientPoints)
		if got, _ := f.Points.Adjustment(context.Background(), neg.ID); got.Status != points.AdjustmentPending {
			t.Fatalf("after a failed approval: %+v", got)
		}
		if _, err := f.Points.DecideAdjustment(supervisor, propose(points.Reward, -100, "扣回").ID, true, ""); err != nil {
			t.Fatal(err)
		}
		// Upgrade points move the tier.
		if _, err := f.Points.DecideAdjustment(supervisor, propose(points.Upgrade, 1200, "历史购房补记").ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if mem, _ := f.Members.Get(context.Background(), m); mem.Tier != "silver" {
			t.Errorf("tier = %s", mem.Tier)
		}
		if got := f.Balance(t, m, points.Reward); got != 200 {
			t.Errorf("reward balance = %d, want 200", got)
		}
		list, total, err := f.Points.Adjustments(context.Background(), points.AdjustmentFilter{Status: points.AdjustmentPending, Within: []string{f.Nodes["EAST"].Path}})
		if err != nil || total != 1 || list[0].ID != neg.ID {
			t.Errorf("pending: %+v, %d, %v", list, total, err)
		}
		for _, in := range []points.AdjustmentInput{
			{MemberID: m, Kind: points.Reward, Amount: 0, Reason: "x"},
			{MemberID: m, Kind: "gold", Amount: 1, Reason: "x"},
			{MemberID: m, Kind: points.Reward, Amount: 1},
		} {
			_, err := f.Points.ProposeAdjustment(specialist, in)
			testfix.WantCode(t, err, apperr.Invalid)
		}
		_, err = f.Points.ProposeAdjustment(specialist, points.AdjustmentInput{MemberID: 424242, Kind: points.Reward, Amount: 1, Reason: "x"})
		testfix.WantCode(t, err, apperr.NotFound)
		f.Verify(t)
	})
}
