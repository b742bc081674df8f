// Package jobs runs background work (imports, exports) that must survive a
// restart and show its progress on every server: jobs and their progress
// live in the database, their input and output files in the encrypted file
// store (filestore), any server claims queued jobs, and a job whose server
// died is run again — so every job handler must be safe to re-run (imports
// merge rows they already wrote). A job is tried at most MaxAttempts times;
// its input is deleted when it ends and its output after the retention
// period the admin sets.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/filestore"
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
	OutputFile *int64     `json:"-"` // nil once the retention period deleted it
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

// HasOutput reports whether the job's output file can still be downloaded.
func (j Job) HasOutput() bool { return j.OutputFile != nil }

// OutputExpired reports whether the job had an output file that the
// retention period has deleted.
func (j Job) OutputExpired() bool { return j.OutputName != "" && j.OutputFile == nil }

// Queue stores jobs; their files go to Files, encrypted.
type Queue struct {
	DB    *db.DB
	Files *filestore.Store
}

// File roles in the file store (part of each chunk's AAD).
const (
	roleInput  = "job.input"
	roleOutput = "job.output"
)

// New describes a job to enqueue.
type New struct {
	Kind      string
	Params    string // JSON
	NodePath  string
	CreatedBy int64
	FileName  string
	Input     []byte
	// Key, if set, is the idempotency key of the request: a second
	// Enqueue with the same key queues nothing and returns the first job.
	Key string
}

// Enqueue stores a job for any server to run; its input goes to the file
// store first, encrypted, and the job takes it in the same transaction
// that creates it.
func (q *Queue) Enqueue(ctx context.Context, n New) (int64, error) {
	if n.Params == "" {
		n.Params = "{}"
	}
	var file *int64
	if len(n.Input) > 0 {
		if q.Files == nil {
			return 0, errors.New("jobs: enqueue: no file store for the input")
		}
		fid, err := q.Files.PutBytes(ctx, roleInput, n.Input)
		if err != nil {
			return 0, fmt.Errorf("enqueue %s: %w", n.Kind, err)
		}
		file = &fid
	}
	var id int64
	err := q.DB.Update(ctx, func(tx *db.Tx) (err error) {
		var by *int64
		if n.CreatedBy != 0 {
			by = &n.CreatedBy
		}
		if file != nil {
			if err := filestore.Attach(ctx, tx, *file); err != nil {
				return err
			}
		}
		var key *string
		if n.Key != "" {
			key = &n.Key
		}
		err = tx.QueryRow(ctx, `INSERT INTO jobs (kind, status, params, node_path, created_by, file_name, input_file, idem_key, created_at)
			VALUES (?, 'queued', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING RETURNING id`,
			n.Kind, n.Params, n.NodePath, by, n.FileName, file, key, tx.Now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) && key != nil {
			// Queued before under this key: that job is the answer.
			if file != nil {
				if err := filestore.Delete(ctx, tx, *file); err != nil {
					return err
				}
			}
			var kind string
			if err := tx.QueryRow(ctx, "SELECT id, kind FROM jobs WHERE idem_key = ?", n.Key).Scan(&id, &kind); err != nil {
				return err
			}
			if kind != n.Kind {
				return &apperr.Error{Code: apperr.Conflict, ZH: "该请求编号已用于另一种任务", EN: "this request key was used for another kind of job"}
			}
			return nil
		}
		return err
	})
	if err != nil && file != nil {
		// The upload stays pending and PurgePending removes it.
		return 0, fmt.Errorf("enqueue %s: %w", n.Kind, err)
	}
	return id, err
}

const jobColumns = `id, kind, status, params, node_path, created_by, file_name, done, total, result, output_name, error,
	attempts, output_file, created_at, started_at, finished_at`

