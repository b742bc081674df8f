package points_test

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

func TestAwardIsDoubleEntry(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		tr := f.mustPost(t, award(m, 120, "k1"))
		east := f.Nodes["EAST"].Path
		if tr.MemberID != m || tr.Kind != points.Reward || tr.Region != east || tr.Amount != 120 || tr.Balance != 120 ||
			tr.Source != points.FromPlan || tr.ActorLogin != "tester" || tr.IdempotencyKey != "k1" || tr.Replayed {
			t.Errorf("transaction = %+v", tr)
		}
		if len(tr.Postings) != 2 {
			t.Fatalf("postings = %+v", tr.Postings)
		}
		club := tr.Postings[1]
		want := points.Posting{ID: club.ID, Account: "issued:plan:1", Kind: points.Reward, Region: east, Shard: club.Shard, Amount: -120, BalanceAfter: -120}
		if club != want || club.Shard < 0 || club.Shard >= points.Shards || tr.Postings[0].Amount+club.Amount != 0 || tr.Postings[0].Account != fmt.Sprintf("member:%d", m) {
			t.Errorf("legs = %+v", tr.Postings)
		}
		again, err := f.Points.Transaction(context.Background(), tr.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !again.CreatedAt.Equal(tr.CreatedAt) {
			t.Errorf("stored at %v, returned %v", again.CreatedAt, tr.CreatedAt)
		}
		again.CreatedAt = tr.CreatedAt
		if !reflect.DeepEqual(again, tr) {
			t.Errorf("stored %+v, returned %+v", again, tr)
		}
		f.mustPost(t, points.Entry{MemberID: m, Kind: points.Upgrade, Amount: 300, Source: points.FromRule, PlanID: plan(1), RuleID: plan(4),
			Reason: "入会", IdempotencyKey: "k2"})
		f.mustPost(t, points.Entry{MemberID: m, Kind: points.Reward, Region: f.Nodes["SOUTH"].Path, Amount: 50, Source: points.FromAdjustment,
			Reason: "补录积分", IdempotencyKey: "k3"})
		bs, err := f.Points.Balances(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(bs)
		wantBs := fmt.Sprint([]points.Balance{{points.Reward, east, "华东事业部", 120}, {points.Upgrade, east, "华东事业部", 300},
			{points.Reward, f.Nodes["SOUTH"].Path, "华南事业部", 50}})
		if got != wantBs {
			t.Errorf("balances = %s, want %s", got, wantBs)
		}
		r := f.Verify(t)
		if r.MemberAccounts != 3 || r.ClubAccounts != 3 || r.Shards != 3 || r.Transactions != 3 || r.Postings != 6 {
			t.Errorf("report = %+v", r)
		}
	})
}

func TestIdempotency(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		first := f.mustPost(t, award(m, 100, "award-1"))
		again := f.mustPost(t, award(m, 100, "award-1"))
		if again.ID != first.ID || !again.Replayed || again.Amount != 100 || again.Balance != 100 {
			t.Errorf("retry = %+v, want transaction %d replayed", again, first.ID)
		}
		// Whitespace the ledger trims is the same request.
		e := award(m, 100, "award-1")
		e.Reason = " 推荐看房 "
		if tr := f.mustPost(t, e); tr.ID != first.ID {
			t.Errorf("trimmed retry = %d, want %d", tr.ID, first.ID)
		}
		if b := f.Balance(t, m, points.Reward); b != 100 {
			t.Errorf("balance = %d after a retry, want 100", b)
		}
		for name, changed := range map[string]points.Entry{
			"amount": award(m, 101, "award-1"),
			"member": award(f.Member(t, "SH-PD"), 100, "award-1"),
			"kind":   {MemberID: m, Kind: points.Upgrade, Amount: 100, Source: points.FromPlan, PlanID: plan(1), Reason: "推荐看房", IdempotencyKey: "award-1"},
			"reason": {MemberID: m, Kind: points.Reward, Amount: 100, Source: points.FromPlan, PlanID: plan(1), Reason: "推荐购房", IdempotencyKey: "award-1"},
		} {
			_, err := f.Points.Post(staffCtx(), changed)
			if e := testfix.WantCode(t, err, apperr.Conflict); e.Field != "idempotency_key" {
				t.Errorf("%s changed: field = %q", name, e.Field)
			}
		}
		// A key used for a post cannot reverse.
		_, err := f.Points.Reverse(staffCtx(), first.ID, "录入错误", "award-1")
		testfix.WantCode(t, err, apperr.Conflict)
		if n := f.Count(t, "SELECT count(*) FROM point_transactions"); n != 1 {
			t.Errorf("transactions = %d, want 1", n)
		}
		f.Verify(t)
	})
}

// The same award sent by many clients at once posts once, and each gets
// the one transaction.
func TestConcurrentRetriesPostOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		ids := make([]int64, 20)
		errs := make([]error, 20)
		testfix.Together(len(ids), func(i int) {
			tr, err := f.Points.Post(staffCtx(), award(m, 10, "same"))
			if err == nil {
				ids[i] = tr.ID
			}
			errs[i] = err
		})
		for i, err := range errs {
			if err != nil || ids[i] != ids[0] {
				t.Errorf("client %d: %d, %v; want transaction %d", i, ids[i], err, ids[0])
			}
		}
		if b := f.Balance(t, m, points.Reward); b != 10 {
			t.Errorf("balance = %d, want 10", b)
		}
		f.Verify(t)
	})
}

