package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/db"
)

// PlanFilter selects plans.
type PlanFilter struct {
	Within []string // org paths the caller may see; nil: everywhere
	// Reach keeps the plans that reach these org paths or lie below them:
	// plans at or above a path award its members, plans below it are
	// its business. nil: no such limit.
	Reach  []string
	Status PlanStatus // "": any
	Kind   PlanKind   // "": any
	Year   int        // plans valid on some day of the year; 0: any
	Offset int
	Limit  int // default 50, at most 500
}

const planColumns = `p.id, p.node_id, n.code, n.name, p.node_path, p.kind, p.name, p.year, p.valid_from, p.valid_to,
	p.budget_upgrade, p.budget_reward, p.status, p.note, p.created_by, p.changed_by, p.submitted_by, p.submitted_at,
	p.approved_by, p.approved_at, p.return_note, p.cancelled_by, p.cancelled_at, p.cancel_reason, p.created_at, p.updated_at`

const planFrom = ` FROM point_plans p JOIN org_nodes n ON n.id = p.node_id`

func scanPlan(sc interface{ Scan(...any) error }) (*Plan, error) {
	var p Plan
	var year *int
	var submittedBy, approvedBy, cancelledBy *string
	err := sc.Scan(&p.ID, &p.NodeID, &p.NodeCode, &p.NodeName, &p.NodePath, &p.Kind, &p.Name, &year, &p.ValidFrom, &p.ValidTo,
		&p.Budget.Upgrade, &p.Budget.Reward, &p.Status, &p.Note, &p.CreatedBy, &p.ChangedBy, &submittedBy, &p.SubmittedAt,
		&approvedBy, &p.ApprovedAt, &p.ReturnNote, &cancelledBy, &p.CancelledAt, &p.CancelReason, &p.CreatedAt, &p.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if year != nil {
		p.Year = *year
	}
	p.SubmittedBy, p.ApprovedBy, p.CancelledBy = deref(submittedBy), deref(approvedBy), deref(cancelledBy)
	return &p, nil
}

// lockPlan reads a plan and locks its row for the rest of the transaction.
func lockPlan(ctx context.Context, tx *db.Tx, id int64) (*Plan, error) {
	p, err := scanPlan(tx.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE p.id = ?"+tx.ForUpdateOf("p"), id))
	if err != nil {
		return nil, notFound(err, "积分计划", "point plan")
	}
	return p, nil
}

// loadPlan reads a plan with what it issued, its pending change and, if
// asked, its rules.
func loadPlan(ctx context.Context, tx *db.Tx, id int64, withRules bool) (*Plan, error) {
	p, err := scanPlan(tx.QueryRow(ctx, "SELECT "+planColumns+planFrom+" WHERE p.id = ?", id))
	if err != nil {
		return nil, notFound(err, "积分计划", "point plan")
	}
	issued, err := issuedOf(ctx, tx, []int64{id})
	if err != nil {
		return nil, err
	}
	p.Issued = issued[id]
	var change int64
	switch err := tx.QueryRow(ctx, "SELECT id FROM point_plan_changes WHERE plan_id = ? AND status = 'pending'", id).Scan(&change); {
	case err == nil:
		p.PendingChange = &change
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	if withRules {
		if p.Rules, err = rulesOf(ctx, tx, id); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Plan returns a plan with its rules and what it issued so far.
func (s *Service) Plan(ctx context.Context, id int64) (*Plan, error) {
	var out *Plan
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		out, err = loadPlan(ctx, tx, id, true)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("point plan: %w", err)
	}
	return out, nil
}

// Plans lists plans (积分计划列表), newest first, with what each issued,
// and how many match f.
func (s *Service) Plans(ctx context.Context, f PlanFilter) ([]Plan, int, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("p.node_path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.Reach != nil {
		c, a := db.PathsWhere("p.node_path", f.Reach)
		for _, path := range f.Reach {
			c += " OR ? LIKE (p.node_path || '%')"
			a = append(a, path)
		}
		conds, args = append(conds, "("+c+")"), append(args, a...)
	}
	if f.Status != "" {
		conds, args = append(conds, "p.status = ?"), append(args, f.Status)
	}
	if f.Kind != "" {
		conds, args = append(conds, "p.kind = ?"), append(args, f.Kind)
	}
	if f.Year != 0 {
		conds = append(conds, "p.valid_from <= ? AND p.valid_to >= ?")
		args = append(args, db.DateOf(f.Year, time.December, 31), db.DateOf(f.Year, time.January, 1))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []Plan{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM point_plans p"+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+planColumns+planFrom+where+" ORDER BY p.id DESC LIMIT ? OFFSET ?", append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var ids []int64
		for rows.Next() {
			p, err := scanPlan(rows)
			if err != nil {
				return err
			}
			out, ids = append(out, *p), append(ids, p.ID)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		issued, err := issuedOf(ctx, tx, ids)
		for i := range out {
			out[i].Issued = issued[out[i].ID]
		}
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("point plans: %w", err)
	}
	return out, total, nil
}

// issuedOf sums what plans issued, net of reversals: the negated balances
// of their club accounts (issued:plan:<id>) over every region and shard.
func issuedOf(ctx context.Context, tx *db.Tx, ids []int64) (map[int64]Amounts, error) {
	out := map[int64]Amounts{}
	if len(ids) == 0 {
		return out, nil
	}
	addrs := make([]any, len(ids))
	byAddr := map[string]int64{}
	for i, id := range ids {
		a := planAddress(id)
		addrs[i], byAddr[a] = a, id
	}
	rows, err := tx.Query(ctx, `SELECT address, kind, CAST(-SUM(balance) AS BIGINT) FROM point_accounts
		WHERE address IN (?`+strings.Repeat(", ?", len(ids)-1)+`) GROUP BY address, kind`, addrs...)
	if err != nil {
		return nil, fmt.Errorf("sum issued points: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var addr string
		var k Kind
		var n int64
		if err := rows.Scan(&addr, &k, &n); err != nil {
			return nil, err
		}
		a := out[byAddr[addr]]
		a.add(k, n)
		out[byAddr[addr]] = a
	}
	return out, rows.Err()
}

// planAddress is the club account a plan's awards are posted against.
func planAddress(id int64) string { return "issued:plan:" + itoa(id) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
