package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/filestore"
	"estateclub/internal/pii"
)

// DefaultStaleAfter is how long a running job may go without a heartbeat
// before another server takes it over.
const DefaultStaleAfter = time.Minute

// DefaultHeartbeat is how often a server running a job says so.
const DefaultHeartbeat = 15 * time.Second

// MaxAttempts is how often a job is started before it fails for good: a
// file that crashes the server must not crash every server in turn.
const MaxAttempts = 3

// tooManyAttempts is the error of a job given up on.
var tooManyAttempts = fmt.Sprintf("已尝试 %d 次仍未完成：运行时服务器停止 / stopped after %d attempts: the server stopped while running it",
	MaxAttempts, MaxAttempts)

// executor runs the records of the jobs table as one worker (a server):
// the River worker and Runner share it.
type executor struct {
	q          *Queue
	worker     string
	handlers   map[string]Handler
	log        *slog.Logger
	staleAfter time.Duration
	heartbeat  time.Duration
}

// run runs record id if it is queued, or running on a server whose
// heartbeat is stale. It reports whether it started the job.
func (e *executor) run(ctx context.Context, id int64) (bool, error) {
	var j *Job
	var input *int64
	err := e.q.DB.Update(ctx, func(tx *db.Tx) (err error) {
		j, input, err = e.claim(ctx, tx, id)
		return err
	})
	if err != nil || j == nil {
		return false, err
	}
	return true, e.work(ctx, j, input)
}