func TestInsufficientPoints(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		f.mustPost(t, award(m, 80, "a1"))
		_, err := f.Points.Post(staffCtx(), redeem(m, 100, "r1"))
		e := testfix.WantCode(t, err, apperr.InsufficientPoints)
		if !strings.Contains(e.ZH, "余额 80") || !strings.Contains(e.EN, "balance is 80") || apperr.HTTPStatus(e.Code) != http.StatusConflict {
			t.Errorf("error = %q / %q", e.ZH, e.EN)
		}
		// Nothing was kept, not even the key: the same request succeeds
		// once the balance covers it.
		if n := f.Count(t, "SELECT count(*) FROM point_idempotency WHERE key = 'r1'"); n != 0 {
			t.Errorf("a refused request kept its key")
		}
		f.mustPost(t, award(m, 20, "a2"))
		if tr := f.mustPost(t, redeem(m, 100, "r1")); tr.Balance != 0 {
			t.Errorf("balance after redemption = %d", tr.Balance)
		}
		// Upgrade points cannot go negative either.
		_, err = f.Points.Post(staffCtx(), points.Entry{MemberID: m, Kind: points.Upgrade, Amount: -1, Source: points.FromAdjustment,
			Reason: "扣减", IdempotencyKey: "u1"})
		testfix.WantCode(t, err, apperr.InsufficientPoints)
		f.Verify(t)
	})
}

func TestReverse(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		a := f.mustPost(t, award(m, 100, "a1"))
		rev, err := f.Points.Reverse(staffCtx(), a.ID, "录入错误", "rev-1")
		if err != nil {
			t.Fatal(err)
		}
		if rev.Source != points.FromReversal || rev.ReversesID == nil || *rev.ReversesID != a.ID || rev.Amount != -100 || rev.Balance != 0 ||
			*rev.PlanID != 1 || rev.Postings[1].Account != "issued:plan:1" || rev.Postings[1].BalanceAfter != 0 {
			t.Errorf("reversal = %+v", rev)
		}
		again, err := f.Points.Reverse(staffCtx(), a.ID, "录入错误", "rev-1")
		if err != nil || again.ID != rev.ID || !again.Replayed {
			t.Errorf("retried reversal = %+v, %v", again, err)
		}
		_, err = f.Points.Reverse(staffCtx(), a.ID, "录入错误", "rev-2")
		if e := testfix.WantCode(t, err, apperr.Conflict); !strings.Contains(e.EN, "already reversed") {
			t.Errorf("second reversal: %v", err)
		}
		_, err = f.Points.Reverse(staffCtx(), rev.ID, "撤销冲正", "rev-3")
		testfix.WantCode(t, err, apperr.Conflict)
		_, err = f.Points.Reverse(staffCtx(), 999, "不存在", "rev-4")
		testfix.WantCode(t, err, apperr.NotFound)

		// A cancelled redemption returns the points; an award already
		// spent cannot be taken back.
		b := f.mustPost(t, award(m, 50, "a2"))
		r := f.mustPost(t, redeem(m, 50, "r1"))
		_, err = f.Points.Reverse(staffCtx(), b.ID, "录入错误", "rev-5")
		testfix.WantCode(t, err, apperr.InsufficientPoints)
		back, err := f.Points.Reverse(staffCtx(), r.ID, "兑换取消", "rev-6")
		if err != nil || back.Amount != 50 || back.Balance != 50 || back.Postings[1].Account != "redeemed" {
			t.Fatalf("cancelled redemption = %+v, %v", back, err)
		}
		lines, total, err := f.Points.Statement(context.Background(), m, points.Filter{})
		if err != nil || total != 5 || lines[0].TransactionID != back.ID || lines[0].Balance != 50 || *lines[0].ReversesID != r.ID {
			t.Errorf("statement = %+v, %d, %v", lines, total, err)
		}
		f.Verify(t)
	})
}

// Reward points are refused once a balance is spent, whatever the order
// requests arrive in: 50 redemptions against a balance for 10.
func TestConcurrentRedemptions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		f.mustPost(t, award(m, 10*30, "fund"))
		errs := make([]error, 50)
		testfix.Together(len(errs), func(i int) {
			_, errs[i] = f.Points.Post(staffCtx(), redeem(m, 30, fmt.Sprintf("redeem-%d", i)))
		})
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.InsufficientPoints):
				refused++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if ok != 10 || refused != 40 {
			t.Errorf("%d succeeded, %d refused; want 10 and 40", ok, refused)
		}
		if b := f.Balance(t, m, points.Reward); b != 0 {
			t.Errorf("balance = %d, want 0", b)
		}
		f.Verify(t)
	})
}

// Many clients reversing one award at once: with one key they all get the
// one reversal; with their own keys one wins and the rest are told it is
// already reversed.
func TestConcurrentReversals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		for _, sameKey := range []bool{true, false} {
			a := f.mustPost(t, award(m, 40, fmt.Sprintf("award-%v", sameKey)))
			ids := make([]int64, 12)
			errs := make([]error, 12)
			testfix.Together(len(ids), func(i int) {
				key := fmt.Sprintf("rev-%v", sameKey)
				if !sameKey {
					key += fmt.Sprint(i)
				}
				tr, err := f.Points.Reverse(staffCtx(), a.ID, "录入错误", key)
				if err == nil {
					ids[i] = tr.ID
				}
				errs[i] = err
			})
			won := map[int64]bool{}
			for i, err := range errs {
				switch {
				case err == nil:
					won[ids[i]] = true
				case sameKey || !apperr.Is(err, apperr.Conflict):
					t.Errorf("same key %v: %v", sameKey, err)
				}
			}
			if len(won) != 1 {
				t.Errorf("same key %v: reversals %v, want one", sameKey, won)
			}
		}
		if b := f.Balance(t, m, points.Reward); b != 0 {
			t.Errorf("balance = %d, want 0", b)
		}
		f.Verify(t)
	})
}
