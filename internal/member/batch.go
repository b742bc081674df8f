package member

import (
	"context"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// RowResult is what happened to one application of a batch.
type RowResult struct {
	MemberID int64
	Outcome  Outcome
	Err      *apperr.Error // the row's error; the row changed nothing
}

// BatchOptions describes a batch.
type BatchOptions struct {
	Application bool   // applications, or default members only
	Source      string // history source, e.g. "import"
	NodePath    string // org scope of the audit entry
	Summary     string // audit summary, e.g. the file name
}

// ApplyBatch submits many applications in one transaction. Each row is all
// or nothing (a savepoint): a bad row is reported and skipped, the rest go
// in. Submitting the same rows again merges into the same members, so a
// re-run after a crash completes the batch without duplicates.
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
func (s *Service) WriteBatch(ctx context.Context, b *PreparedBatch) ([]RowResult, error) {
	apps, o, results, profiles, seals := b.apps, b.opts, b.results, b.profiles, b.seals
	prep := make([]struct {
		p  *profile
		sl *sealed
	}, len(apps))
	for i := range apps {
		prep[i].p, prep[i].sl = profiles[i], seals[i]
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		created, merged, failed := 0, 0, 0
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
			m, out, err := s.submitTx(ctx, tx, apps[i], prep[i].p, prep[i].sl, submitOpts{application: o.Application, quiet: true, source: o.Source})
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
			if out == Created {
				created++
			} else {
				merged++
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "member.batch", ObjectType: "member_batch", NodePath: o.NodePath,
			Summary: fmt.Sprintf("%s：新建 %d，合并 %d，失败 %d", o.Summary, created, merged, failed)})
	})
	if err != nil {
		return nil, fmt.Errorf("member batch: %w", err)
	}
	return results, nil
}

func asErr(err error) *apperr.Error { return apperr.As(err) }
