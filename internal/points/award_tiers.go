package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"estateclub/internal/db"
	"estateclub/internal/member"
)

// evaluateMany has the tier of every member whose upgrade points moved
// evaluated, as the ledger does after each posting: the sums over the
// evaluation period are read at once, and the member service is called
// for those whose sum reaches a tier they do not hold.
func (s *Service) evaluateMany(ctx context.Context, tx *db.Tx, grants []*grant, months int) error {
	current := map[int64]string{}
	var ids []int64
	for _, g := range grants {
		if _, ok := current[g.c.member.id]; !ok && g.rule.Kind == Upgrade {
			current[g.c.member.id] = g.c.member.tier
			ids = append(ids, g.c.member.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	if s.Members == nil {
		return errors.New("points: upgrade points need the member service to evaluate tiers")
	}
	tiers, err := tierTable(ctx, tx)
	if err != nil {
		return err
	}
	slices.Sort(ids)
	return chunks(ids, 1, func(part []int64) error {
		sums := map[int64]int64{}
		rows, err := tx.Query(ctx, `SELECT a.member_id, CAST(SUM(p.amount) AS BIGINT) FROM point_postings p
			JOIN point_accounts a ON a.id = p.account_id
			WHERE a.member_id IN (`+marks(len(part))+`) AND a.kind = 'upgrade' AND p.created_at >= ? GROUP BY a.member_id`,
			append(anys(part), tx.Now.AddDate(0, -months, 0))...)
		if err != nil {
			return fmt.Errorf("sum upgrade points: %w", err)
		}
		err = scanSums(rows, sums)
		if err != nil {
			return err
		}
		for _, id := range part {
			sum := max(sums[id], 0)
			if auto, review := member.Evaluate(tiers, current[id], sum); auto == "" && review == "" {
				continue
			}
			if _, err := s.Members.EvaluateTier(ctx, tx, id, sum); err != nil {
				return fmt.Errorf("evaluate tier: %w", err)
			}
		}
		return nil
	})
}

// tierTable reads the tiers by rank, as member.Evaluate takes them.
func tierTable(ctx context.Context, tx *db.Tx) ([]member.Tier, error) {
	rows, err := tx.Query(ctx, "SELECT code, rank, threshold, requires_approval FROM tiers ORDER BY rank")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []member.Tier
	for rows.Next() {
		var t member.Tier
		if err := rows.Scan(&t.Code, &t.Rank, &t.Threshold, &t.RequiresApproval); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func scanSums(rows *sql.Rows, into map[int64]int64) error {
	defer rows.Close()
	for rows.Next() {
		var id, sum int64
		if err := rows.Scan(&id, &sum); err != nil {
			return err
		}
		into[id] = sum
	}
	return rows.Err()
}
