package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"estateclub/internal/db"
)

// Config says what a server's Client runs; zero durations take the
// defaults (tests shorten them).
type Config struct {
	Queue    *Queue
	Handlers map[string]Handler // the console jobs, by kind
	Schedule *Scheduler         // the periodic jobs; nil: none
	// Worker names this process, River's client id: LocalWorker().
	Worker string
	Log    *slog.Logger

	StaleAfter time.Duration // DefaultStaleAfter
	Heartbeat  time.Duration // DefaultHeartbeat
	// Sweep is how often the server looks for jobs of stopped servers
	// (their heartbeat stale) to hand back: DefaultSweep.
	Sweep time.Duration
	// Poll is how often River looks for new jobs: River's 1 s, at least 100 ms.
	Poll time.Duration
}

// DefaultSweep is how often a server looks for stale jobs to hand back.
const DefaultSweep = 15 * time.Second

// River's limits. A periodic job may run JobTimeout; River hands back a
// River job still running after RescueAfter (its server stopped), which
// must be longer. Console jobs have no time limit: their heartbeat tells
// when their server stopped, much sooner.
const (
	JobTimeout  = 10 * time.Minute
	RescueAfter = JobTimeout + 5*time.Minute
)

// Client runs a server's share of the jobs on River: the console jobs,
// one at a time, and the periodic jobs when River elects this server
// leader (one server enqueues each run).
type Client struct {
	cfg   Config
	river *riverClient
	pool  *sql.DB // SQLite: River's own connection
	stop  context.CancelFunc
	swept chan struct{}
}

// Start hands back the jobs this host's stopped processes left running
// (DeadLocal), queues a River job for any queued job without one, and
// starts River and the sweep for other servers' stale jobs.
func Start(ctx context.Context, cfg Config) (*Client, error) {
	cfg.StaleAfter = cmp.Or(cfg.StaleAfter, DefaultStaleAfter)
	cfg.Heartbeat = cmp.Or(cfg.Heartbeat, DefaultHeartbeat)
	cfg.Sweep = cmp.Or(cfg.Sweep, DefaultSweep)
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Worker == "" {
		cfg.Worker = LocalWorker()
	}
	q := cfg.Queue
	if cfg.Schedule != nil {
		if err := cfg.Schedule.Check(); err != nil {
			return nil, err
		}
	}
	if n, err := q.Reclaim(ctx, DeadLocal(cfg.Worker)); err != nil {
		return nil, err
	} else if n > 0 {
		cfg.Log.Info("jobs: took back the unfinished jobs of a stopped server", "jobs", n)
	}
	if n, err := q.adopt(ctx); err != nil {
		return nil, err
	} else if n > 0 {
		cfg.Log.Info("jobs: queued on River the jobs queued before it", "jobs", n)
	}
	// SQLite: River writes through a connection of its own, which waits
	// for ours (and ours for it) as another process's would.
	pool, err := q.DB.OpenWriterPool(1, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c := &Client{cfg: cfg}
	if pool != q.DB.SQL() {
		c.pool = pool
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &recordWorker{e: &executor{q: q, worker: cfg.Worker, handlers: cfg.Handlers, log: cfg.Log,
		staleAfter: cfg.StaleAfter, heartbeat: cfg.Heartbeat}})
	rc := &river.Config{
		ID:                   cfg.Worker,
		Logger:               slog.New(quietHandler{cfg.Log.Handler()}),
		Workers:              workers,
		Queues:               map[string]river.QueueConfig{recordQueue: {MaxWorkers: 1}, periodicQueue: {MaxWorkers: 1}},
		FetchPollInterval:    cfg.Poll,
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueAfter,
	}
	if s := cfg.Schedule; s != nil {
		river.AddWorker(workers, &periodicWorker{s: s, worker: cfg.Worker, log: cfg.Log})
		rc.PeriodicJobs = s.riverJobs()
	}
	if c.river, err = river.NewClient(driverFor(q.DB, pool), rc); err != nil {
		c.closePool()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	if err := c.river.Start(ctx); err != nil {
		c.closePool()
		return nil, fmt.Errorf("jobs: start River: %w", err)
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	c.stop, c.swept = stop, make(chan struct{})
	go c.sweep(sctx)
	return c, nil
}

// Stop stops the client: running jobs are cancelled and go back to the
// queue at once, for another server or the next start.
func (c *Client) Stop(ctx context.Context) error {
	c.stop()
	<-c.swept
	err := c.river.StopAndCancel(ctx)
	if err != nil {
		err = fmt.Errorf("jobs: stop River: %w", err)
	}
	return errors.Join(err, c.closePool())
}

func (c *Client) closePool() error {
	if c.pool == nil {
		return nil
	}
	return c.pool.Close()
}

// sweep hands back, every Sweep, the jobs of servers that stopped beating.
func (c *Client) sweep(ctx context.Context) {
	defer close(c.swept)
	t := time.NewTicker(c.cfg.Sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := c.cfg.Queue.ReclaimStale(db.WithLockWait(ctx, c.cfg.Sweep), c.cfg.StaleAfter)
		if err != nil && ctx.Err() == nil {
			c.cfg.Log.Warn("jobs: sweep for stale jobs", "err", err)
		} else if n > 0 {
			c.cfg.Log.Info("jobs: took over the jobs of a server that stopped", "jobs", n)
		}
	}
}

// recordWorker is River's worker for console jobs.
type recordWorker struct {
	river.WorkerDefaults[recordArgs]
	e *executor
}

// Work runs the record; a record that ended, or runs on a live server,
// needs nothing. Handler errors end the record (failed), not River's job.
func (w *recordWorker) Work(ctx context.Context, job *river.Job[recordArgs]) error {
	_, err := w.e.run(ctx, job.Args.Record)
	return err
}

// Timeout: a console job runs as long as it needs (its heartbeat shows
// that its server lives).
func (w *recordWorker) Timeout(*river.Job[recordArgs]) time.Duration { return -1 }

// quietHandler passes River's warnings and errors on, not its chatter.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h quietHandler) WithAttrs(a []slog.Attr) slog.Handler {
	return quietHandler{h.Handler.WithAttrs(a)}
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}
