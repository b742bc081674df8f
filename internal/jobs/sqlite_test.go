package jobs_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/jobs"
)

// syncBuffer is a log a server and a test share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// On SQLite, River writes through a connection of its own beside ours. A
// job that writes in long transactions (an import's batches), River's own
// work (fetching, completing, a periodic job every second) and requests
// writing meanwhile all get through: no request waits past its lock wait,
// and River reports no error.
func TestSQLiteWritersDoNotWedge(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	q := newQueue(t, d)
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	write := func(ctx context.Context, key string, hold time.Duration) error {
		return d.Update(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, 'x', ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value || 'x', updated_at = excluded.updated_at`, key, tx.Now); err != nil {
				return err
			}
			time.Sleep(hold)
			return nil
		})
	}
	const batches = 20
	mustStart(t, jobs.Config{Queue: q, Log: log, Poll: 100 * time.Millisecond,
		Handlers: map[string]jobs.Handler{"import": func(ctx context.Context, _ *jobs.Job, _ []byte, progress func(int64, int64)) (*jobs.Result, error) {
			for i := range batches {
				if err := write(ctx, "test.import", 200*time.Millisecond); err != nil {
					return nil, err
				}
				progress(int64(i+1), batches)
			}
			return &jobs.Result{Summary: "{}"}, nil
		}},
		Schedule: &jobs.Scheduler{Queue: q, Jobs: []jobs.Periodic{{Name: "test.tick", ZH: "测试", EN: "test", When: jobs.Every(time.Second),
			Run: func(ctx context.Context) (int64, error) { return 1, write(ctx, "test.tick", 0) }}}},
	})
	id, err := q.Enqueue(ctx, jobs.New{Kind: "import", Input: []byte("rows")})
	if err != nil {
		t.Fatal(err)
	}
	var worst time.Duration
	n := 0
	for j, _ := q.Get(ctx, id); j.Status != jobs.Done && j.Status != jobs.Failed; j, _ = q.Get(ctx, id) {
		start := time.Now()
		if err := write(ctx, "test.request", 0); err != nil {
			t.Fatalf("a request's write during the import: %v", err)
		}
		worst = max(worst, time.Since(start))
		n++
		time.Sleep(20 * time.Millisecond)
	}
	if j, _ := q.Get(ctx, id); j.Status != jobs.Done {
		t.Fatalf("import: %+v", j)
	}
	t.Logf("%d request writes during the import, the slowest waited %v", n, worst.Round(time.Millisecond))
	if worst > db.DefaultLockWait {
		t.Errorf("a request waited %v for the writer", worst)
	}
	if s := logs.String(); s != "" {
		t.Errorf("warnings while the job ran:\n%s", s)
	}
}
