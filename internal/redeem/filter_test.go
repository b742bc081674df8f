package redeem_test

import (
	"context"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/redeem"
	"estateclub/internal/testfix"
)

// A stock change by a delta counts from the stock as it is when the row is
// locked: an order placed since the form was read is not undone.
func TestStockDelta(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		it := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 10, Stock: ptr(int64(5))})
		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 100, "")
		f.mustApply(t, m, it.ID) // stock 4: the form showed 5
		up, err := f.redeem.UpdateItem(as(supervisor), it.ID, redeem.ItemUpdate{StockDelta: ptr(int64(10))})
		if err != nil || *up.Stock != 14 {
			t.Fatalf("add 10: %+v, %v", up, err)
		}
		_, err = f.redeem.UpdateItem(as(supervisor), it.ID, redeem.ItemUpdate{StockDelta: ptr(int64(-15))})
		if e := testfix.WantCode(t, err, apperr.Invalid); e.Field != "stock" {
			t.Errorf("removing more than the stock: error on %q", e.Field)
		}
		if got := f.stock(t, it.ID); got != 14 {
			t.Errorf("stock %d after a refused change, want 14", got)
		}
		// Unlimited stock stays unlimited.
		free := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 10})
		if up, err := f.redeem.UpdateItem(as(supervisor), free.ID, redeem.ItemUpdate{StockDelta: ptr(int64(3))}); err != nil || up.Stock != nil {
			t.Errorf("delta on unlimited stock: %+v, %v", up, err)
		}
	})
}

func TestOrdersByDate(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		it := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 10})
		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 100, "")
		o := f.mustApply(t, m, it.ID)
		for _, c := range []struct {
			name string
			f    redeem.OrderFilter
			want int
		}{
			{"open", redeem.OrderFilter{}, 1},
			{"from before", redeem.OrderFilter{From: o.CreatedAt.Add(-day)}, 1},
			{"from after", redeem.OrderFilter{From: o.CreatedAt.Add(day)}, 0},
			{"to after", redeem.OrderFilter{To: o.CreatedAt.Add(day)}, 1},
			{"to at", redeem.OrderFilter{To: o.CreatedAt}, 0},
		} {
			_, total, err := f.redeem.Orders(context.Background(), c.f)
			if err != nil || total != c.want {
				t.Errorf("%s: %d orders (%v), want %d", c.name, total, err, c.want)
			}
		}
	})
}
