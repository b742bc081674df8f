package jobs_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/jobs"
)

// mustStart starts a River client, stopped when the test ends.
func mustStart(t *testing.T, cfg jobs.Config) *jobs.Client {
	t.Helper()
	c, err := jobs.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return c
}

// waitStatus waits until job id reaches status.
func waitStatus(t *testing.T, q *jobs.Queue, id int64, status jobs.Status, within time.Duration) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		j, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status == status {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d: %s after %v, want %s: %+v", id, j.Status, within, status, j)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// openTwice opens a fresh migrated database of the engine twice, as two
// servers of one service would.
func openTwice(t *testing.T, engine db.Dialect) (*db.DB, *db.DB) {
	t.Helper()
	dsn := dbtest.DSN(t, engine)
	var out [2]*db.DB
	for i := range out {
		d, err := db.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		if err := d.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		out[i] = d
	}
	return out[0], out[1]
}

// countRows counts the rows of a query.
func countRows(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	err := d.View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.Count(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A server runs the jobs queued on any server, soon after they are queued;
// a job whose handler fails ends failed, once.
func TestClientRunsQueuedJobs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := newQueue(t, d)
		var runs atomic.Int32
		mustStart(t, jobs.Config{Queue: q, Log: quiet(), Poll: 100 * time.Millisecond, Handlers: map[string]jobs.Handler{
			"echo": func(_ context.Context, _ *jobs.Job, in []byte, progress func(int64, int64)) (*jobs.Result, error) {
				runs.Add(1)
				progress(1, 1)
				return &jobs.Result{Summary: `{"ok":true}`, OutputName: "out.txt", Output: in}, nil
			},
			"boom": func(context.Context, *jobs.Job, []byte, func(int64, int64)) (*jobs.Result, error) {
				runs.Add(1)
				return nil, errors.New("坏文件 / bad file")
			}}})
		// A kind this server does not know waits for one that does.
		unknown, err := q.Enqueue(ctx, jobs.New{Kind: "from.a.newer.version"})
		if err != nil {
			t.Fatal(err)
		}
		var worst time.Duration
		for i := range 5 {
			start := time.Now()
			id, err := q.Enqueue(ctx, jobs.New{Kind: "echo", NodePath: "/1/", Input: []byte{byte('a' + i)}, Key: "k" + strconv.Itoa(i)})
			if err != nil {
				t.Fatal(err)
			}
			if again, err := q.Enqueue(ctx, jobs.New{Kind: "echo", NodePath: "/1/", Input: []byte("x"), Key: "k" + strconv.Itoa(i)}); err != nil || again != id {
				t.Fatalf("second enqueue under one key: %d %v", again, err)
			}
			j := waitStatus(t, q, id, jobs.Done, 30*time.Second)
			worst = max(worst, time.Since(start))
			if j.Attempts != 1 || j.Result != `{"ok":true}` || !j.HasOutput() {
				t.Fatalf("job %d: %+v", id, j)
			}
		}
		t.Logf("enqueue to done, the slowest of 5: %v", worst.Round(time.Millisecond))
		bad, _ := q.Enqueue(ctx, jobs.New{Kind: "boom", NodePath: "/1/"})
		if j := waitStatus(t, q, bad, jobs.Failed, 30*time.Second); j.Attempts != 1 || !strings.Contains(j.Error, "bad file") {
			t.Fatalf("failing job: %+v", j)
		}
		time.Sleep(500 * time.Millisecond) // River would retry it by now
		if n := runs.Load(); n != 6 {
			t.Fatalf("handlers ran %d times, want 6", n)
		}
		if n := countRows(t, d, "SELECT count(*) FROM river_job WHERE kind = 'job'"); n != 7 {
			t.Fatalf("%d River jobs for 7 jobs", n)
		}
		if j, err := q.Get(ctx, unknown); err != nil || j.Status != jobs.Queued || j.Attempts != 0 {
			t.Fatalf("a job of an unknown kind: %+v %v", j, err)
		}
		if n := countRows(t, d, "SELECT count(*) FROM river_job WHERE kind = 'job' AND state NOT IN ('completed', 'discarded', 'cancelled')"); n != 1 {
			t.Fatalf("%d River jobs wait to try again, want 1", n)
		}
	})
}

