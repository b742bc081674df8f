package jobs_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/filestore"
	"estateclub/internal/jobs"
	"estateclub/internal/pii"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newQueue is a queue whose files are sealed with a test key.
func newQueue(t *testing.T, d *db.DB) *jobs.Queue {
	t.Helper()
	keys, err := pii.NewKeys(bytes.Repeat([]byte{9}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return &jobs.Queue{DB: d, Files: &filestore.Store{DB: d, Keys: keys}}
}

func TestRunJobs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := newQueue(t, d)
		okID, err := q.Enqueue(ctx, jobs.New{Kind: "echo", NodePath: "/1/", FileName: "a.txt", Input: []byte("你好")})
		if err != nil {
			t.Fatal(err)
		}
		badID, _ := q.Enqueue(ctx, jobs.New{Kind: "boom", NodePath: "/1/"})
		r := &jobs.Runner{Queue: q, Worker: "w1", Log: quiet(), Handlers: map[string]jobs.Handler{
			"echo": func(ctx context.Context, j *jobs.Job, in []byte, progress func(done, total int64)) (*jobs.Result, error) {
				progress(1, 2)
				return &jobs.Result{Summary: `{"n":1}`, OutputName: "out.txt", Output: append([]byte("回声:"), in...)}, nil
			},
			"boom": func(context.Context, *jobs.Job, []byte, func(int64, int64)) (*jobs.Result, error) {
				panic("kaboom at 110101199003071234")
			},
		}}
		for range 2 {
			if ran, err := r.RunOne(ctx, []string{"echo", "boom"}); !ran || err != nil {
				t.Fatalf("RunOne: %v %v", ran, err)
			}
		}
		if ran, _ := r.RunOne(ctx, []string{"echo", "boom"}); ran {
			t.Fatal("ran a job twice")
		}
		j, _ := q.Get(ctx, okID)
		if j.Status != jobs.Done || j.Percent() != 100 || j.Result != `{"n":1}` {
			t.Fatalf("done job: %+v", j)
		}
		name, rd, err := q.Output(ctx, okID)
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(rd)
		if err != nil || name != "out.txt" || string(out) != "回声:你好" {
			t.Fatalf("output %q %q %v", name, out, err)
		}
		j, _ = q.Get(ctx, badID)
		if j.Status != jobs.Failed || !strings.Contains(j.Error, "kaboom at 110***********1234") {
			t.Fatalf("panicking job: %+v", j)
		}
		list, err := q.List(ctx, "echo", []string{"/1/"}, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %v %d", err, len(list))
		}
		if list, _ := q.List(ctx, "echo", []string{"/9/"}, 10); len(list) != 0 {
			t.Fatal("list ignores scope")
		}
	})
}

// crashed starts a job on a runner whose handler never returns, as if its
// server had stopped in the middle, and waits until the job runs. The
// returned func lets the handler return (once the test is over).
func crashed(t *testing.T, q *jobs.Queue, worker string, kind string) func() {
	t.Helper()
	block := make(chan struct{})
	started := make(chan int64, 1)
	r := &jobs.Runner{Queue: q, Worker: worker, Log: quiet(), Handlers: map[string]jobs.Handler{
		kind: func(ctx context.Context, j *jobs.Job, _ []byte, progress func(int64, int64)) (*jobs.Result, error) {
			progress(5, 10)
			started <- j.ID
			<-block
			return &jobs.Result{Summary: `{"late":true}`}, nil
		}}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if ran, err := r.RunOne(context.Background(), []string{kind}); !ran || err != nil {
			t.Errorf("crashing runner %s: %v %v", worker, ran, err)
		}
	}()
	select {
	case <-started:
	case <-done:
		t.Fatalf("runner %s ran nothing", worker)
	}
	return func() { close(block); <-done }
}

// A job whose server died is taken over by another once its heartbeat is stale.
func TestStaleJobIsTakenOver(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		d.Clock = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		q := newQueue(t, d)
		id, _ := q.Enqueue(ctx, jobs.New{Kind: "import"})
		unblock := crashed(t, q, "dead", "import")
		h := func(ctx context.Context, j *jobs.Job, _ []byte, progress func(int64, int64)) (*jobs.Result, error) {
			return &jobs.Result{Summary: "{}"}, nil
		}
		second := &jobs.Runner{Queue: q, Worker: "alive", Log: quiet(), Handlers: map[string]jobs.Handler{"import": h}}
		if ran, _ := second.RunOne(ctx, []string{"import"}); ran {
			t.Fatal("took over a job whose heartbeat is fresh")
		}
		mu.Lock()
		now = now.Add(3 * time.Minute)
		mu.Unlock()
		if ran, err := second.RunOne(ctx, []string{"import"}); !ran || err != nil {
			t.Fatalf("stale job not taken over: %v", err)
		}
		unblock() // the first server's late finish changes nothing
		j, _ := q.Get(ctx, id)
		if j.Status != jobs.Done || j.Attempts != 2 || j.Result != "{}" {
			t.Fatalf("after takeover: %+v", j)
		}
	})
}

// Two servers polling at once never run the same job.
func TestConcurrentRunnersRunEachJobOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := newQueue(t, d)
		const n = 20
		for range n {
			if _, err := q.Enqueue(ctx, jobs.New{Kind: "count"}); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var total atomic.Int64
		h := func(_ context.Context, j *jobs.Job, _ []byte, _ func(int64, int64)) (*jobs.Result, error) {
			mu.Lock()
			seen[j.ID]++
			mu.Unlock()
			total.Add(1)
			return &jobs.Result{Summary: "{}"}, nil
		}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &jobs.Runner{Queue: q, Worker: string(rune('a' + w)), Log: quiet(), Handlers: map[string]jobs.Handler{"count": h}}
				for {
					ran, err := r.RunOne(ctx, []string{"count"})
					if err != nil && !errors.Is(err, context.Canceled) {
						t.Error(err)
						return
					}
					if !ran {
						return
					}
				}
			}()
		}
		wg.Wait()
		if total.Load() != n || len(seen) != n {
			t.Fatalf("ran %d times over %d jobs, want %d", total.Load(), len(seen), n)
		}
	})
}
