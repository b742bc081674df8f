// Package jobs runs background work (imports, expiry runs, review batches)
// that must survive a restart and show its progress on every server, and
// the periodic jobs (定时任务) of the service. River
// (github.com/riverqueue/river) executes both, on either engine.
//
// A job the console shows is a row of the jobs table, the record staff
// read (status, progress, result), with its input and output files in the
// encrypted file store (filestore); the River job that runs it is queued
// in the same transaction. A job whose server died is run again: at once
// when that server restarts, or by another server when its heartbeat has
// gone quiet for StaleAfter — so every job handler must be safe to re-run
// (imports merge rows they already wrote). A job is tried at most
// MaxAttempts times; its input is deleted when it ends and its output
// after the retention period the admin sets.
//
// Periodic jobs are declared once (see Periodic and package schedule),
// run on one server at a time (River's elected leader enqueues them) and
// keep a record of each run for the admin page (Scheduler).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

// Queue stores jobs; their files go to Files, encrypted. It queues the
// River job that runs each one in the transaction that records it.
type Queue struct {
	DB    *db.DB
	Files *filestore.Store

	inserter inserter // River, for inserts only: made at first use
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
		if err == nil {
			return q.queueRun(ctx, tx, id)
		}
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

// Result is what a handler hands back: a summary (JSON) and an optional file.
type Result struct {
	Summary    string
	OutputName string
	Output     []byte
}

// Handler runs one kind of job. It must be safe to run again on the same
// job (after a crash) and should report progress.
type Handler func(ctx context.Context, j *Job, input []byte, progress func(done, total int64)) (*Result, error)
