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

// retentionKey keeps, in the settings table, how many days job output
// files (error reports) are kept (结果文件保留天数).
const retentionKey = "jobs.output_retention_days"

// Retention bounds, in days.
const (
	DefaultRetentionDays = 7
	MaxRetentionDays     = 365
)

// pendingFor is how long an upload may stay without a job before it is
// deleted (a server stopped between storing it and creating the job).
const pendingFor = 24 * time.Hour

// RetentionDays is how many days a finished job's output file is kept.
func (q *Queue) RetentionDays(ctx context.Context) (int, error) {
	var n int
	err := q.DB.View(ctx, func(tx *db.Tx) (err error) {
		n, err = retentionDays(ctx, tx)
		return err
	})
	return n, err
}

func retentionDays(ctx context.Context, tx *db.Tx) (int, error) {
	var v string
	err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", retentionKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultRetentionDays, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read setting %s: %w", retentionKey, err)
	}
	return strconv.Atoi(v)
}

// SetRetentionDays changes how long output files are kept (1–365 days);
// it applies to files already kept too, at the next purge.
func (q *Queue) SetRetentionDays(ctx context.Context, days int) error {
	if days < 1 || days > MaxRetentionDays {
		return apperr.Field("retention_days", "结果文件保留天数须为 1–"+strconv.Itoa(MaxRetentionDays)+" 天",
			"output files must be kept 1–"+strconv.Itoa(MaxRetentionDays)+" days")
	}
	err := q.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := retentionDays(ctx, tx)
		if err != nil || old == days {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, retentionKey, strconv.Itoa(days), tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "jobs.retention", ObjectType: "setting", ObjectID: retentionKey, NodePath: "/1/",
			Summary: "任务结果文件保留 " + strconv.Itoa(old) + " → " + strconv.Itoa(days) + " 天", Before: old, After: days})
	})
	if err != nil {
		return fmt.Errorf("set output retention: %w", err)
	}
	return nil
}

// Purged counts what Purge deleted.
type Purged struct {
	Outputs int // output files past the retention period
	Inputs  int // inputs of ended jobs (normally deleted as the job ends)
	Pending int // uploads no job took
}

// Purge deletes the output files of jobs that finished more than the
// retention period ago, any input still kept by an ended job, and uploads
// left pending. Safe to run on several servers at once.
func (q *Queue) Purge(ctx context.Context) (Purged, error) {
	var p Purged
	err := q.DB.Update(ctx, func(tx *db.Tx) error {
		days, err := retentionDays(ctx, tx)
		if err != nil {
			return err
		}
		cutoff := tx.Now.Add(-time.Duration(days) * 24 * time.Hour)
		if p.Outputs, err = dropFiles(ctx, tx, "output_file", "output_file IS NOT NULL AND finished_at < ?", cutoff); err != nil {
			return err
		}
		p.Inputs, err = dropFiles(ctx, tx, "input_file", "input_file IS NOT NULL AND status IN ('done', 'failed')")
		return err
	})
	if err != nil {
		return p, fmt.Errorf("purge job files: %w", err)
	}
	if p.Pending, err = q.Files.PurgePending(ctx, q.DB.Clock().Add(-pendingFor)); err != nil {
		return p, fmt.Errorf("purge job files: %w", err)
	}
	return p, nil
}

// dropFiles deletes the files in column col of the jobs matching where.
func dropFiles(ctx context.Context, tx *db.Tx, col, where string, args ...any) (int, error) {
	rows, err := tx.Query(ctx, "SELECT id, "+col+" FROM jobs WHERE "+where, args...)
	if err != nil {
		return 0, err
	}
	var jobs, files []int64
	for rows.Next() {
		var j, f int64
		if err := rows.Scan(&j, &f); err != nil {
			rows.Close()
			return 0, err
		}
		jobs, files = append(jobs, j), append(files, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for i, id := range jobs {
		if _, err := tx.Exec(ctx, "UPDATE jobs SET "+col+" = NULL WHERE id = ?", id); err != nil {
			return 0, err
		}
		if err := filestore.Delete(ctx, tx, files[i]); err != nil {
			return 0, err
		}
	}
	return len(jobs), nil
}
