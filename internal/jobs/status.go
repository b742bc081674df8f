package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"estateclub/internal/db"
)

// RunStatus is where a run of a periodic job stands.
type RunStatus string

// Run statuses.
const (
	RunRunning RunStatus = "running"
	RunOK      RunStatus = "ok"
	RunFailed  RunStatus = "failed"
)

// Run is one run of a periodic job.
type Run struct {
	ID         int64      `json:"id"`
	Status     RunStatus  `json:"status"`
	Manual     bool       `json:"manual"` // staff asked for it
	Handled    int64      `json:"handled"`
	Error      string     `json:"error,omitempty"`
	Worker     string     `json:"worker"` // the server that ran it
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// FailureWindow is how far back PeriodicStatus counts failed runs.
const FailureWindow = 7 * 24 * time.Hour

// PeriodicStatus is how a periodic job stands, for the admin page.
type PeriodicStatus struct {
	Name string   `json:"name"`
	ZH   string   `json:"zh"`
	EN   string   `json:"en"`
	When Schedule `json:"-"`
	Last *Run     `json:"last,omitempty"` // the latest run; nil: none in the 30 days kept
	// Next is when it runs next: for a daily job its time, for the others
	// an estimate (the last start plus the period; the new leader after a
	// restart runs them at once).
	Next        time.Time `json:"next"`
	Failures    int       `json:"failures"` // failed runs within FailureWindow
	LastFailure *Run      `json:"last_failure,omitempty"`
	Waiting     bool      `json:"waiting"` // a run asked for by hand waits to start
}

// Status tells how each periodic job stands, in the order declared.
func (s *Scheduler) Status(ctx context.Context) ([]PeriodicStatus, error) {
	out := make([]PeriodicStatus, len(s.Jobs))
	err := s.Queue.DB.View(ctx, func(tx *db.Tx) error {
		waiting, err := s.waiting(ctx, tx)
		if err != nil {
			return err
		}
		for i, p := range s.Jobs {
			st := PeriodicStatus{Name: p.Name, ZH: p.ZH, EN: p.EN, When: p.When, Waiting: waiting[p.Name]}
			if st.Last, err = latestRun(ctx, tx, "name = ?", p.Name); err != nil {
				return err
			}
			if st.LastFailure, err = latestRun(ctx, tx, "name = ? AND status = 'failed'", p.Name); err != nil {
				return err
			}
			if st.Failures, err = tx.Count(ctx, "SELECT count(*) FROM periodic_runs WHERE name = ? AND status = 'failed' AND started_at >= ?",
				p.Name, tx.Now.Add(-FailureWindow)); err != nil {
				return err
			}
			st.Next = p.When.Next(tx.Now)
			if p.When.Every > 0 && st.Last != nil && st.Last.StartedAt.Add(p.When.Every).After(tx.Now) {
				st.Next = st.Last.StartedAt.Add(p.When.Every)
			}
			out[i] = st
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("periodic jobs: %w", err)
	}
	return out, nil
}

func latestRun(ctx context.Context, tx *db.Tx, where string, args ...any) (*Run, error) {
	var r Run
	err := tx.QueryRow(ctx, `SELECT id, status, manual, handled, error, worker, started_at, finished_at FROM periodic_runs
		WHERE `+where+` ORDER BY started_at DESC, id DESC LIMIT 1`, args...).
		Scan(&r.ID, &r.Status, &r.Manual, &r.Handled, &r.Error, &r.Worker, &r.StartedAt, &r.FinishedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &r, err
}

// waiting lists the jobs with a run asked for by hand that has not started.
func (s *Scheduler) waiting(ctx context.Context, tx *db.Tx) (map[string]bool, error) {
	rc, err := s.Queue.river()
	if err != nil {
		return nil, err
	}
	res, err := rc.JobListTx(ctx, tx.SQLTx(), river.NewJobListParams().Kinds(periodicKind).First(1000).
		States(rivertype.JobStateAvailable, rivertype.JobStateScheduled, rivertype.JobStateRetryable, rivertype.JobStatePending))
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, j := range res.Jobs {
		var a periodicArgs
		if err := json.Unmarshal(j.EncodedArgs, &a); err == nil && a.Manual {
			out[a.Name] = true
		}
	}
	return out, nil
}
