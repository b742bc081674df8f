// Package jobs runs background work (imports, exports) that must survive a
// restart and show its progress on every server: jobs, their input and
// output files and their progress live in the database, any server claims
// queued jobs, and a job whose server died is run again — so every job
// handler must be safe to re-run (imports merge rows they already wrote).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// Status is where a job stands.
type Status string

// Job statuses.
const (
	Queued  Status = "queued"
	Running Status = "running"
	Done    Status = "done"
	Failed  Status = "failed"
)

// Job is one piece of background work (后台任务).
type Job struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	Status     Status     `json:"status"`
	Params     string     `json:"params"`
	NodePath   string     `json:"-"`
	CreatedBy  *int64     `json:"created_by,omitempty"`
	FileName   string     `json:"file_name"`
	Done       int64      `json:"done"`
	Total      int64      `json:"total"`
	Result     string     `json:"result"`
	OutputName string     `json:"output_name,omitempty"`
	Error      string     `json:"error,omitempty"`
	Attempts   int        `json:"attempts"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Percent is the progress in whole percent.
func (j Job) Percent() int {
	if j.Status == Done {
		return 100
	}
	if j.Total <= 0 {
		return 0
	}
	return int(j.Done * 100 / j.Total)
}

// Queue stores jobs.
type Queue struct{ DB *db.DB }

// New describes a job to enqueue.
type New struct {
	Kind      string
	Params    string // JSON
	NodePath  string
	CreatedBy int64
	FileName  string
	Input     []byte
}

// Enqueue stores a job for any server to run.
func (q *Queue) Enqueue(ctx context.Context, n New) (int64, error) {
	if n.Params == "" {
		n.Params = "{}"
	}
	var id int64
	err := q.DB.Update(ctx, func(tx *db.Tx) (err error) {
		var by *int64
		if n.CreatedBy != 0 {
			by = &n.CreatedBy
		}
		id, err = tx.InsertID(ctx, `INSERT INTO jobs (kind, status, params, node_path, created_by, file_name, input, created_at)
			VALUES (?, 'queued', ?, ?, ?, ?, ?, ?)`, n.Kind, n.Params, n.NodePath, by, n.FileName, n.Input, tx.Now)
		return err
	})
	return id, err
}

const jobColumns = `id, kind, status, params, node_path, created_by, file_name, done, total, result, output_name, error,
	attempts, created_at, started_at, finished_at`

func scanJob(sc interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	err := sc.Scan(&j.ID, &j.Kind, &j.Status, &j.Params, &j.NodePath, &j.CreatedBy, &j.FileName, &j.Done, &j.Total, &j.Result,
		&j.OutputName, &j.Error, &j.Attempts, &j.CreatedAt, &j.StartedAt, &j.FinishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("任务", "job")
	}
	return &j, err
}

// Get reads a job.
func (q *Queue) Get(ctx context.Context, id int64) (*Job, error) {
	var j *Job
	err := q.DB.View(ctx, func(tx *db.Tx) (err error) {
		j, err = scanJob(tx.QueryRow(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id))
		return err
	})
	return j, err
}

// Output returns a finished job's output file.
func (q *Queue) Output(ctx context.Context, id int64) (name string, data []byte, err error) {
	err = q.DB.View(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT output_name, output FROM jobs WHERE id = ?", id).Scan(&name, &data)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("任务", "job")
		}
		return err
	})
	if err == nil && len(data) == 0 {
		err = &apperr.Error{Code: apperr.Conflict, ZH: "该任务没有结果文件（尚未完成，或没有出错的行）",
			EN: "this job has no output file (not finished, or no rows failed)"}
	}
	return name, data, err
}

// List returns the newest jobs of a kind within the org paths.
func (q *Queue) List(ctx context.Context, kind string, within []string, limit int) ([]Job, error) {
	where, args := db.PathsWhere("node_path", within)
	var out []Job
	err := q.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE kind = ? AND "+where+" ORDER BY id DESC LIMIT ?",
			append(append([]any{kind}, args...), limit)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j, err := scanJob(rows)
			if err != nil {
				return err
			}
			out = append(out, *j)
		}
		return rows.Err()
	})
	return out, err
}

// staleAfter is how long a running job may go without a heartbeat before
// another server takes it over.
const staleAfter = 2 * time.Minute

// claim takes the oldest queued (or abandoned) job of the kinds.
func (q *Queue) claim(ctx context.Context, worker string, kinds []string) (*Job, []byte, error) {
	var j *Job
	var input []byte
	err := q.DB.Update(ctx, func(tx *db.Tx) error {
		kindList := ""
		args := []any{tx.Now.Add(-staleAfter)}
		for i, k := range kinds {
			if i > 0 {
				kindList += ", "
			}
			kindList += "?"
			args = append(args, k)
		}
		lock := ""
		if tx.Dialect() == db.Postgres {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM jobs WHERE (status = 'queued' OR (status = 'running' AND heartbeat_at < ?))
			AND kind IN (`+kindList+`) ORDER BY id LIMIT 1`+lock, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE jobs SET status = 'running', worker = ?, attempts = attempts + 1, heartbeat_at = ?,
			started_at = COALESCE(started_at, ?) WHERE id = ?`, worker, tx.Now, tx.Now, id); err != nil {
			return err
		}
		if j, err = scanJob(tx.QueryRow(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id)); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT input FROM jobs WHERE id = ?", id).Scan(&input)
	})
	return j, input, err
}

// progress records how far a job is and keeps its claim alive.
func (q *Queue) progress(ctx context.Context, id int64, worker string, done, total int64) error {
	return q.DB.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE jobs SET done = ?, total = ?, heartbeat_at = ? WHERE id = ? AND worker = ?", done, total, tx.Now, id, worker)
		return err
	})
}

func (q *Queue) finish(ctx context.Context, id int64, worker string, r *Result, runErr error) error {
	return q.DB.Update(ctx, func(tx *db.Tx) error {
		if runErr != nil {
			_, err := tx.Exec(ctx, "UPDATE jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND worker = ?",
				runErr.Error(), tx.Now, id, worker)
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE jobs SET status = 'done', result = ?, output_name = ?, output = ?, finished_at = ?,
			done = CASE WHEN total > done THEN total ELSE done END WHERE id = ? AND worker = ?`,
			r.Summary, r.OutputName, r.Output, tx.Now, id, worker)
		return err
	})
}

