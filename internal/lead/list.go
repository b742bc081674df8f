package lead

import (
	"context"
	"fmt"
	"strings"

	"estateclub/internal/db"
)

// Due selects leads by their next action's day.
type Due string

// The due filters.
const (
	DueToday   Due = "today"   // 今日待跟进
	DueOverdue Due = "overdue" // 逾期未跟进
)

// Filter selects leads.
type Filter struct {
	// Within limits the list to these org subtrees; nil means no limit,
	// an empty non-nil slice means nothing.
	Within      []string
	ProjectCode string
	OwnerID     *int64
	Status      Status
	InPool      bool // only the pool
	Unassigned  bool // only new leads awaiting the sales manager
	Due         Due
	Query       string // part of the surname or name
	Offset      int
	Limit       int // 0: 100
}

func (f Filter) where(tx *db.Tx) (string, []any) {
	conds, args := []string{"1 = 1"}, []any{}
	if f.Within != nil {
		c, a := db.PathsWhere("l.node_path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.ProjectCode != "" {
		conds, args = append(conds, "n.code = ?"), append(args, strings.ToUpper(strings.TrimSpace(f.ProjectCode)))
	}
	if f.OwnerID != nil {
		conds, args = append(conds, "l.owner_id = ?"), append(args, *f.OwnerID)
	}
	if f.Status != "" {
		conds, args = append(conds, "l.status = ?"), append(args, f.Status)
	}
	if f.InPool {
		conds = append(conds, "l.in_pool")
	}
	if f.Unassigned {
		conds = append(conds, "l.owner_id IS NULL AND NOT l.in_pool")
	}
	today := dayOf(tx.Now)
	switch f.Due {
	case DueToday:
		conds, args = append(conds, "l.next_due = ?"), append(args, today)
	case DueOverdue:
		conds, args = append(conds, "l.next_due < ? AND l.status NOT IN ('deal', 'none')"), append(args, today)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds = append(conds, `(l.surname LIKE ? ESCAPE '\' OR l.name LIKE ? ESCAPE '\')`)
		args = append(args, "%"+db.Like(q)+"%", "%"+db.Like(q)+"%")
	}
	return strings.Join(conds, " AND "), args
}

// List returns the matching leads, newest first, and how many match.
func (s *Service) List(ctx context.Context, f Filter) ([]Lead, int, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	out := []Lead{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		where, args := f.where(tx)
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*)"+leadFrom+" WHERE "+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+leadColumns+leadFrom+" WHERE "+where+fmt.Sprintf(" ORDER BY l.id DESC LIMIT %d OFFSET %d", limit, max(f.Offset, 0)), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanLead(rows)
			if err != nil {
				return err
			}
			if err := s.mask(r); err != nil {
				return err
			}
			out = append(out, r.Lead)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list leads: %w", err)
	}
	return out, total, nil
}