func scanJob(sc interface{ Scan(...any) error }) (*Job, error) {
	var j Job
	err := sc.Scan(&j.ID, &j.Kind, &j.Status, &j.Params, &j.NodePath, &j.CreatedBy, &j.FileName, &j.Done, &j.Total, &j.Result,
		&j.OutputName, &j.Error, &j.Attempts, &j.OutputFile, &j.CreatedAt, &j.StartedAt, &j.FinishedAt)
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

// Output opens a finished job's output file for download and writes the
// download to the audit log (who, which job, which file; nothing of its
// content).
func (q *Queue) Output(ctx context.Context, id int64) (name string, r *filestore.Reader, err error) {
	j, err := q.Get(ctx, id)
	if err != nil {
		return "", nil, err
	}
	if j.OutputExpired() {
		return "", nil, &apperr.Error{Code: apperr.NotFound, ZH: "结果文件已超过保留期限，已被删除",
			EN: "the output file was deleted at the end of its retention period"}
	}
	if !j.HasOutput() {
		return "", nil, &apperr.Error{Code: apperr.Conflict, ZH: "该任务没有结果文件（尚未完成，或没有出错的行）",
			EN: "this job has no output file (not finished, or no rows failed)"}
	}
	if r, err = q.Files.Open(ctx, *j.OutputFile); err != nil {
		return "", nil, fmt.Errorf("job %d output: %w", id, err)
	}
	err = q.DB.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "job.output.download", ObjectType: "job", ObjectID: id, NodePath: j.NodePath,
			Summary: "下载任务 #" + strconv.FormatInt(id, 10) + " 的结果文件 " + j.OutputName,
			After:   map[string]any{"kind": j.Kind, "file": j.OutputName, "bytes": r.Size()}})
	})
	if err != nil {
		return "", nil, err
	}
	return j.OutputName, r, nil
}

// List returns the newest jobs of a kind within the org paths.
func (q *Queue) List(ctx context.Context, kind string, within []string, limit int) ([]Job, error) {
	out, _, err := q.Page(ctx, kind, within, 0, limit)
	return out, err
}

// Page returns a page of the jobs of a kind within the org paths, newest
// first, and how many there are.
func (q *Queue) Page(ctx context.Context, kind string, within []string, offset, limit int) ([]Job, int, error) {
	where, args := db.PathsWhere("node_path", within)
	var out []Job
	var total int
	err := q.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM jobs WHERE kind = ? AND "+where, append([]any{kind}, args...)...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+jobColumns+" FROM jobs WHERE kind = ? AND "+where+" ORDER BY id DESC LIMIT ? OFFSET ?",
			append(append([]any{kind}, args...), limit, max(offset, 0))...)
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
	return out, total, err
}

// staleAfter is how long a running job may go without a heartbeat before
// another server takes it over.
const staleAfter = 2 * time.Minute

// MaxAttempts is how often a job is started before it fails for good: a
// file that crashes the server must not crash every server in turn.
const MaxAttempts = 3

// tooManyAttempts is the error of a job given up on.
var tooManyAttempts = fmt.Sprintf("已尝试 %d 次仍未完成：运行时服务器停止 / stopped after %d attempts: the server stopped while running it",
	MaxAttempts, MaxAttempts)