// Result is what a handler hands back: a summary (JSON) and an optional file.
type Result struct {
	Summary    string
	OutputName string
	Output     []byte
}

// Handler runs one kind of job. It must be safe to run again on the same
// job (after a crash) and should report progress.
type Handler func(ctx context.Context, j *Job, input []byte, progress func(done, total int64)) (*Result, error)

// Runner claims and runs jobs in the background of a server.
type Runner struct {
	Queue    *Queue
	Worker   string // unique per process, e.g. hostname:pid
	Handlers map[string]Handler
	Log      *slog.Logger
	Poll     time.Duration
}

// Run works until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	kinds := make([]string, 0, len(r.Handlers))
	for k := range r.Handlers {
		kinds = append(kinds, k)
	}
	poll := r.Poll
	if poll == 0 {
		poll = time.Second
	}
	for ctx.Err() == nil {
		ran, err := r.RunOne(ctx, kinds)
		if err != nil && ctx.Err() == nil {
			r.Log.Warn("jobs: claim failed", "err", err)
		}
		if !ran {
			select {
			case <-ctx.Done():
			case <-time.After(poll):
			}
		}
	}
}

// RunOne runs one queued job of the kinds, if there is one.
func (r *Runner) RunOne(ctx context.Context, kinds []string) (bool, error) {
	j, input, err := r.Queue.claim(ctx, r.Worker, kinds)
	if err != nil || j == nil {
		return false, err
	}
	r.Log.Info("job started", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	last := time.Time{}
	progress := func(done, total int64) {
		// Write progress at most every half second; the heartbeat rides on it.
		if time.Since(last) < 500*time.Millisecond && done < total {
			return
		}
		last = time.Now()
		if err := r.Queue.progress(ctx, j.ID, r.Worker, done, total); err != nil {
			r.Log.Warn("job progress", "job", j.ID, "err", err)
		}
	}
	res, runErr := r.safeRun(ctx, j, input, progress)
	if ctx.Err() != nil {
		return true, nil // shutting down: another server (or the next start) re-runs it
	}
	if runErr != nil {
		r.Log.Warn("job failed", "job", j.ID, "kind", j.Kind, "err", runErr)
	} else {
		r.Log.Info("job done", "job", j.ID, "kind", j.Kind)
	}
	return true, r.Queue.finish(ctx, j.ID, r.Worker, res, runErr)
}

func (r *Runner) safeRun(ctx context.Context, j *Job, input []byte, progress func(done, total int64)) (res *Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("job panicked: %v", v)
		}
	}()
	h := r.Handlers[j.Kind]
	return h(ctx, j, input, progress)
}
