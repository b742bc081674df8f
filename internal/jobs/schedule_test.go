package jobs_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/jobs"
)

func TestScheduleNextAndDescribe(t *testing.T) {
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	daily := jobs.Daily(3, 30, shanghai)
	for _, c := range []struct {
		s      jobs.Schedule
		from   time.Time
		next   time.Time
		zh, en string
	}{
		{daily, at("2026-12-05 01:00:00"), at("2026-12-05 03:30:00"), "每天 03:30", "daily at 03:30"},
		{daily, at("2026-12-05 03:30:00"), at("2026-12-06 03:30:00"), "每天 03:30", "daily at 03:30"},
		{daily, at("2026-12-31 23:59:00"), at("2027-01-01 03:30:00"), "每天 03:30", "daily at 03:30"},
		{jobs.Every(10 * time.Minute), at("2026-12-05 01:00:00"), at("2026-12-05 01:10:00"), "每 10 分钟", "every 10 minutes"},
		{jobs.Every(time.Hour), at("2026-12-05 01:00:00"), at("2026-12-05 02:00:00"), "每小时", "every hour"},
		{jobs.Every(90 * time.Second), at("2026-12-05 01:00:00"), at("2026-12-05 01:01:30"), "每 90 秒", "every 90 seconds"},
	} {
		if got := c.s.Next(c.from); !got.Equal(c.next) {
			t.Errorf("%+v from %v: next %v, want %v", c.s, c.from, got, c.next)
		}
		if zh, en := c.s.Describe(); zh != c.zh || en != c.en {
			t.Errorf("%+v: %q %q", c.s, zh, en)
		}
	}
}

// runLog records the runs of a periodic job.
type runLog struct {
	mu    sync.Mutex
	times []time.Time
}

func (l *runLog) add() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.times = append(l.times, time.Now())
}

func (l *runLog) snapshot() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Time(nil), l.times...)
}

// A periodic job declared once runs once per period with two servers on
// one PostgreSQL database (River's leader enqueues it), and goes on when
// the leader stops.
func TestPeriodicRunsOncePerPeriodOnTwoServers(t *testing.T) {
	da, dbb := openTwice(t, db.Postgres)
	var log runLog
	tick := jobs.Periodic{Name: "test.tick", ZH: "测试", EN: "test", When: jobs.Every(time.Second),
		Run: func(context.Context) (int64, error) { log.add(); return 1, nil }}
	clients := map[string]*jobs.Client{}
	for _, s := range []struct {
		name string
		d    *db.DB
	}{{"server-a", da}, {"server-b", dbb}} {
		q := newQueue(t, s.d)
		clients[s.name] = mustStart(t, jobs.Config{Queue: q, Worker: s.name, Log: quiet(), Poll: 100 * time.Millisecond,
			Schedule: &jobs.Scheduler{Queue: q, Jobs: []jobs.Periodic{tick}}})
	}
	// Once a leader is elected (it enqueues a run at once), 5.5 s more.
	deadline := time.Now().Add(30 * time.Second)
	for countRows(t, da, "SELECT count(*) FROM river_job WHERE kind = 'periodic'") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no leader enqueued a run in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(5500 * time.Millisecond)
	// Each run is enqueued once, a period after the one before it (the
	// leader's first when it is elected), and runs once.
	var due []time.Time
	if err := da.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT scheduled_at FROM river_job WHERE kind = 'periodic' ORDER BY scheduled_at")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var at time.Time
			if err := rows.Scan(&at); err != nil {
				return err
			}
			due = append(due, at)
		}
		return rows.Err()
	}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(due); i++ {
		if gap := due[i].Sub(due[i-1]); gap < 900*time.Millisecond {
			t.Fatalf("runs %d and %d due only %v apart: %v", i-1, i, gap, due)
		}
	}
	if len(due) < 5 || len(due) > 8 {
		t.Fatalf("%d runs enqueued in 5.5 s after the first", len(due))
	}
	deadline = time.Now().Add(30 * time.Second)
	for countRows(t, da, "SELECT count(*) FROM periodic_runs WHERE name = 'test.tick' AND status = 'ok' AND handled = 1") < len(due) {
		if time.Now().After(deadline) {
			t.Fatalf("fewer runs recorded than the %d enqueued", len(due))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if runs := log.snapshot(); len(runs) < len(due) || len(runs) > len(due)+1 { // +1: enqueued since
		t.Fatalf("%d runs of %d enqueued", len(runs), len(due))
	}
	// The leader stops; the other server carries on.
	var leader string
	if err := da.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT leader_id FROM river_leader").Scan(&leader)
	}); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := clients[leader].Stop(ctx); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(30 * time.Second)
	for countRows(t, dbb, "SELECT count(*) FROM river_job WHERE kind = 'periodic' AND created_at > ?", stopped) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no run enqueued in 30 s after the leader %s stopped", leader)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d runs in the first 5.5 s; leader %s stopped, the next run enqueued %v later", len(due), leader, time.Since(stopped).Round(100*time.Millisecond))
}

