package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// Transaction returns one transaction with its legs.
func (s *Service) Transaction(ctx context.Context, id int64) (*Transaction, error) {
	var out *Transaction
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		out, err = loadTransaction(ctx, tx, id)
		return err
	})
	return out, err
}

func loadTransaction(ctx context.Context, tx *db.Tx, id int64) (*Transaction, error) {
	t := &Transaction{ID: id}
	err := tx.QueryRow(ctx, `SELECT t.source, t.reason, t.plan_id, t.rule_id, t.ref, t.reverses_id, t.actor_kind, t.actor_login, t.created_at, i.key
		FROM point_transactions t JOIN point_idempotency i ON i.transaction_id = t.id WHERE t.id = ?`, id).
		Scan(&t.Source, &t.Reason, &t.PlanID, &t.RuleID, &t.Ref, &t.ReversesID, &t.ActorKind, &t.ActorLogin, &t.CreatedAt, &t.IdempotencyKey)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("积分记账", "points transaction")
	}
	if err != nil {
		return nil, fmt.Errorf("load transaction %d: %w", id, err)
	}
	rows, err := tx.Query(ctx, `SELECT p.id, a.address, a.member_id, a.kind, a.region_path, a.shard, p.amount, p.balance_after
		FROM point_postings p JOIN point_accounts a ON a.id = p.account_id WHERE p.transaction_id = ? ORDER BY p.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p Posting
		if err := rows.Scan(&p.ID, &p.Account, &p.MemberID, &p.Kind, &p.Region, &p.Shard, &p.Amount, &p.BalanceAfter); err != nil {
			return nil, err
		}
		t.Postings = append(t.Postings, p)
	}
	t.fillMember()
	return t, rows.Err()
}

// Balances lists a member's balances (积分余额) by kind and region.
func (s *Service) Balances(ctx context.Context, memberID int64) ([]Balance, error) {
	out := []Balance{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if err := memberExists(ctx, tx, memberID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT a.kind, a.region_path, COALESCE(n.name, ''), a.balance
			FROM point_accounts a LEFT JOIN org_nodes n ON n.path = a.region_path
			WHERE a.member_id = ? ORDER BY a.region_path, a.kind`, memberID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b Balance
			if err := rows.Scan(&b.Kind, &b.Region, &b.RegionName, &b.Balance); err != nil {
				return err
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("point balances: %w", err)
	}
	return out, nil
}

// Statement lists a member's postings (积分明细), newest first, with the
// balance after each, and the number of lines the filter matches.
func (s *Service) Statement(ctx context.Context, memberID int64, f Filter) ([]Line, int, error) {
	where, args := " WHERE a.member_id = ?", []any{memberID}
	if f.Kind != "" {
		if !f.Kind.valid() {
			return nil, 0, apperr.Field("kind", "积分类型须为升级积分或奖励积分", "kind must be upgrade or reward")
		}
		where, args = where+" AND a.kind = ?", append(args, f.Kind)
	}
	if !f.From.IsZero() {
		where, args = where+" AND p.created_at >= ?", append(args, f.From)
	}
	if !f.To.IsZero() {
		where, args = where+" AND p.created_at < ?", append(args, f.To)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	const from = ` FROM point_postings p JOIN point_accounts a ON a.id = p.account_id`
	out := []Line{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if err := memberExists(ctx, tx, memberID); err != nil {
			return err
		}
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*)"+from+where, args...); err != nil {
			return err
		}
		// The page is picked from the postings alone (the account index
		// covers it), then only its lines read their transactions: a member
		// with thousands of lines would otherwise read thousands.
		rows, err := tx.Query(ctx, `SELECT t.id, p.created_at, a.kind, a.region_path, p.amount, p.balance_after,
			t.source, t.reason, t.plan_id, t.rule_id, t.ref, t.reverses_id, t.actor_login
			FROM (SELECT p.id`+from+where+` ORDER BY p.created_at DESC, p.id DESC LIMIT ? OFFSET ?) page
			JOIN point_postings p ON p.id = page.id JOIN point_accounts a ON a.id = p.account_id
			JOIN point_transactions t ON t.id = p.transaction_id
			ORDER BY p.created_at DESC, p.id DESC`, append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l Line
			if err := rows.Scan(&l.TransactionID, &l.At, &l.Kind, &l.Region, &l.Amount, &l.Balance,
				&l.Source, &l.Reason, &l.PlanID, &l.RuleID, &l.Ref, &l.ReversesID, &l.ActorLogin); err != nil {
				return err
			}
			out = append(out, l)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("point statement: %w", err)
	}
	return out, total, nil
}

func memberExists(ctx context.Context, tx *db.Tx, memberID int64) error {
	n, err := tx.Count(ctx, "SELECT count(*) FROM members WHERE id = ?", memberID)
	if err == nil && n == 0 {
		err = apperr.NotFoundf("会员", "member")
	}
	return err
}
