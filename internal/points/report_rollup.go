package points

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"estateclub/internal/db"
)

// The report's rollup (point_report_days): member postings up to a
// high-water mark, summed per club day, member node, region, kind, origin,
// reversal, plan and rule. Posting never writes it; AdvanceReport folds
// newly committed postings in, and the report adds those after the mark
// live, so it is never stale.

// rollKey is one row of point_report_days.
type rollKey struct {
	day, node, region string
	kind              Kind
	origin            Source // the transaction's source, or the reversed one's
	reversal          bool
	plan, rule        int64 // 0: none
}

// rollSums is what a row sums; members is kept for awards under a plan
// (what Issuance.Members counts), nil otherwise.
type rollSums struct {
	postings, amount int64
	members          *roaring64.Bitmap
}

func isAward(s Source) bool { return s == FromRule || s == FromPlan || s == FromEvent }

// countsMembers reports whether the row's members are kept: awards (not
// their reversals) under a plan, the only ones the report counts members of.
func (k rollKey) countsMembers() bool { return !k.reversal && k.plan != 0 && isAward(k.origin) }

// rollZone names the zone the rollup's days are cut in.
func rollZone() string { return time.Now().In(chinaTime).Format("-07:00") }

// reportChunk is how many posting ids one advance transaction folds in.
const reportChunk = 500_000

// rollPostings adds the member postings with after < id ≤ upto (upto 0:
// no bound) to cells and returns how many it read.
func rollPostings(ctx context.Context, tx *db.Tx, after, upto int64, cells map[rollKey]*rollSums) (int, error) {
	q := `SELECT p.amount, p.created_at, a.member_id, a.region_path, a.kind, m.node_path, COALESCE(o.source, t.source),
			CASE WHEN t.reverses_id IS NULL THEN 0 ELSE 1 END, COALESCE(t.plan_id, 0), COALESCE(t.rule_id, 0)
		FROM point_postings p JOIN point_accounts a ON a.id = p.account_id JOIN members m ON m.id = a.member_id
		JOIN point_transactions t ON t.id = p.transaction_id LEFT JOIN point_transactions o ON o.id = t.reverses_id
		WHERE p.id > ?`
	args := []any{after}
	if upto > 0 {
		q, args = q+" AND p.id <= ?", append(args, upto)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var k rollKey
		var amount, member int64
		var at time.Time
		var rev int
		if err := rows.Scan(&amount, &at, &member, &k.region, &k.kind, &k.node, &k.origin, &rev, &k.plan, &k.rule); err != nil {
			return n, err
		}
		k.day, k.reversal = at.In(chinaTime).Format(time.DateOnly), rev == 1
		c := cells[k]
		if c == nil {
			c = &rollSums{}
			if k.countsMembers() {
				c.members = roaring64.New()
			}
			cells[k] = c
		}
		c.postings, c.amount = c.postings+1, c.amount+amount
		if c.members != nil {
			c.members.Add(uint64(member))
		}
		n++
	}
	return n, rows.Err()
}

// ReportRollup is what an advance of the report's rollup did.
type ReportRollup struct {
	Mark     int64 // the posting id the rollup now holds up to
	Postings int   // member postings folded in
	Rebuilt  bool  // the rollup was emptied first
}

// AdvanceReport folds the postings committed since the mark into the
// report's rollup, a chunk per transaction. Two servers may run it at
// once: the mark's row lock lets one fold a chunk at a time, and each
// starts from the mark the other left.
func (s *Service) AdvanceReport(ctx context.Context) (ReportRollup, error) {
	return s.advanceReport(ctx, false)
}

// RebuildReport empties the report's rollup and folds every posting in
// again (estateclub points report-rebuild).
func (s *Service) RebuildReport(ctx context.Context) (ReportRollup, error) {
	return s.advanceReport(ctx, true)
}

