package member

import (
	"context"
	"fmt"
	"slices"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// RowResult is what happened to one application of a batch.
type RowResult struct {
	MemberID int64
	Outcome  Outcome
	Err      *apperr.Error // the row's error; the row changed nothing
	Conflict []Diff        // when Outcome is Conflicted: how the row disagrees with the member, who is unchanged
}

// BatchOptions describes a batch.
type BatchOptions struct {
	Application bool   // applications, or default members only
	Source      string // history source, e.g. "import"
	NodePath    string // org scope of the audit entry
	Summary     string // audit summary, e.g. the file name
	// The import a batch comes from, kept with the conflicts it leaves:
	// its job (0 for none), its file, and each application's row there.
	Job  int64
	File string
	Rows []int
}

// ApplyBatch submits many applications in one transaction. Each row is all
// or nothing (a savepoint): a bad row is reported and skipped, the rest go
// in. Submitting the same rows again merges into the same members, so a
// re-run after a crash completes the batch without duplicates. A row never
// changes a known member's name, gender, ID number or birthday: one that
// disagrees is Conflicted and stored as a Conflict (blank fields are
// filled in by rows that agree).
func (s *Service) ApplyBatch(ctx context.Context, apps []Application, o BatchOptions) ([]RowResult, error) {
	return s.WriteBatch(ctx, s.PrepareBatch(apps, o))
}

// PreparedBatch is a batch validated and encrypted, with its pinyin and
// search tokens worked out: all of ApplyBatch that needs no database.
type PreparedBatch struct {
	apps     []Application
	opts     BatchOptions
	results  []RowResult
	profiles []*profile
	seals    []*sealed
}

// PrepareBatch does the database-free part of ApplyBatch on every core,
// so that an importer can prepare the next batch while one is written.
func (s *Service) PrepareBatch(apps []Application, o BatchOptions) *PreparedBatch {
	b := &PreparedBatch{apps: apps, opts: o, results: make([]RowResult, len(apps))}
	b.profiles, b.seals = s.prepareAll(apps, o.Application, b.results)
	return b
}

// WriteBatch writes a prepared batch in one transaction (see ApplyBatch).
// Batches may be written concurrently: one that deadlocks with another on
// PostgreSQL (both holding a mobile the other is merging) is rolled back
// and written again, up to three times.
func (s *Service) WriteBatch(ctx context.Context, b *PreparedBatch) ([]RowResult, error) {
	checked := slices.Clone(b.results) // the rows' checks, before any write
	for attempt := 1; ; attempt++ {
		res, err := s.writeBatch(ctx, b)
		if err == nil || attempt == 3 || !db.IsRetryable(err) {
			return res, err
		}
		copy(b.results, checked)
	}
}

func (s *Service) writeBatch(ctx context.Context, b *PreparedBatch) ([]RowResult, error) {
	apps, o, results, profiles, seals := b.apps, b.opts, b.results, b.profiles, b.seals
	prep := make([]struct {
		p  *profile
		sl *sealed
	}, len(apps))
	for i := range apps {
		prep[i].p, prep[i].sl = profiles[i], seals[i]
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		created, merged, conflicts, failed := 0, 0, 0, 0
		var clashes []rowClash
		if err := lockKnown(ctx, tx, seals, results); err != nil {
			return err
		}
		fast, nodes, err := fastRows(ctx, tx, apps, profiles, seals, results)
		if err != nil {
			return err
		}
		written, err := s.bulkInsert(ctx, tx, apps, profiles, seals, fast, nodes, o, results)
		if err != nil {
			return err
		}
		created += len(written)
		for i := range apps {
			if written[i] {
				continue
			}
			if results[i].Err != nil {
				failed++
				continue
			}
			if _, err := tx.Exec(ctx, "SAVEPOINT row"); err != nil {
				return err
			}
			var c clash
			m, out, err := s.submitTx(ctx, tx, apps[i], prep[i].p, prep[i].sl, submitOpts{application: o.Application, quiet: true, source: o.Source, clash: &c})
			if err != nil {
				e := apperr.As(err)
				if e.Code == apperr.Internal && err != errRace {
					return fmt.Errorf("row %d: %w", i+1, err)
				}
				if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT row"); rerr != nil {
					return rerr
				}
				if err == errRace {
					e = &apperr.Error{Code: apperr.Conflict, Field: "mobile", ZH: "同一手机号正在被同时导入，请重试", EN: "the same mobile is being imported concurrently; retry"}
				}
				results[i].Err = e
				failed++
				continue
			}
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT row"); err != nil {
				return err
			}
			results[i].MemberID, results[i].Outcome = m.ID, out
			switch out {
			case Created:
				created++
			case Conflicted:
				conflicts++
				results[i].Conflict = c.diffs()
				clashes = append(clashes, rowClash{i, c})
			default:
				merged++
			}
		}
		if err := s.storeConflicts(ctx, tx, o, clashes); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "member.batch", ObjectType: "member_batch", NodePath: o.NodePath,
			Summary: fmt.Sprintf("%s：新建 %d，合并 %d，冲突 %d，失败 %d", o.Summary, created, merged, conflicts, failed)})
	})
	if err != nil {
		return nil, fmt.Errorf("member batch: %w", err)
	}
	return results, nil
}

func asErr(err error) *apperr.Error { return apperr.As(err) }

// lockKnown locks, on PostgreSQL, the members the batch's mobiles already
// belong to, in the order of their index, before the batch writes
// anything: the row-by-row path then finds them held, and two batches
// sharing people (in any order) wait for each other instead of
// deadlocking. SQLite has one writer at a time.
func lockKnown(ctx context.Context, tx *db.Tx, seals []*sealed, results []RowResult) error {
	if tx.Dialect() != db.Postgres {
		return nil
	}
	var mobiles []string
	for i, sl := range seals {
		if results[i].Err == nil && sl != nil {
			mobiles = append(mobiles, sl.mobileIdx)
		}
	}
	if len(mobiles) == 0 {
		return nil
	}
	slices.Sort(mobiles)
	rows, err := tx.Query(ctx, "SELECT id FROM members WHERE mobile_idx = ANY($1) ORDER BY mobile_idx FOR UPDATE", slices.Compact(mobiles))
	if err != nil {
		return fmt.Errorf("lock known members: %w", err)
	}
	defer rows.Close()
	for rows.Next() { // each row is locked as it is read
	}
	return rows.Err()
}
