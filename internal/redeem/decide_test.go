package redeem_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/testfix"
)

// TestRejectAndCancelReturnPoints walks orders through every way out.
func TestRejectAndCancelReturnPoints(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 1000, "")
		it := f.mustItem(t, redeem.NewItem{NodeCode: "SH-PD", Price: 200, Stock: ptr(int64(5))})

		rejected := f.mustApply(t, m, it.ID)
		if rejected.Status != redeem.Applied || len(rejected.Holds) != 1 || rejected.Holds[0].Points != 200 {
			t.Fatalf("order %+v", rejected)
		}
		if b, s := f.Balance(t, m, points.Reward), f.stock(t, it.ID); b != 800 || s != 4 {
			t.Fatalf("after applying: balance %d, stock %d", b, s)
		}
		_, err := f.redeem.Approve(as(specialist), rejected.ID, "")
		testfix.WantCode(t, err, apperr.Forbidden) // the applicant cannot approve
		_, err = f.redeem.Approve(asMember(m), rejected.ID, "")
		testfix.WantCode(t, err, apperr.Forbidden)
		_, err = f.redeem.Reject(as(supervisor), rejected.ID, " ")
		testfix.WantCode(t, err, apperr.Invalid)
		o, err := f.redeem.Reject(as(supervisor), rejected.ID, "库存需留作活动礼品")
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != redeem.Rejected || o.ClosedBy != supervisor.Login || o.Holds[0].ReleaseTransactionID == nil {
			t.Errorf("rejected order %+v", o)
		}
		if b, s := f.Balance(t, m, points.Reward), f.stock(t, it.ID); b != 1000 || s != 5 {
			t.Errorf("after rejecting: balance %d, stock %d; want 1000 and 5", b, s)
		}
		_, err = f.redeem.Reject(as(supervisor), rejected.ID, "again")
		testfix.WantCode(t, err, apperr.Conflict)

		approved := f.mustApply(t, m, it.ID)
		if o, err = f.redeem.Approve(as(supervisor), approved.ID, "同意"); err != nil || o.Status != redeem.Approved || o.ApprovedBy != supervisor.Login {
			t.Fatalf("approve: %+v, %v", o, err)
		}
		if o, err = f.redeem.Cancel(as(specialist), approved.ID, "会员改选其他礼品"); err != nil || o.Status != redeem.Cancelled {
			t.Fatalf("cancel: %+v, %v", o, err)
		}
		own := f.mustApply(t, m, it.ID)
		other := f.Member(t, "SH-PD")
		_, err = f.redeem.Cancel(asMember(other), own.ID, "")
		testfix.WantCode(t, err, apperr.Forbidden)
		if o, err = f.redeem.Cancel(asMember(m), own.ID, ""); err != nil || o.CloseReason != "会员取消" {
			t.Fatalf("member cancels: %+v, %v", o, err)
		}
		if b, s := f.Balance(t, m, points.Reward), f.stock(t, it.ID); b != 1000 || s != 5 {
			t.Errorf("after cancelling: balance %d, stock %d; want 1000 and 5", b, s)
		}

		done := f.mustApply(t, m, it.ID)
		if _, err := f.redeem.Approve(as(supervisor), done.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.redeem.Fulfil(as(specialist), done.ID, redeem.Fulfilment{Method: redeem.PickedUp}); err != nil {
			t.Fatal(err)
		}
		_, err = f.redeem.Cancel(asMember(m), done.ID, "")
		testfix.WantCode(t, err, apperr.Conflict) // fulfilled: the points are spent
		if b := f.Balance(t, m, points.Reward); b != 800 {
			t.Errorf("after fulfilment: balance %d, want 800", b)
		}
		stored, err := f.redeem.Order(context.Background(), rejected.ID)
		if err != nil || stored.Status != redeem.Rejected || stored.Holds[0].ReleaseTransactionID == nil || stored.ItemName != it.Name {
			t.Errorf("stored order %+v, %v", stored, err)
		}
		for action, want := range map[string]int{"redeem.apply": 4, "redeem.reject": 1, "redeem.approve": 2, "redeem.cancel": 2, "redeem.fulfil": 1} {
			entries, _, err := audit.List(context.Background(), d, audit.Filter{Action: action, Unscoped: true})
			if err != nil || len(entries) != want {
				t.Errorf("audit %s: %d entries, want %d (%v)", action, len(entries), want, err)
			}
		}
		list, total, err := f.redeem.Orders(context.Background(), redeem.OrderFilter{MemberID: m, Status: redeem.Cancelled})
		if err != nil || total != 2 || len(list) != 2 || list[0].ID != own.ID {
			t.Errorf("cancelled orders %+v (%d), %v", list, total, err)
		}
		mine, _, err := f.redeem.Orders(context.Background(), redeem.OrderFilter{Within: []string{f.Nodes["SOUTH"].Path}})
		if err != nil || len(mine) != 0 {
			t.Errorf("orders out of scope: %+v, %v", mine, err)
		}
		f.Verify(t)
	})
}

