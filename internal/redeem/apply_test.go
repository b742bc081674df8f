package redeem_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/testfix"
)

// TestConcurrentRedemptions is the acceptance case: 50 concurrent
// redemptions against a balance that covers 10 of them.
func TestConcurrentRedemptions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 1000, "")
		it := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 100})
		var mu sync.Mutex
		outcomes := map[string]int{}
		testfix.Together(50, func(i int) {
			_, err := f.redeem.Apply(asMember(m), redeem.Application{MemberID: m, ItemID: it.ID, IdempotencyKey: fmt.Sprint("portal-", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				outcomes["ok"]++
			case apperr.Is(err, apperr.InsufficientPoints):
				outcomes["insufficient"]++
				if e := apperr.As(err); e.ZH == "" || e.EN == "" || e.Field == "" {
					t.Errorf("unclear error %+v", e)
				}
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
		if outcomes["ok"] != 10 || outcomes["insufficient"] != 40 {
			t.Errorf("outcomes %v, want 10 ok and 40 insufficient_points", outcomes)
		}
		if b := f.Balance(t, m, points.Reward); b != 0 {
			t.Errorf("balance %d, want 0", b)
		}
		if n := f.Count(t, "SELECT count(*) FROM redeem_orders WHERE member_id = ? AND status = 'applied'", m); n != 10 {
			t.Errorf("%d orders, want 10", n)
		}
		if n := f.Count(t, "SELECT count(*) FROM point_transactions WHERE source = 'redemption'"); n != 10 {
			t.Errorf("%d holds in the ledger, want 10", n)
		}
		f.Verify(t)
	})
}

// TestStockNeverOversold has more members order at once than there is stock.
func TestStockNeverOversold(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		it := f.mustItem(t, redeem.NewItem{NodeCode: "EAST", Price: 50, Stock: ptr(int64(7))})
		members := make([]int64, 25)
		for i := range members {
			members[i] = f.Member(t, "SH-PD")
			f.Earn(t, members[i], 500, "")
		}
		var mu sync.Mutex
		ok, out := 0, 0
		testfix.Together(len(members), func(i int) {
			_, err := f.redeem.Apply(as(specialist), redeem.Application{MemberID: members[i], ItemID: it.ID, Quantity: 1 + i%2,
				IdempotencyKey: fmt.Sprint("k-", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict) && apperr.As(err).Field == "quantity":
				out++
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
		var taken int
		err := d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), "SELECT COALESCE(SUM(quantity), 0) FROM redeem_orders WHERE item_id = ?", it.ID).Scan(&taken)
		})
		if err != nil {
			t.Fatal(err)
		}
		left := f.stock(t, it.ID)
		if taken+int(left) != 7 || left < 0 || left > 1 || ok+out != len(members) || ok < 4 {
			t.Errorf("%d units ordered in %d orders, %d left, %d refused", taken, ok, left, out)
		}
		f.Verify(t)
	})
}

// TestDoubleTap sends one application several times at once.
func TestDoubleTap(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 1000, "")
		it := f.mustItem(t, redeem.NewItem{NodeCode: "SH-PD", Price: 300, Stock: ptr(int64(10))})
		app := redeem.Application{MemberID: m, ItemID: it.ID, Note: "周六自提", IdempotencyKey: "tap-1"}
		orders := make([]*redeem.Order, 8)
		testfix.Together(len(orders), func(i int) {
			o, err := f.redeem.Apply(asMember(m), app)
			if err != nil {
				t.Error(err)
				return
			}
			orders[i] = o
		})
		replays := 0
		for _, o := range orders {
			if o == nil || o.ID != orders[0].ID || o.Points != 300 {
				t.Fatalf("orders %+v", orders)
			}
			if o.Replayed {
				replays++
			}
		}
		if replays != len(orders)-1 {
			t.Errorf("%d replays, want %d", replays, len(orders)-1)
		}
		if b, s := f.Balance(t, m, points.Reward), f.stock(t, it.ID); b != 700 || s != 9 {
			t.Errorf("balance %d, stock %d; want 700 and 9", b, s)
		}
		// The same key for another application is refused.
		app.Quantity = 2
		_, err := f.redeem.Apply(asMember(m), app)
		testfix.WantCode(t, err, apperr.Conflict)
		// A member may not apply for someone else.
		other := f.Member(t, "SH-PD")
		_, err = f.redeem.Apply(asMember(other), redeem.Application{MemberID: m, ItemID: it.ID, IdempotencyKey: "x"})
		testfix.WantCode(t, err, apperr.Forbidden)
		f.Verify(t)
	})
}

func TestApplyChecks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 5000, "")
		limited := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 100, MemberLimit: ptr(2)})
		now := d.Clock()
		past := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 100, ValidTo: ptr(now.Add(-day))})
		future := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 100, ValidFrom: ptr(now.Add(day))})
		hidden := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 100, Inactive: true})

		f.mustApply(t, m, limited.ID)
		second := f.mustApply(t, m, limited.ID)
		_, err := f.apply(m, limited.ID)
		if e := testfix.WantCode(t, err, apperr.Conflict); e.Field != "quantity" {
			t.Errorf("limit error on %q", e.Field)
		}
		if _, err := f.redeem.Cancel(as(specialist), second.ID, ""); err != nil {
			t.Fatal(err)
		}
		f.mustApply(t, m, limited.ID) // a cancelled order frees the limit
		for _, it := range []*redeem.Item{past, future, hidden} {
			_, err := f.apply(m, it.ID)
			testfix.WantCode(t, err, apperr.Conflict)
		}
		_, err = f.apply(m, 999999)
		testfix.WantCode(t, err, apperr.NotFound)
		for _, a := range []redeem.Application{
			{MemberID: m, ItemID: limited.ID},
			{MemberID: m, ItemID: limited.ID, Quantity: 101, IdempotencyKey: "q"},
			{ItemID: limited.ID, IdempotencyKey: "q"},
		} {
			_, err := f.redeem.Apply(as(specialist), a)
			testfix.WantCode(t, err, apperr.Invalid)
		}
		// Default members, without an approved application, cannot redeem.
		def, _, err := f.Members.Enrol(testfix.Ctx(), memberApplication("SH-PD", "13800009999"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.apply(def.ID, limited.ID)
		testfix.WantCode(t, err, apperr.Conflict)
		f.Verify(t)
	})
}
