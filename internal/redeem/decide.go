package redeem

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Approve approves an applied order (审批通过): the points stay held and the
// order awaits fulfilment. Staff only, and not the staff member who applied
// on the member's behalf.
func (s *Service) Approve(ctx context.Context, id int64, note string) (*Order, error) {
	return s.step(ctx, id, "approve", func(tx *db.Tx, o *Order) (string, error) {
		if err := staffOnly(tx); err != nil {
			return "", err
		}
		if o.Status != Applied {
			return "", wrongStatus(o, "批准", "approved")
		}
		if o.AppliedKind == "staff" && (tx.Actor.ID != 0 && o.appliedID == tx.Actor.ID || o.AppliedBy == tx.Actor.Login) {
			return "", &apperr.Error{Code: apperr.Forbidden, ZH: "申请人不能审批自己代为提交的兑换申请", EN: "you cannot approve an application you made"}
		}
		note = strings.TrimSpace(note)
		if utf8.RuneCountInString(note) > 500 {
			return "", apperr.Field("note", "审批意见最多 500 字", "note: at most 500 characters")
		}
		o.Status, o.ApprovedBy, o.ApprovedAt = Approved, tx.Actor.Login, &tx.Now
		_, err := tx.Exec(ctx, "UPDATE redeem_orders SET status = ?, approved_by = ?, approved_at = ?, updated_at = ? WHERE id = ?",
			o.Status, o.ApprovedBy, tx.Now, tx.Now, id)
		return "批准兑换申请 " + note, err
	})
}

// Reject turns down an applied order (驳回) with a reason: the points come
// back to the member and the stock to the item. Staff only.
func (s *Service) Reject(ctx context.Context, id int64, reason string) (*Order, error) {
	return s.step(ctx, id, "reject", func(tx *db.Tx, o *Order) (string, error) {
		if err := staffOnly(tx); err != nil {
			return "", err
		}
		if o.Status != Applied {
			return "", wrongStatus(o, "驳回", "rejected")
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return "", apperr.Field("reason", "请填写驳回原因", "a reason is required")
		}
		return "驳回兑换申请：" + reason, s.close(ctx, tx, o, Rejected, reason)
	})
}

// Cancel withdraws an order before fulfilment (取消): the points come back
// and the stock with them. The member may cancel their own order; staff
// any in their scope.
func (s *Service) Cancel(ctx context.Context, id int64, reason string) (*Order, error) {
	return s.step(ctx, id, "cancel", func(tx *db.Tx, o *Order) (string, error) {
		if tx.Actor.Kind == "member" && tx.Actor.ID != o.MemberID {
			return "", apperr.ForbiddenErr()
		}
		if o.Status != Applied && o.Status != Approved {
			return "", wrongStatus(o, "取消", "cancelled")
		}
		reason = strings.TrimSpace(reason)
		if reason == "" {
			reason = "会员取消"
			if tx.Actor.Kind == "staff" {
				reason = "工作人员取消"
			}
		}
		return "取消兑换申请：" + reason, s.close(ctx, tx, o, Cancelled, reason)
	})
}

// close returns an order's points by reversing each hold, gives its stock
// back and records why. The item's row is locked before the ledger's, the
// order Apply takes them in.
func (s *Service) close(ctx context.Context, tx *db.Tx, o *Order, to Status, reason string) error {
	if utf8.RuneCountInString(reason) > 200 {
		return apperr.Field("reason", "原因最多 200 字", "reason: at most 200 characters")
	}
	it, err := lockItem(ctx, tx, o.ItemID)
	if err != nil {
		return err
	}
	for i, h := range o.Holds {
		if h.ReleaseTransactionID != nil {
			continue
		}
		t, err := s.Points.ReverseTx(ctx, tx, h.TransactionID, fmt.Sprintf("兑换%s，退回积分：%s", to.Label("zh-CN"), reason),
			orderRef(o.ID)+":release:"+h.Region)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE redeem_holds SET release_transaction_id = ? WHERE order_id = ? AND region_path = ?",
			t.ID, o.ID, h.Region); err != nil {
			return err
		}
		o.Holds[i].ReleaseTransactionID = &t.ID
	}
	if it.Stock != nil {
		if _, err := tx.Exec(ctx, "UPDATE redeem_items SET stock = stock + ?, updated_at = ? WHERE id = ?", o.Quantity, tx.Now, it.ID); err != nil {
			return err
		}
	}
	o.Status, o.ClosedBy, o.ClosedAt, o.CloseReason = to, tx.Actor.Login, &tx.Now, reason
	_, err = tx.Exec(ctx, "UPDATE redeem_orders SET status = ?, closed_by = ?, closed_at = ?, close_reason = ?, updated_at = ? WHERE id = ?",
		to, o.ClosedBy, tx.Now, reason, tx.Now, o.ID)
	return err
}

// step runs one change of an order in a transaction, the order locked,
// and audits it as redeem.<action>.
func (s *Service) step(ctx context.Context, id int64, action string, fn func(tx *db.Tx, o *Order) (string, error)) (*Order, error) {
	var out *Order
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		o, err := lockOrder(ctx, tx, id)
		if err != nil {
			return err
		}
		before := *o
		before.Holds = slices.Clone(o.Holds)
		summary, err := fn(tx, o)
		if err != nil {
			return err
		}
		o.UpdatedAt = tx.Now
		out = o
		return audit.Record(ctx, tx, audit.Change{Action: "redeem." + action, ObjectType: "redeem_order", ObjectID: id,
			NodePath: o.NodePath, Summary: fmt.Sprintf("%s（%s ×%d，%d 积分）", summary, o.ItemName, o.Quantity, o.Points),
			Before: before, After: o})
	})
	if err != nil {
		return nil, fmt.Errorf("%s redemption: %w", action, err)
	}
	return out, nil
}

func staffOnly(tx *db.Tx) error {
	if tx.Actor.Kind != "staff" {
		return apperr.ForbiddenErr()
	}
	return nil
}

// wrongStatus refuses a step the order's status does not allow; en is the
// step's past participle.
func wrongStatus(o *Order, zh, en string) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "status",
		ZH: "兑换申请" + o.Status.Label("zh-CN") + "，不能" + zh, EN: "the order is " + string(o.Status) + ": it cannot be " + en}
}