// claimNext takes the oldest job of the kinds that run would start.
func (e *executor) claimNext(ctx context.Context, kinds []string) (*Job, *int64, error) {
	var j *Job
	var input *int64
	err := e.q.DB.Update(ctx, func(tx *db.Tx) error {
		args := []any{tx.Now.Add(-e.staleAfter)}
		list := ""
		for i, k := range kinds {
			if i > 0 {
				list += ", "
			}
			list += "?"
			args = append(args, k)
		}
		lock := ""
		if tx.Dialect() == db.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		for j == nil {
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM jobs WHERE (status = 'queued' OR (status = 'running' AND heartbeat_at < ?))
				AND kind IN (`+list+`) ORDER BY id LIMIT 1`+lock, args...).Scan(&id)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			if j, input, err = e.claim(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	return j, input, err
}

// claim marks record id running on this worker if it is queued or its
// server's heartbeat is stale, and returns it with its input file. A job
// started MaxAttempts times already fails instead. Nil: nothing to run.
func (e *executor) claim(ctx context.Context, tx *db.Tx, id int64) (*Job, *int64, error) {
	var kind string
	var status Status
	var attempts int
	var beat *time.Time
	err := tx.QueryRow(ctx, "SELECT kind, status, attempts, heartbeat_at FROM jobs WHERE id = ?"+tx.ForUpdate(), id).Scan(&kind, &status, &attempts, &beat)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	stale := status == Running && (beat == nil || beat.Before(tx.Now.Add(-e.staleAfter)))
	if status != Queued && !stale {
		return nil, nil, nil // ended, or running on a live server
	}
	if _, ok := e.handlers[kind]; !ok {
		// A server of another version: River tries again later, perhaps
		// on a server that knows the kind.
		return nil, nil, fmt.Errorf("job %d: this server has no handler for jobs of kind %q", id, kind)
	}
	if attempts >= MaxAttempts {
		return nil, nil, endJob(ctx, tx, id, Failed, tooManyAttempts)
	}
	if _, err := tx.Exec(ctx, `UPDATE jobs SET status = 'running', worker = ?, attempts = attempts + 1, heartbeat_at = ?,
		started_at = COALESCE(started_at, ?) WHERE id = ?`, e.worker, tx.Now, tx.Now, id); err != nil {
		return nil, nil, err
	}
	j, err := scanJob(tx.QueryRow(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id))
	if err != nil {
		return nil, nil, err
	}
	var input *int64
	err = tx.QueryRow(ctx, "SELECT input_file FROM jobs WHERE id = ?", id).Scan(&input)
	return j, input, err
}

// work runs a claimed job's handler, beating its heartbeat, and records
// how it ended. When ctx ends first (the server shuts down), the job goes
// back to the queue for another server or the next start.
func (e *executor) work(ctx context.Context, j *Job, inputFile *int64) error {
	e.log.Info("job started", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	var input []byte
	var err error
	if inputFile != nil {
		if input, err = e.q.Files.ReadAll(ctx, *inputFile); err != nil && ctx.Err() == nil {
			err = fmt.Errorf("read the job's input: %w", err)
			e.log.Warn("job failed", "job", j.ID, "kind", j.Kind, "err", err)
			return e.finish(ctx, j.ID, nil, err)
		}
	}
	stopBeat := e.beat(ctx, j.ID)
	last := time.Time{}
	progress := func(done, total int64) {
		// Write progress at most every half second.
		if time.Since(last) < 500*time.Millisecond && done < total {
			return
		}
		last = time.Now()
		if err := e.progress(ctx, j.ID, done, total); err != nil {
			e.log.Warn("job progress", "job", j.ID, "err", err)
		}
	}
	var res *Result
	var runErr error
	if ctx.Err() == nil {
		res, runErr = e.safeRun(ctx, j, input, progress)
	}
	stopBeat()
	if ctx.Err() != nil {
		// Shutting down: this start does not count as an attempt.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return e.q.requeue(rctx, j.ID, e.worker, -1)
	}
	if runErr == nil && res == nil {
		runErr = errors.New("the job handler returned no result")
	}
	if runErr != nil {
		e.log.Warn("job failed", "job", j.ID, "kind", j.Kind, "err", runErr)
	} else {
		e.log.Info("job done", "job", j.ID, "kind", j.Kind)
	}
	return e.finish(ctx, j.ID, res, runErr)
}

func (e *executor) safeRun(ctx context.Context, j *Job, input []byte, progress func(done, total int64)) (res *Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("job panicked: %v", v)
		}
	}()
	h, ok := e.handlers[j.Kind]
	if !ok {
		return nil, fmt.Errorf("no handler for jobs of kind %q", j.Kind)
	}
	return h(ctx, j, input, progress)
}

// beat keeps the job's heartbeat fresh until the returned func is called,
// so that no other server takes over a job that runs long between two
// progress reports.
func (e *executor) beat(ctx context.Context, id int64) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(e.heartbeat)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				err := e.q.DB.Update(db.WithLockWait(ctx, e.heartbeat), func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, "UPDATE jobs SET heartbeat_at = ? WHERE id = ? AND worker = ? AND status = 'running'", tx.Now, id, e.worker)
					return err
				})
				if err != nil && ctx.Err() == nil {
					e.log.Warn("job heartbeat", "job", id, "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// progress records how far a job is and keeps its heartbeat fresh.
func (e *executor) progress(ctx context.Context, id int64, done, total int64) error {
	return e.q.DB.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE jobs SET done = ?, total = ?, heartbeat_at = ? WHERE id = ? AND worker = ?", done, total, tx.Now, id, e.worker)
		return err
	})
}

// finish ends a job the worker still holds: failed with runErr, or done
// with r's summary and output file (stored first, encrypted). Either way
// the input is deleted.
func (e *executor) finish(ctx context.Context, id int64, r *Result, runErr error) error {
	var output *int64
	if runErr == nil && len(r.Output) > 0 {
		fid, err := e.q.Files.PutBytes(ctx, roleOutput, r.Output)
		if err != nil {
			runErr = fmt.Errorf("store the output: %w", err)
		} else {
			output = &fid
		}
	}
	return e.q.DB.Update(ctx, func(tx *db.Tx) error {
		var held int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM jobs WHERE id = ? AND worker = ? AND status = 'running'", id, e.worker).Scan(&held); err != nil {
			return err
		}
		if held == 0 {
			return nil // another server took it over; a pending output is purged later
		}
		if runErr != nil {
			return endJob(ctx, tx, id, Failed, pii.MaskNumbersIn(runErr.Error()))
		}
		if output != nil {
			if err := filestore.Attach(ctx, tx, *output); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE jobs SET result = ?, output_name = ?, output_file = ?,
			done = CASE WHEN total > done THEN total ELSE done END WHERE id = ?`, r.Summary, r.OutputName, output, id); err != nil {
			return err
		}
		return endJob(ctx, tx, id, Done, "")
	})
}

// endJob marks a job done or failed and deletes its input file. A
// failure's text is stored with mobile and ID numbers masked, as the audit
// log keeps them: an error may quote the row it failed on.
func endJob(ctx context.Context, tx *db.Tx, id int64, status Status, errText string) error {
	var input *int64
	if err := tx.QueryRow(ctx, "SELECT input_file FROM jobs WHERE id = ?", id).Scan(&input); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE jobs SET status = ?, error = ?, finished_at = ?, input_file = NULL WHERE id = ?",
		status, errText, tx.Now, id); err != nil {
		return err
	}
	if input != nil {
		return filestore.Delete(ctx, tx, *input)
	}
	return nil
}