func (s *Service) advanceReport(ctx context.Context, rebuild bool) (ReportRollup, error) {
	var r ReportRollup
	safe, err := s.committedPostings(ctx)
	if err != nil {
		return r, fmt.Errorf("report rollup: %w", err)
	}
	for {
		done := false
		err := s.DB.Update(ctx, func(tx *db.Tx) error {
			var mark int64
			var zone string
			if err := tx.QueryRow(ctx, "SELECT posting_id, zone FROM point_report_mark WHERE id = 1"+tx.ForUpdate()).Scan(&mark, &zone); err != nil {
				return err
			}
			if rebuild || zone != rollZone() {
				if _, err := tx.Exec(ctx, "DELETE FROM point_report_days"); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, "UPDATE point_report_mark SET posting_id = 0, zone = ?, updated_at = ? WHERE id = 1", rollZone(), tx.Now); err != nil {
					return err
				}
				mark, rebuild, r.Rebuilt = 0, false, true
			}
			if tx.Dialect() == db.SQLite {
				// The writer's lock is held: every posting is committed.
				if err := tx.QueryRow(ctx, "SELECT COALESCE(max(id), 0) FROM point_postings").Scan(&safe); err != nil {
					return err
				}
			}
			upto := min(safe, mark+reportChunk)
			if upto <= mark {
				r.Mark, done = mark, true
				return nil
			}
			n, err := foldPostings(ctx, tx, mark, upto)
			if err != nil {
				return err
			}
			r.Mark, r.Postings = upto, r.Postings+n
			_, err = tx.Exec(ctx, "UPDATE point_report_mark SET posting_id = ?, zone = ?, updated_at = ? WHERE id = 1", upto, rollZone(), tx.Now)
			return err
		})
		if err != nil {
			return r, fmt.Errorf("report rollup: %w", err)
		}
		if done {
			return r, nil
		}
	}
}

// committedPostings is a posting id at or below which every posting is
// committed. On PostgreSQL ids are handed out before their transactions
// commit, in any order, so a mark taken from what one sees could pass a
// posting still in flight and lose it: a SHARE lock on point_postings
// waits for the transactions writing postings to end (and holds new ones
// back for a moment), after which every id up to the largest one is
// final. SQLite has a single writer and reads it under its lock.
func (s *Service) committedPostings(ctx context.Context) (int64, error) {
	if s.DB.Dialect() != db.Postgres {
		return 0, nil
	}
	var safe int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '5s'"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "LOCK TABLE point_postings IN SHARE MODE"); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT COALESCE(max(id), 0) FROM point_postings").Scan(&safe)
	})
	return safe, err
}

// foldPostings adds the postings after < id ≤ upto to the rollup's rows.
func foldPostings(ctx context.Context, tx *db.Tx, after, upto int64) (int, error) {
	cells := map[rollKey]*rollSums{}
	n, err := rollPostings(ctx, tx, after, upto, cells)
	if err != nil || len(cells) == 0 {
		return n, err
	}
	first, last := "9999-12-31", ""
	for k := range cells {
		first, last = min(first, k.day), max(last, k.day)
	}
	// The rows of those days already rolled up, to add to.
	rows, err := tx.Query(ctx, `SELECT day, node_path, region_path, kind, origin, reversal, plan_id, rule_id, postings, amount, members
		FROM point_report_days WHERE day BETWEEN ? AND ?`, first, last)
	if err != nil {
		return n, err
	}
	for rows.Next() {
		k, c, err := scanRollRow(rows)
		if err != nil {
			rows.Close()
			return n, err
		}
		if add := cells[k]; add != nil {
			add.postings, add.amount = add.postings+c.postings, add.amount+c.amount
			if add.members != nil && c.members != nil {
				add.members.Or(c.members)
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return n, err
	}
	out := make([][]any, 0, len(cells))
	for k, c := range cells {
		var members any // NULL, not an empty blob, where none are kept
		if c.members != nil {
			c.members.RunOptimize()
			if members, err = c.members.MarshalBinary(); err != nil {
				return n, err
			}
		}
		out = append(out, []any{k.day, k.node, k.region, k.kind, k.origin, boolInt(k.reversal), k.plan, k.rule, c.postings, c.amount, members})
	}
	err = tx.InsertMany(ctx, "point_report_days", []string{"day", "node_path", "region_path", "kind", "origin", "reversal", "plan_id", "rule_id",
		"postings", "amount", "members"}, out, `ON CONFLICT (day, node_path, region_path, kind, origin, reversal, plan_id, rule_id)
		DO UPDATE SET postings = excluded.postings, amount = excluded.amount, members = excluded.members`, nil)
	return n, err
}

type scanner interface{ Scan(...any) error }

func scanRollRow(r scanner) (rollKey, rollSums, error) {
	var k rollKey
	var c rollSums
	var rev int
	var members []byte
	if err := r.Scan(&k.day, &k.node, &k.region, &k.kind, &k.origin, &rev, &k.plan, &k.rule, &c.postings, &c.amount, &members); err != nil {
		return k, c, err
	}
	k.reversal = rev == 1
	if members != nil {
		c.members = roaring64.New()
		if err := c.members.UnmarshalBinary(members); err != nil {
			return k, c, errors.Join(errors.New("members of a report day"), err)
		}
	}
	return k, c, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
