package member

import (
	"context"
	"database/sql"
	"fmt"

	"estateclub/internal/db"
)

// Count returns exactly how many members match f (List stops counting at
// CountCap) and the largest matching id: a batch that acts on every
// match shows the count for confirmation and bounds itself by the id, so
// rows that arrive after the confirmation are not swept in.
func (s *Service) Count(ctx context.Context, f Filter) (n int, maxID int64, err error) {
	q, err := s.where(f)
	if err != nil {
		return 0, 0, err
	}
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		var top sql.NullInt64
		err := tx.QueryRow(ctx, "SELECT count(*), max(m.id) FROM members m"+q.join+q.where, q.args...).Scan(&n, &top)
		maxID = top.Int64
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("count members: %w", err)
	}
	return n, maxID, nil
}

// MatchingIDs returns, in id order, up to limit ids of members matching f
// whose id is above after: a batch walks every match in bounded chunks,
// each evaluated again when it is taken.
func (s *Service) MatchingIDs(ctx context.Context, f Filter, after int64, limit int) ([]int64, error) {
	q, err := s.where(f)
	if err != nil {
		return nil, err
	}
	where := q.where
	if where == "" {
		where = " WHERE m.id > ?"
	} else {
		where += " AND m.id > ?"
	}
	var ids []int64
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT m.id FROM members m"+q.join+where+" ORDER BY m.id LIMIT ?", append(q.args, after, limit)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("matching members: %w", err)
	}
	return ids, nil
}
