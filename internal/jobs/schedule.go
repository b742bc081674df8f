package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// Periodic is a job that runs on a schedule (定时任务). It must be safe to
// run twice, and at once on two servers (a new leader may start a run
// while the old one's still runs).
type Periodic struct {
	Name   string // stable id, e.g. "lead.pool_return"
	ZH, EN string // what it does, for the admin page
	When   Schedule
	// Run does the work and says how many things it handled (sessions
	// deleted, leads returned …).
	Run func(ctx context.Context) (handled int64, err error)
}

// Schedule says when a periodic job runs: every Every, or (Every zero)
// each day at Hour:Minute in Zone.
type Schedule struct {
	Every        time.Duration
	Hour, Minute int
	Zone         *time.Location
}

// Every is the schedule of a job that runs every d, and once when a
// server becomes the leader.
func Every(d time.Duration) Schedule { return Schedule{Every: d} }

// Daily is the schedule of a job that runs each day at hour:minute in
// zone; a leader that starts after that time on a day the job did not
// run runs it then.
func Daily(hour, minute int, zone *time.Location) Schedule {
	return Schedule{Hour: hour, Minute: minute, Zone: zone}
}

// Next is the first time after t the job is due (River's PeriodicSchedule).
func (s Schedule) Next(t time.Time) time.Time {
	if s.Every > 0 {
		return t.Add(s.Every)
	}
	z := t.In(s.zone())
	at := time.Date(z.Year(), z.Month(), z.Day(), s.Hour, s.Minute, 0, 0, s.zone())
	if !at.After(t) {
		at = time.Date(z.Year(), z.Month(), z.Day()+1, s.Hour, s.Minute, 0, 0, s.zone())
	}
	return at
}

// last is a daily job's latest due time at or before t.
func (s Schedule) last(t time.Time) time.Time {
	n := s.Next(t)
	at := time.Date(n.Year(), n.Month(), n.Day()-1, s.Hour, s.Minute, 0, 0, s.zone())
	if at.After(t) { // not after a zone's change of offset
		at = at.AddDate(0, 0, -1)
	}
	return at
}

func (s Schedule) zone() *time.Location {
	if s.Zone == nil {
		return time.UTC
	}
	return s.Zone
}

// Describe says the schedule in Chinese and English.
func (s Schedule) Describe() (zh, en string) {
	if s.Every == 0 {
		at := fmt.Sprintf("%02d:%02d", s.Hour, s.Minute)
		return "每天 " + at, "daily at " + at
	}
	for _, u := range []struct {
		d      time.Duration
		zh, en string
	}{{24 * time.Hour, "天", "day"}, {time.Hour, "小时", "hour"}, {time.Minute, "分钟", "minute"}, {time.Second, "秒", "second"}} {
		if s.Every%u.d == 0 {
			n := int64(s.Every / u.d)
			if n == 1 {
				return "每" + u.zh, "every " + u.en
			}
			return fmt.Sprintf("每 %d %s", n, u.zh), fmt.Sprintf("every %d %ss", n, u.en)
		}
	}
	return "每 " + s.Every.String(), "every " + s.Every.String()
}

func (s Schedule) valid() bool {
	if s.Every != 0 {
		return s.Every >= time.Second && s.Hour == 0 && s.Minute == 0
	}
	return s.Hour >= 0 && s.Hour < 24 && s.Minute >= 0 && s.Minute < 60
}

// Scheduler is the service's list of periodic jobs and what the admin page
// asks of it: how each stands (Status) and a run now (RunNow).
type Scheduler struct {
	Queue *Queue
	Jobs  []Periodic
}

func (s *Scheduler) find(name string) (*Periodic, bool) {
	for i := range s.Jobs {
		if s.Jobs[i].Name == name {
			return &s.Jobs[i], true
		}
	}
	return nil, false
}

// Check reports a declaration that cannot run (Start refuses it).
func (s *Scheduler) Check() error {
	seen := map[string]bool{}
	for _, p := range s.Jobs {
		switch {
		case p.Name == "" || p.ZH == "" || p.EN == "" || p.Run == nil:
			return fmt.Errorf("periodic job %q: a name, both labels and a Run func are required", p.Name)
		case seen[p.Name]:
			return fmt.Errorf("periodic job %q is declared twice", p.Name)
		case !p.When.valid():
			return fmt.Errorf("periodic job %q: invalid schedule %+v", p.Name, p.When)
		}
		seen[p.Name] = true
	}
	return nil
}

// riverJobs are the River periodic jobs of the list.
func (s *Scheduler) riverJobs() []*river.PeriodicJob {
	out := make([]*river.PeriodicJob, len(s.Jobs))
	for i, p := range s.Jobs {
		out[i] = river.NewPeriodicJob(p.When, func() (river.JobArgs, *river.InsertOpts) {
			return periodicArgs{Name: p.Name}, &river.InsertOpts{Queue: periodicQueue, MaxAttempts: periodicAttempts}
		}, &river.PeriodicJobOpts{ID: p.Name, RunOnStart: true})
	}
	return out
}