// claim takes the oldest queued (or abandoned) job of the kinds. A job
// started MaxAttempts times already fails instead, and the next is taken.
func (q *Queue) claim(ctx context.Context, worker string, kinds []string) (*Job, *int64, error) {
	var j *Job
	var input *int64
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
		for {
			var id int64
			var attempts int
			err := tx.QueryRow(ctx, `SELECT id, attempts FROM jobs WHERE (status = 'queued' OR (status = 'running' AND heartbeat_at < ?))
				AND kind IN (`+kindList+`) ORDER BY id LIMIT 1`+lock, args...).Scan(&id, &attempts)
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			if attempts >= MaxAttempts {
				if err := endJob(ctx, tx, id, "failed", tooManyAttempts); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE jobs SET status = 'running', worker = ?, attempts = attempts + 1, heartbeat_at = ?,
				started_at = COALESCE(started_at, ?) WHERE id = ?`, worker, tx.Now, tx.Now, id); err != nil {
				return err
			}
			if j, err = scanJob(tx.QueryRow(ctx, "SELECT "+jobColumns+" FROM jobs WHERE id = ?", id)); err != nil {
				return err
			}
			return tx.QueryRow(ctx, "SELECT input_file FROM jobs WHERE id = ?", id).Scan(&input)
		}
	})
	return j, input, err
}

// endJob marks a job done or failed and deletes its input file.
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

// progress records how far a job is and keeps its claim alive.
func (q *Queue) progress(ctx context.Context, id int64, worker string, done, total int64) error {
	return q.DB.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE jobs SET done = ?, total = ?, heartbeat_at = ? WHERE id = ? AND worker = ?", done, total, tx.Now, id, worker)
		return err
	})
}

// finish ends a job the worker still holds: failed with runErr, or done
// with r's summary and output file (stored first, encrypted). Either way
// the input is deleted.
func (q *Queue) finish(ctx context.Context, id int64, worker string, r *Result, runErr error) error {
	var output *int64
	if runErr == nil && len(r.Output) > 0 {
		fid, err := q.Files.PutBytes(ctx, roleOutput, r.Output)
		if err != nil {
			runErr = fmt.Errorf("store the output: %w", err)
		} else {
			output = &fid
		}
	}
	return q.DB.Update(ctx, func(tx *db.Tx) error {
		var held int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM jobs WHERE id = ? AND worker = ? AND status = 'running'", id, worker).Scan(&held); err != nil {
			return err
		}
		if held == 0 {
			return nil // another server took it over; a pending output is purged later
		}
		if runErr != nil {
			return endJob(ctx, tx, id, Failed, runErr.Error())
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

// release hands a job back to the queue when its server shuts down in the
// middle: that start does not count as an attempt.
func (q *Queue) release(ctx context.Context, id int64, worker string) error {
	return q.DB.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE jobs SET status = 'queued', worker = '', attempts = attempts - 1
			WHERE id = ? AND worker = ? AND status = 'running'`, id, worker)
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
	Worker   string // unique per process: see LocalWorker
	Handlers map[string]Handler
	Log      *slog.Logger
	Poll     time.Duration
	// Dead, if set, tells whether the worker that holds a running job is a
	// process known to have stopped (this host's previous run): Run hands
	// its jobs back at once instead of waiting for their heartbeat to age.
	Dead func(worker string) bool
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
	if r.Dead != nil {
		if n, err := r.Queue.Reclaim(ctx, r.Dead); err != nil && ctx.Err() == nil {
			r.Log.Warn("jobs: reclaim failed", "err", err)
		} else if n > 0 {
			r.Log.Info("jobs: took back the unfinished jobs of a stopped server", "jobs", n)
		}
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
	j, inputFile, err := r.Queue.claim(ctx, r.Worker, kinds)
	if err != nil || j == nil {
		return false, err
	}
	r.Log.Info("job started", "job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	var input []byte
	if inputFile != nil {
		if input, err = r.Queue.Files.ReadAll(ctx, *inputFile); err != nil && ctx.Err() == nil {
			err = fmt.Errorf("read the job's input: %w", err)
			r.Log.Warn("job failed", "job", j.ID, "kind", j.Kind, "err", err)
			return true, r.Queue.finish(ctx, j.ID, r.Worker, nil, err)
		}
	}
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
	var res *Result
	var runErr error
	if ctx.Err() == nil {
		res, runErr = r.safeRun(ctx, j, input, progress)
	}
	if ctx.Err() != nil {
		// Shutting down: hand the job back for another server (or the next
		// start) to run; this start does not count as an attempt.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return true, r.Queue.release(rctx, j.ID, r.Worker)
	}
	if runErr == nil && res == nil {
		runErr = errors.New("the job handler returned no result")
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