// Run now is safe on a double click, audited, and shows on the status with
// the failures of the job.
func TestRunNowAndStatus(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "admin"})
		q := newQueue(t, d)
		var calls atomic.Int32
		s := &jobs.Scheduler{Queue: q, Jobs: []jobs.Periodic{
			{Name: "test.flaky", ZH: "时好时坏", EN: "flaky", When: jobs.Every(time.Hour), Run: func(context.Context) (int64, error) {
				if calls.Add(1) == 1 {
					return 0, errors.New("数据库忙 / database busy: 13812345678")
				}
				return 7, nil
			}},
			{Name: "test.daily", ZH: "每日", EN: "daily", When: jobs.Daily(4, 0, time.UTC), Run: func(context.Context) (int64, error) { return 0, nil }},
		}}
		if _, err := s.RunNow(ctx, "test.nothing"); apperr.As(err).Code != apperr.NotFound {
			t.Fatalf("run an unknown job: %v", err)
		}
		for i, want := range []bool{true, false} {
			if queued, err := s.RunNow(ctx, "test.flaky"); err != nil || queued != want {
				t.Fatalf("click %d: %v %v", i+1, queued, err)
			}
		}
		st, err := s.Status(ctx)
		if err != nil || len(st) != 2 || !st[0].Waiting || st[0].Last != nil || st[1].Waiting {
			t.Fatalf("status before any run: %+v %v", st, err)
		}
		entries, _, err := audit.List(ctx, d, audit.Filter{Action: "periodic.run_now", Unscoped: true})
		if err != nil || len(entries) != 1 || entries[0].ActorLogin != "admin" || entries[0].ObjectID != "test.flaky" {
			t.Fatalf("audit: %+v %v", entries, err)
		}
		// The leader's start run and the one asked for: one fails, one works.
		mustStart(t, jobs.Config{Queue: q, Log: quiet(), Poll: 100 * time.Millisecond, Schedule: s})
		deadline := time.Now().Add(30 * time.Second)
		for countRows(t, d, "SELECT count(*) FROM periodic_runs WHERE name = 'test.flaky' AND status <> 'running'") < 2 ||
			countRows(t, d, "SELECT count(*) FROM periodic_runs WHERE name = 'test.daily' AND status <> 'running'") < 1 {
			if time.Now().After(deadline) {
				t.Fatal("the runs did not end")
			}
			time.Sleep(20 * time.Millisecond)
		}
		st, err = s.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f := st[0]
		if f.Waiting || f.Last == nil || f.Last.Status != jobs.RunOK || f.Last.Handled != 7 || f.Failures != 1 || f.LastFailure == nil ||
			f.LastFailure.Error != "数据库忙 / database busy: 138****5678" || !f.Next.After(time.Now().Add(50*time.Minute)) {
			t.Fatalf("flaky after its runs: %+v last %+v failure %+v", f, f.Last, f.LastFailure)
		}
		var manual int
		_ = d.View(ctx, func(tx *db.Tx) (err error) {
			manual, err = tx.Count(ctx, "SELECT count(*) FROM periodic_runs WHERE name = 'test.flaky' AND manual")
			return err
		})
		if manual != 1 {
			t.Fatalf("%d runs by hand, want 1", manual)
		}
		if queued, err := s.RunNow(ctx, "test.flaky"); err != nil || !queued {
			t.Fatalf("run now after the last ended: %v %v", queued, err)
		}
		// A daily job runs when the leader starts, as its day's run is missing.
		daily := st[1]
		if daily.Last == nil || daily.Last.Status != jobs.RunOK || daily.Next.Hour() != 4 {
			t.Fatalf("daily: %+v %+v", daily, daily.Last)
		}
	})
}

// A daily job runs once a day: a leader that starts after the day's run
// does not run it again, one that starts after a missed run does.
func TestDailyJobCatchesUpOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		q := newQueue(t, d)
		var runs atomic.Int32
		now := time.Now().UTC()
		// Due a minute ago today (or, just after midnight, yesterday).
		due := now.Add(-time.Minute)
		s := &jobs.Scheduler{Queue: q, Jobs: []jobs.Periodic{{Name: "test.daily", ZH: "每日", EN: "daily",
			When: jobs.Daily(due.Hour(), due.Minute(), time.UTC), Run: func(context.Context) (int64, error) { runs.Add(1); return 1, nil }}}}
		waitPeriodicJobs := func(n int) {
			t.Helper()
			deadline := time.Now().Add(30 * time.Second)
			for countRows(t, d, "SELECT count(*) FROM river_job WHERE kind = 'periodic' AND state = 'completed'") < n {
				if time.Now().After(deadline) {
					t.Fatalf("fewer than %d periodic River jobs completed", n)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		for start := 1; start <= 2; start++ {
			t0 := time.Now()
			c, err := jobs.Start(context.Background(), jobs.Config{Queue: q, Log: quiet(), Poll: 100 * time.Millisecond, Schedule: s})
			if err != nil {
				t.Fatal(err)
			}
			waitPeriodicJobs(start)
			t1 := time.Now()
			if err := c.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			t.Logf("start %d: run after %v, stopped in %v", start, t1.Sub(t0), time.Since(t1))
			if n := runs.Load(); n != 1 {
				t.Fatalf("start %d: the daily job ran %d times", start, n)
			}
		}
	})
}