// periodicAttempts is how often River tries a scheduled run that fails
// (after about 1 s, then 16 s); each try is a run of its own on the page.
const periodicAttempts = 3

// runsKept is how long the record of a run is kept.
const runsKept = 30 * 24 * time.Hour

// RunNow queues a run of the named job at once, for any server to start;
// a run asked for before and not yet ended makes it queue nothing (a double
// click), which queued reports. The request is audited.
func (s *Scheduler) RunNow(ctx context.Context, name string) (queued bool, err error) {
	p, ok := s.find(name)
	if !ok {
		return false, apperr.NotFoundf("定时任务", "periodic job")
	}
	err = s.Queue.DB.Update(ctx, func(tx *db.Tx) error {
		rc, err := s.Queue.river()
		if err != nil {
			return err
		}
		res, err := rc.InsertTx(ctx, tx.SQLTx(), periodicArgs{Name: name, Manual: true}, &river.InsertOpts{Queue: periodicQueue, MaxAttempts: 1,
			UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
				rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}})
		if err != nil || res.UniqueSkippedAsDuplicate {
			return err
		}
		queued = true
		return audit.Record(ctx, tx, audit.Change{Action: "periodic.run_now", ObjectType: "periodic_job", ObjectID: name, NodePath: "/1/",
			Summary: "立即运行定时任务：" + p.ZH})
	})
	if err != nil {
		return false, fmt.Errorf("run %s now: %w", name, err)
	}
	return queued, nil
}

// periodicWorker is River's worker for the runs of periodic jobs.
type periodicWorker struct {
	river.WorkerDefaults[periodicArgs]
	s      *Scheduler
	worker string
	log    *slog.Logger
}

func (w *periodicWorker) Work(ctx context.Context, job *river.Job[periodicArgs]) error {
	p, ok := w.s.find(job.Args.Name)
	if !ok {
		w.log.Warn("periodic job no longer declared: run dropped", "name", job.Args.Name)
		return nil
	}
	ctx = db.WithActor(ctx, db.Actor{Kind: "system", Login: "system"})
	if !job.Args.Manual && p.When.Every == 0 && !job.ScheduledAt.Equal(p.When.last(job.ScheduledAt)) {
		// A daily job enqueued by a new leader runs only if its day's
		// run was missed.
		missed, err := w.s.missed(ctx, p, job.ScheduledAt)
		if err != nil || !missed {
			return err
		}
	}
	return w.s.run(ctx, p, job.Args.Manual, w.worker, w.log)
}

// missed reports whether a daily job has no run, ended well or under way,
// since its last due time before t (a minute earlier, for servers whose
// clocks differ).
func (s *Scheduler) missed(ctx context.Context, p *Periodic, t time.Time) (bool, error) {
	var n int
	err := s.Queue.DB.View(ctx, func(tx *db.Tx) (err error) {
		n, err = tx.Count(ctx, `SELECT count(*) FROM periodic_runs WHERE name = ? AND started_at >= ?
			AND (status = 'ok' OR (status = 'running' AND started_at >= ?))`,
			p.Name, p.When.last(t).Add(-time.Minute), tx.Now.Add(-JobTimeout))
		return err
	})
	return n == 0, err
}

// run runs p once and keeps the record of the run.
func (s *Scheduler) run(ctx context.Context, p *Periodic, manual bool, worker string, log *slog.Logger) error {
	var id int64
	err := s.Queue.DB.Update(ctx, func(tx *db.Tx) (err error) {
		id, err = tx.InsertID(ctx, "INSERT INTO periodic_runs (name, status, manual, worker, started_at) VALUES (?, 'running', ?, ?, ?)",
			p.Name, manual, worker, tx.Now)
		return err
	})
	if err != nil {
		return fmt.Errorf("periodic job %s: record the run: %w", p.Name, err)
	}
	start := time.Now()
	handled, runErr := safeCall(ctx, p.Run)
	status, msg := "ok", ""
	if runErr != nil {
		status, msg = "failed", pii.MaskNumbersIn(runErr.Error())
		log.Warn("periodic job failed", "name", p.Name, "err", runErr)
	} else if handled > 0 {
		log.Info("periodic job", "name", p.Name, "handled", handled, "took", time.Since(start).Round(time.Millisecond))
	}
	// The record is kept even when the run was cut short by a shutdown.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = s.Queue.DB.Update(rctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(rctx, "UPDATE periodic_runs SET status = ?, handled = ?, error = ?, finished_at = ? WHERE id = ?",
			status, handled, msg, tx.Now, id); err != nil {
			return err
		}
		_, err := tx.Exec(rctx, "DELETE FROM periodic_runs WHERE name = ? AND started_at < ?", p.Name, tx.Now.Add(-runsKept))
		return err
	})
	return errors.Join(runErr, err)
}

// safeCall runs fn, turning a panic into an error.
func safeCall(ctx context.Context, fn func(context.Context) (int64, error)) (n int64, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panicked: %v", v)
		}
	}()
	return fn(ctx)
}