// A job whose server stops beating is taken over by another server once
// its heartbeat is StaleAfter old; the first server's late finish changes
// nothing.
func TestDeadServersJobIsTakenOver(t *testing.T) {
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			da, db2 := openTwice(t, engine)
			ctx := context.Background()
			qa, qb := newQueue(t, da), newQueue(t, db2)
			id, err := qa.Enqueue(ctx, jobs.New{Kind: "import", Input: []byte("rows")})
			if err != nil {
				t.Fatal(err)
			}
			started, block := make(chan struct{}), make(chan struct{})
			// Server A beats only when it takes the job: to B it has died.
			mustStart(t, jobs.Config{Queue: qa, Worker: "server-a", Log: quiet(), Poll: 100 * time.Millisecond, Heartbeat: time.Hour,
				Handlers: map[string]jobs.Handler{"import": func(context.Context, *jobs.Job, []byte, func(int64, int64)) (*jobs.Result, error) {
					close(started)
					<-block
					return &jobs.Result{Summary: `{"server":"a"}`}, nil
				}}})
			t.Cleanup(func() { close(block) }) // before A stops
			<-started
			took := time.Now()
			const stale = time.Second
			mustStart(t, jobs.Config{Queue: qb, Worker: "server-b", Log: quiet(), Poll: 100 * time.Millisecond, StaleAfter: stale, Sweep: 200 * time.Millisecond,
				Handlers: map[string]jobs.Handler{"import": func(_ context.Context, _ *jobs.Job, in []byte, _ func(int64, int64)) (*jobs.Result, error) {
					return &jobs.Result{Summary: `{"server":"b","input":"` + string(in) + `"}`}, nil
				}}})
			j := waitStatus(t, qb, id, jobs.Done, 30*time.Second)
			t.Logf("taken over %v after A took it (heartbeat stale after %v)", time.Since(took).Round(time.Millisecond), stale)
			if j.Attempts != 2 || j.Result != `{"server":"b","input":"rows"}` {
				t.Fatalf("after takeover: %+v", j)
			}
		})
	}
}

// A job queued before River (by a server of the earlier version) gets its
// River job when a server starts, and runs; a job that has one gets no
// second.
func TestStartAdoptsJobsQueuedBeforeRiver(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := newQueue(t, d)
		withRiver, err := q.Enqueue(ctx, jobs.New{Kind: "echo"})
		if err != nil {
			t.Fatal(err)
		}
		var before int64
		err = d.Update(ctx, func(tx *db.Tx) (err error) {
			before, err = tx.InsertID(ctx, "INSERT INTO jobs (kind, status, params, created_at) VALUES ('echo', 'queued', '{}', ?)", tx.Now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var runs atomic.Int32
		mustStart(t, jobs.Config{Queue: q, Log: quiet(), Poll: 100 * time.Millisecond, Handlers: map[string]jobs.Handler{
			"echo": func(context.Context, *jobs.Job, []byte, func(int64, int64)) (*jobs.Result, error) {
				runs.Add(1)
				return &jobs.Result{Summary: "{}"}, nil
			}}})
		for _, id := range []int64{withRiver, before} {
			if j := waitStatus(t, q, id, jobs.Done, 30*time.Second); j.Attempts != 1 {
				t.Fatalf("job %d: %+v", id, j)
			}
		}
		if n := countRows(t, d, "SELECT count(*) FROM river_job WHERE kind = 'job'"); n != 2 || runs.Load() != 2 {
			t.Fatalf("%d River jobs, %d runs for 2 jobs", n, runs.Load())
		}
	})
}
