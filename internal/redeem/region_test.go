package redeem_test

import (
	"context"
	"fmt"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/testfix"
)

// TestRegionScope: points earned in a region are spent there, unless the
// group lets them be spent everywhere.
func TestRegionScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		east, south := f.Nodes["EAST"].Path, f.Nodes["SOUTH"].Path
		m := f.Member(t, "SH-PD") // joined in the east
		f.Earn(t, m, 300, "")
		f.Earn(t, m, 500, south) // earned at an event in the south
		inEast := f.mustItem(t, redeem.NewItem{NodeCode: "SH-PD", Price: 600})
		inSouth := f.mustItem(t, redeem.NewItem{NodeCode: "SZ", Price: 400})
		ofGroup := f.mustItem(t, redeem.NewItem{NodeCode: "GROUP", Price: 200})

		_, err := f.apply(m, inEast.ID)
		if e := testfix.WantCode(t, err, apperr.InsufficientPoints); e.ZH == "" {
			t.Error("no message")
		}
		o := f.mustApply(t, m, inSouth.ID)
		if len(o.Holds) != 1 || o.Holds[0].Region != south {
			t.Errorf("southern item held %+v", o.Holds)
		}
		g := f.mustApply(t, m, ofGroup.ID) // the group's items spend the join region's points
		if len(g.Holds) != 1 || g.Holds[0].Region != east {
			t.Errorf("group item held %+v", g.Holds)
		}
		if got := fmt.Sprint(f.Balances(t, m, points.Reward)); got != fmt.Sprint(map[string]int64{east: 100, south: 100}) {
			t.Errorf("balances %s", got)
		}
		for _, id := range []int64{o.ID, g.ID} {
			if _, err := f.redeem.Cancel(as(specialist), id, ""); err != nil {
				t.Fatal(err)
			}
		}

		if err := f.Points.SetSpendAnywhere(as(supervisor), true); err != nil {
			t.Fatal(err)
		}
		all := f.mustApply(t, m, inEast.ID) // 300 from the east, then 300 from the south
		if got := fmt.Sprint(all.Holds); got != fmt.Sprint([]redeem.Hold{{Region: east, Points: 300, TransactionID: all.Holds[0].TransactionID},
			{Region: south, Points: 300, TransactionID: all.Holds[1].TransactionID}}) {
			t.Errorf("holds %s", got)
		}
		if got := fmt.Sprint(f.Balances(t, m, points.Reward)); got != fmt.Sprint(map[string]int64{east: 0, south: 200}) {
			t.Errorf("balances %s", got)
		}
		_, err = f.apply(m, inEast.ID) // 200 left in all
		testfix.WantCode(t, err, apperr.InsufficientPoints)
		back, err := f.redeem.Reject(as(supervisor), all.ID, "超出本月预算")
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range back.Holds {
			if h.ReleaseTransactionID == nil {
				t.Errorf("hold not released: %+v", h)
			}
		}
		if got := fmt.Sprint(f.Balances(t, m, points.Reward)); got != fmt.Sprint(map[string]int64{east: 300, south: 500}) {
			t.Errorf("balances after the rejection %s", got)
		}
		f.Verify(t)
	})
}

