package redeem

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// OrderFilter selects orders.
type OrderFilter struct {
	// Within is the staff member's scope: an order belongs to its item's
	// node and to its member's node, and is selected only when both are
	// within these paths (Order.InScope). nil: everywhere.
	Within   []string
	MemberID int64
	ItemID   int64
	Status   Status
	From, To time.Time // applied at or after From, before To; zero: open
	Offset   int
	Limit    int // default 50, at most 500
}

// Orders lists orders, newest first, and how many match.
func (s *Service) Orders(ctx context.Context, f OrderFilter) ([]Order, int, error) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	if f.Within != nil {
		c, a := db.PathsWhere("o.node_path", f.Within)
		add(c, a...)
		c, a = db.PathsWhere("m.node_path", f.Within)
		add(c, a...)
	}
	if f.MemberID != 0 {
		add("o.member_id = ?", f.MemberID)
	}
	if f.ItemID != 0 {
		add("o.item_id = ?", f.ItemID)
	}
	if f.Status != "" {
		if statusLabels[f.Status][0] == "" {
			return nil, 0, apperr.Field("status", "状态不正确", "unknown status")
		}
		add("o.status = ?", f.Status)
	}
	if !f.From.IsZero() {
		add("o.created_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("o.created_at < ?", f.To)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []Order{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM redeem_orders o JOIN members m ON m.id = o.member_id"+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+orderColumns+orderFrom+where+" ORDER BY o.id DESC LIMIT ? OFFSET ?", append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrder(rows)
			if err != nil {
				return err
			}
			out = append(out, *o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list redemptions: %w", err)
	}
	return out, total, nil
}

// Order reads one order with its holds.
func (s *Service) Order(ctx context.Context, id int64) (*Order, error) {
	var o *Order
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		o, err = loadOrder(ctx, tx, id)
		return err
	})
	return o, err
}

const (
	orderColumns = `o.id, o.item_id, i.name, i.kind, o.member_id, m.name, o.node_path, m.node_path, o.quantity, o.points, o.status, o.note,
		o.applied_kind, o.applied_id, o.applied_by, o.auto_approved, o.approved_by, o.approved_at, COALESCE(o.fulfilment, ''), o.tracking_no,
		COALESCE(o.voucher_code, ''), o.fulfilled_by, o.fulfilled_at, o.closed_by, o.closed_at, o.close_reason, o.created_at, o.updated_at`
	orderFrom = " FROM redeem_orders o JOIN redeem_items i ON i.id = o.item_id JOIN members m ON m.id = o.member_id"
)

func scanOrder(sc interface{ Scan(...any) error }) (*Order, error) {
	var o Order
	var appliedID *int64
	err := sc.Scan(&o.ID, &o.ItemID, &o.ItemName, &o.ItemKind, &o.MemberID, &o.MemberName, &o.NodePath, &o.MemberPath, &o.Quantity, &o.Points, &o.Status, &o.Note,
		&o.AppliedKind, &appliedID, &o.AppliedBy, &o.AutoApproved, &o.ApprovedBy, &o.ApprovedAt, &o.Fulfilment, &o.TrackingNo,
		&o.VoucherCode, &o.FulfilledBy, &o.FulfilledAt, &o.ClosedBy, &o.ClosedAt, &o.CloseReason, &o.CreatedAt, &o.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("兑换申请", "redemption order")
	}
	if appliedID != nil {
		o.appliedID = *appliedID
	}
	return &o, err
}

func loadOrder(ctx context.Context, tx *db.Tx, id int64) (*Order, error) {
	o, err := scanOrder(tx.QueryRow(ctx, "SELECT "+orderColumns+orderFrom+" WHERE o.id = ?", id))
	if err != nil {
		return nil, err
	}
	return o, loadHolds(ctx, tx, o)
}

// lockOrder reads an order and locks its row for the rest of tx.
func lockOrder(ctx context.Context, tx *db.Tx, id int64) (*Order, error) {
	o, err := scanOrder(tx.QueryRow(ctx, "SELECT "+orderColumns+orderFrom+" WHERE o.id = ?"+tx.ForUpdateOf("o"), id))
	if err != nil {
		return nil, err
	}
	return o, loadHolds(ctx, tx, o)
}

func loadHolds(ctx context.Context, tx *db.Tx, o *Order) error {
	rows, err := tx.Query(ctx, "SELECT region_path, points, transaction_id, release_transaction_id FROM redeem_holds WHERE order_id = ? ORDER BY transaction_id", o.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var h Hold
		if err := rows.Scan(&h.Region, &h.Points, &h.TransactionID, &h.ReleaseTransactionID); err != nil {
			return err
		}
		o.Holds = append(o.Holds, h)
	}
	return rows.Err()
}
