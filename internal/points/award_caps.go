package points

import (
	"context"
	"fmt"
	"time"

	"estateclub/internal/db"
)

// capWindow is the period [from, to) of the club's calendar that a cap of
// period p counts over for an event at t; both zero for a plan's life.
func capWindow(p CapPeriod, t time.Time) (from, to time.Time) {
	c := t.In(clubZone)
	switch p {
	case PerDay:
		from = time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, clubZone)
		to = from.AddDate(0, 0, 1)
	case PerMonth:
		from = time.Date(c.Year(), c.Month(), 1, 0, 0, 0, 0, clubZone)
		to = from.AddDate(0, 1, 0)
	case PerYear:
		from = time.Date(c.Year(), time.January, 1, 0, 0, 0, 0, clubZone)
		to = from.AddDate(1, 0, 0)
	default:
		return time.Time{}, time.Time{}
	}
	return from.UTC(), to.UTC()
}

// capKey names what one cap counts: a rule's awards to a member in one
// window.
type capKey struct {
	rule   int64
	from   time.Time
	member int64
}

// capUse is what a member has had from a rule in a window.
type capUse struct{ count, points int64 }

// applyCaps cuts the grants down to what their rules' caps leave, in
// order, counting the awards made before (their reversals aside) and the
// grants before it in the list. A grant a cap leaves nothing of is
// dropped and noted on its claim; one the points cap cuts is marked
// capped. The caller holds the members' rows, so no concurrent award of
// theirs can slip past a cap.
func applyCaps(ctx context.Context, tx *db.Tx, grants []*grant) ([]*grant, error) {
	type window struct {
		rule     *Rule
		from, to time.Time
	}
	use := map[capKey]*capUse{}
	members := map[window][]int64{}
	var windows []window
	for _, g := range grants {
		if g.rule.CapPeriod == NoCap {
			continue
		}
		from, to := capWindow(g.rule.CapPeriod, g.c.in.OccurredAt)
		k := capKey{g.rule.ID, from, g.c.in.MemberID}
		if _, ok := use[k]; ok {
			continue
		}
		use[k] = &capUse{}
		w := window{g.rule, from, to}
		if _, ok := members[w]; !ok {
			windows = append(windows, w)
		}
		members[w] = append(members[w], g.c.in.MemberID)
	}
	for _, w := range windows {
		err := chunks(members[w], 1, func(part []int64) error {
			q := `SELECT a.member_id, count(*), CAST(SUM(a.amount) AS BIGINT) FROM point_awards a WHERE a.rule_id = ?`
			args := []any{w.rule.ID}
			if !w.from.IsZero() {
				q, args = q+" AND a.occurred_at >= ? AND a.occurred_at < ?", append(args, w.from, w.to)
			}
			q += " AND a.member_id IN (" + marks(len(part)) + `)
				AND NOT EXISTS (SELECT 1 FROM point_transactions r WHERE r.reverses_id = a.transaction_id) GROUP BY a.member_id`
			rows, err := tx.Query(ctx, q, append(args, anys(part)...)...)
			if err != nil {
				return fmt.Errorf("count awards under caps: %w", err)
			}
			defer rows.Close()
			for rows.Next() {
				var m int64
				var u capUse
				if err := rows.Scan(&m, &u.count, &u.points); err != nil {
					return err
				}
				*use[capKey{w.rule.ID, w.from, m}] = u
			}
			return rows.Err()
		})
		if err != nil {
			return nil, err
		}
	}
	out := grants[:0]
	for _, g := range grants {
		if r := g.rule; r.CapPeriod != NoCap {
			from, _ := capWindow(r.CapPeriod, g.c.in.OccurredAt)
			u := use[capKey{r.ID, from, g.c.in.MemberID}]
			left := r.Amount
			if r.CapPoints > 0 {
				left = min(left, r.CapPoints-u.points)
			}
			if r.CapCount > 0 && u.count >= int64(r.CapCount) || left <= 0 {
				g.c.skipped = append(g.c.skipped, r.ID)
				continue
			}
			g.amount, g.capped = left, left < r.Amount
			u.count++
			u.points += left
		}
		g.c.grants = append(g.c.grants, g)
		out = append(out, g)
	}
	return out, nil
}