func TestCatalogue(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		for field, in := range map[string]redeem.NewItem{
			"node_code":    {NodeCode: "NOPE", Kind: redeem.KindGift, Name: "伞", Price: 10},
			"kind":         {NodeCode: "SH", Kind: "car", Name: "伞", Price: 10},
			"name":         {NodeCode: "SH", Kind: redeem.KindGift, Price: 10},
			"price":        {NodeCode: "SH", Kind: redeem.KindGift, Name: "伞"},
			"stock":        {NodeCode: "SH", Kind: redeem.KindGift, Name: "伞", Price: 10, Stock: ptr(int64(-2))},
			"member_limit": {NodeCode: "SH", Kind: redeem.KindGift, Name: "伞", Price: 10, MemberLimit: ptr(0)},
			"valid_to":     {NodeCode: "SH", Kind: redeem.KindGift, Name: "伞", Price: 10, ValidFrom: ptr(d.Clock()), ValidTo: ptr(d.Clock().Add(-day))},
		} {
			_, err := f.redeem.CreateItem(as(supervisor), in)
			if e := testfix.WantCode(t, err, apperr.Invalid); e.Field != field {
				t.Errorf("%s: error on %q: %v", field, e.Field, err)
			}
		}
		gift := f.mustItem(t, redeem.NewItem{NodeCode: "SH-PD", Name: "定制雨伞", Price: 80, Stock: ptr(int64(3)), Description: "业主专享"})
		voucher := f.mustItem(t, redeem.NewItem{NodeCode: "SZ", Kind: redeem.KindVoucher, Name: "洗车券", Price: 50})
		group := f.mustItem(t, redeem.NewItem{NodeCode: "GROUP", Kind: redeem.KindService, Name: "家政保洁", Price: 500})
		if gift.NodeCode != "SH-PD" || gift.NodeName != "浦东项目" || !gift.Active || *gift.Stock != 3 {
			t.Errorf("item %+v", gift)
		}

		up, err := f.redeem.UpdateItem(as(supervisor), gift.ID, redeem.ItemUpdate{Price: ptr(int64(90)), Stock: ptr(int64(-1)), MemberLimit: ptr(1)})
		if err != nil || up.Price != 90 || up.Stock != nil || up.MemberLimit == nil || *up.MemberLimit != 1 || up.Name != "定制雨伞" {
			t.Fatalf("update: %+v, %v", up, err)
		}
		_, err = f.redeem.UpdateItem(as(supervisor), gift.ID, redeem.ItemUpdate{Name: ptr(" ")})
		testfix.WantCode(t, err, apperr.Invalid)
		_, err = f.redeem.UpdateItem(as(supervisor), 99999, redeem.ItemUpdate{})
		testfix.WantCode(t, err, apperr.NotFound)

		names := func(fl redeem.ItemFilter) string {
			t.Helper()
			items, total, err := f.redeem.Items(context.Background(), fl)
			if err != nil {
				t.Fatal(err)
			}
			s := fmt.Sprint(total)
			for _, it := range items {
				s += " " + it.Name
			}
			return s
		}
		for _, c := range []struct {
			f    redeem.ItemFilter
			want string
		}{
			{redeem.ItemFilter{}, "3 家政保洁 定制雨伞 洗车券"},
			{redeem.ItemFilter{Within: []string{f.Nodes["EAST"].Path}}, "1 定制雨伞"},
			{redeem.ItemFilter{Region: f.Nodes["EAST"].Path}, "2 家政保洁 定制雨伞"},
			{redeem.ItemFilter{Kind: redeem.KindVoucher}, "1 洗车券"},
			{redeem.ItemFilter{Query: "保洁"}, "1 家政保洁"},
			{redeem.ItemFilter{Available: true}, "3 家政保洁 定制雨伞 洗车券"},
		} {
			if got := names(c.f); got != c.want {
				t.Errorf("items %+v: %s, want %s", c.f, got, c.want)
			}
		}
		if _, err := f.redeem.UpdateItem(as(supervisor), voucher.ID, redeem.ItemUpdate{Stock: ptr(int64(0))}); err != nil {
			t.Fatal(err)
		}
		if got := names(redeem.ItemFilter{Available: true}); got != "2 家政保洁 定制雨伞" {
			t.Errorf("available: %s", got)
		}

		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 1000, "")
		f.mustApply(t, m, group.ID)
		testfix.WantCode(t, f.redeem.DeleteItem(as(supervisor), group.ID), apperr.Conflict)
		if err := f.redeem.DeleteItem(as(supervisor), voucher.ID); err != nil {
			t.Fatal(err)
		}
		_, err = f.redeem.Item(context.Background(), voucher.ID)
		testfix.WantCode(t, err, apperr.NotFound)
		if n := f.Count(t, "SELECT count(*) FROM audit_log WHERE action LIKE 'redeem.item.%'"); n != 6 {
			t.Errorf("%d audit entries of the catalogue, want 6", n)
		}
	})
}