func TestAutoApproval(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 5000, "")
		cheap := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 300})
		dear := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 500})
		if o := f.mustApply(t, m, cheap.ID); o.Status != redeem.Applied || o.AutoApproved {
			t.Errorf("without a threshold: %+v", o)
		}
		testfix.WantCode(t, f.redeem.SetAutoApproveBelow(as(supervisor), -1), apperr.Invalid)
		if err := f.redeem.SetAutoApproveBelow(as(supervisor), 500); err != nil {
			t.Fatal(err)
		}
		if n, err := f.redeem.AutoApproveBelow(context.Background()); err != nil || n != 500 {
			t.Fatalf("threshold %d, %v", n, err)
		}
		if o := f.mustApply(t, m, cheap.ID); o.Status != redeem.Approved || !o.AutoApproved || o.ApprovedBy != "system" || o.ApprovedAt == nil {
			t.Errorf("under the threshold: %+v", o)
		}
		if o := f.mustApply(t, m, dear.ID); o.Status != redeem.Applied || o.AutoApproved {
			t.Errorf("at the threshold: %+v", o)
		}
		entries, _, err := audit.List(context.Background(), d, audit.Filter{Action: "redeem.auto_approve", Unscoped: true})
		if err != nil || len(entries) != 1 || entries[0].ActorLogin != supervisor.Login {
			t.Errorf("audit %+v, %v", entries, err)
		}
		f.Verify(t)
	})
}

var voucherFormat = regexp.MustCompile(`^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$`)

func TestFulfilment(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		if err := f.redeem.SetAutoApproveBelow(as(supervisor), 1000); err != nil {
			t.Fatal(err)
		}
		m := f.Member(t, "SH-PD")
		f.Earn(t, m, 100000, "")
		voucher := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Kind: redeem.KindVoucher, Name: "咖啡馆 50 元代金券", Price: 100})
		gift := f.mustItem(t, redeem.NewItem{NodeCode: "SH", Price: 100})

		codes := map[string]bool{}
		for range 40 {
			o := f.mustApply(t, m, voucher.ID)
			done, err := f.redeem.Fulfil(as(specialist), o.ID, redeem.Fulfilment{Method: redeem.VoucherCode})
			if err != nil {
				t.Fatal(err)
			}
			if !voucherFormat.MatchString(done.VoucherCode) || codes[done.VoucherCode] || done.Status != redeem.Fulfilled {
				t.Fatalf("voucher %q (%+v)", done.VoucherCode, done)
			}
			codes[done.VoucherCode] = true
		}
		// The database refuses a code issued twice: the last order takes
		// the smallest code of the others (its own, 1 time in 40, would
		// change nothing).
		err := d.Update(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), `UPDATE redeem_orders SET voucher_code =
				(SELECT MIN(voucher_code) FROM redeem_orders WHERE id <> (SELECT MAX(id) FROM redeem_orders))
				WHERE id = (SELECT MAX(id) FROM redeem_orders)`)
			return err
		})
		if !db.IsUniqueViolation(err) {
			t.Errorf("a duplicate voucher code: %v", err)
		}

		o := f.mustApply(t, m, gift.ID)
		for _, bad := range []redeem.Fulfilment{{Method: redeem.VoucherCode}, {Method: redeem.Posted}, {Method: "drone"}} {
			_, err := f.redeem.Fulfil(as(specialist), o.ID, bad)
			testfix.WantCode(t, err, apperr.Invalid)
		}
		_, err = f.redeem.Fulfil(asMember(m), o.ID, redeem.Fulfilment{Method: redeem.PickedUp})
		testfix.WantCode(t, err, apperr.Forbidden)
		posted, err := f.redeem.Fulfil(as(specialist), o.ID, redeem.Fulfilment{Method: redeem.Posted, TrackingNo: " SF1234567890 "})
		if err != nil || posted.TrackingNo != "SF1234567890" || posted.Fulfilment != redeem.Posted || posted.FulfilledBy != specialist.Login {
			t.Fatalf("posted: %+v, %v", posted, err)
		}
		_, err = f.redeem.Fulfil(as(specialist), o.ID, redeem.Fulfilment{Method: redeem.PickedUp})
		testfix.WantCode(t, err, apperr.Conflict)
		if e := testfix.WantCode(t, err, apperr.Conflict); !strings.Contains(e.EN, "fulfilled") {
			t.Errorf("message %q", e.EN)
		}
		f.Verify(t)
	})
}
