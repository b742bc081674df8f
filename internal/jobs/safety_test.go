package jobs_test

import (
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/jobs"
)

// storedFiles counts the files in the file store by role.
func storedFiles(t *testing.T, d *db.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	err := d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT role, count(*) FROM stored_files GROUP BY role")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var role string
			var n int
			if err := rows.Scan(&role, &n); err != nil {
				return err
			}
			out[role] = n
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A job whose server stops while running it three times fails for good,
// with a reason, and its upload is deleted.
func TestAttemptLimit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		q := newQueue(t, d)
		id, err := q.Enqueue(ctx, jobs.New{Kind: "import", Input: []byte("姓名,手机号\n张三,13800138000\n")})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= jobs.MaxAttempts; i++ {
			worker := "dead-" + string(rune('0'+i))
			unblock := crashed(t, q, worker, "import")
			defer unblock()
			n, err := q.Reclaim(ctx, func(w string) bool { return w == worker })
			if err != nil || n != 1 {
				t.Fatalf("attempt %d: reclaimed %d, %v", i, n, err)
			}
		}
		ran := 0
		healthy := &jobs.Runner{Queue: q, Worker: "healthy", Log: quiet(), Handlers: map[string]jobs.Handler{
			"import": func(context.Context, *jobs.Job, []byte, func(int64, int64)) (*jobs.Result, error) {
				ran++
				return &jobs.Result{Summary: "{}"}, nil
			}}}
		for range 2 {
			if got, err := healthy.RunOne(ctx, []string{"import"}); got || err != nil {
				t.Fatalf("ran a job past its attempts: %v %v", got, err)
			}
		}
		j, _ := q.Get(ctx, id)
		if j.Status != jobs.Failed || ran != 0 || !strings.Contains(j.Error, "stopped after 3 attempts") || !strings.Contains(j.Error, "3 次") {
			t.Fatalf("after %d attempts: %+v (handler ran %d times)", jobs.MaxAttempts, j, ran)
		}
		if f := storedFiles(t, d); f["job.input"] != 0 {
			t.Fatalf("the upload of a failed job is kept: %v", f)
		}
	})
}

// A server that stops while running a job on shutdown hands it back
// without counting the attempt.
func TestShutdownReleasesTheJob(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		q := newQueue(t, d)
		id, _ := q.Enqueue(context.Background(), jobs.New{Kind: "import", Input: []byte("x")})
		ctx, cancel := context.WithCancel(context.Background())
		r := &jobs.Runner{Queue: q, Worker: "w", Log: quiet(), Handlers: map[string]jobs.Handler{
			"import": func(ctx context.Context, _ *jobs.Job, _ []byte, _ func(int64, int64)) (*jobs.Result, error) {
				cancel()
				return nil, ctx.Err()
			}}}
		if ran, err := r.RunOne(ctx, []string{"import"}); !ran || err != nil {
			t.Fatalf("RunOne: %v %v", ran, err)
		}
		j, _ := q.Get(context.Background(), id)
		if j.Status != jobs.Queued || j.Attempts != 0 {
			t.Fatalf("after shutdown: %+v", j)
		}
		if f := storedFiles(t, d); f["job.input"] != 1 {
			t.Fatalf("the upload of a queued job is gone: %v", f)
		}
	})
}

// deadPID is the id of a process that has ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skipf("cannot run a child process: %v", err)
	}
	return cmd.Process.Pid
}

func TestDeadLocal(t *testing.T) {
	self := jobs.LocalWorker()
	host, _ := os.Hostname()
	dead := jobs.DeadLocal(self)
	pidOf := func(pid int) string { return host + ":" + strconv.Itoa(pid) + ":abcd" }
	for _, c := range []struct {
		worker string
		want   bool
	}{
		{self, false},
		{pidOf(os.Getpid()), true},   // this process id, an earlier run
		{pidOf(deadPID(t)), true},    // a process of this host that ended
		{pidOf(os.Getppid()), false}, // a process that runs
		{"elsewhere:" + strconv.Itoa(deadPID(t)) + ":abcd", false},
		{"w1", false},
		{"", false},
	} {
		if got := dead(c.worker); got != c.want {
			t.Errorf("dead(%q) = %v, want %v", c.worker, got, c.want)
		}
	}
}

// A restarted server takes back the jobs its previous run left running at
// once, without waiting for their heartbeat to go stale (the clock stands
// still), and runs them on River.
func TestRestartTakesBackItsJobs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now()
		d.Clock = func() time.Time { return now }
		q := newQueue(t, d)
		id, _ := q.Enqueue(ctx, jobs.New{Kind: "import", Input: []byte("data")})
		host, _ := os.Hostname()
		before := host + ":" + strconv.Itoa(deadPID(t)) + ":0001"
		defer crashed(t, q, before, "import")()
		got := make(chan []byte, 1)
		start := time.Now()
		mustStart(t, jobs.Config{Queue: q, Worker: jobs.LocalWorker(), Log: quiet(), Poll: 100 * time.Millisecond,
			Handlers: map[string]jobs.Handler{"import": func(_ context.Context, _ *jobs.Job, in []byte, _ func(int64, int64)) (*jobs.Result, error) {
				got <- in
				return &jobs.Result{Summary: "{}"}, nil
			}}})
		j := waitStatus(t, q, id, jobs.Done, 30*time.Second)
		t.Logf("taken back and done %v after the start", time.Since(start).Round(time.Millisecond))
		if j.Attempts != 2 || string(<-got) != "data" {
			t.Fatalf("after restart: %+v", j)
		}
	})
}

// The input goes when the job ends; the output stays for the retention
// period the admin sets, then goes; every download is audited.
func TestFilesRetentionAndDownloadAudit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "admin"})
		now := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)
		d.Clock = func() time.Time { return now }
		q := newQueue(t, d)
		if days, err := q.RetentionDays(ctx); err != nil || days != jobs.DefaultRetentionDays {
			t.Fatalf("default retention %d %v", days, err)
		}
		okID, _ := q.Enqueue(ctx, jobs.New{Kind: "echo", NodePath: "/1/", Input: []byte("13800138000")})
		badID, _ := q.Enqueue(ctx, jobs.New{Kind: "boom", NodePath: "/1/", Input: []byte("13900139000")})
		r := &jobs.Runner{Queue: q, Worker: "w", Log: quiet(), Handlers: map[string]jobs.Handler{
			"echo": func(_ context.Context, _ *jobs.Job, in []byte, _ func(int64, int64)) (*jobs.Result, error) {
				return &jobs.Result{Summary: "{}", OutputName: "report.xlsx", Output: append([]byte("错误: "), in...)}, nil
			},
			"boom": func(context.Context, *jobs.Job, []byte, func(int64, int64)) (*jobs.Result, error) {
				return nil, apperr.Field("file", "坏文件", "bad file")
			}}}
		for range 2 {
			if _, err := r.RunOne(ctx, []string{"echo", "boom"}); err != nil {
				t.Fatal(err)
			}
		}
		if f := storedFiles(t, d); f["job.input"] != 0 || f["job.output"] != 1 {
			t.Fatalf("files after the jobs ended: %v", f)
		}
		if j, _ := q.Get(ctx, badID); j.Status != jobs.Failed {
			t.Fatalf("failing job: %+v", j)
		}
		_, rd, err := q.Output(ctx, okID)
		if err != nil || rd.Size() != int64(len("错误: 13800138000")) {
			t.Fatalf("output: %v", err)
		}
		entries, _, err := audit.List(ctx, d, audit.Filter{Action: "job.output.download", Unscoped: true})
		if err != nil || len(entries) != 1 || entries[0].ObjectID != strconv.Itoa(int(okID)) || entries[0].ActorLogin != "admin" {
			t.Fatalf("download audit: %+v %v", entries, err)
		}
		if e := entries[0]; strings.Contains(e.Summary+e.After, "13800138000") || !strings.Contains(e.Summary, "report.xlsx") {
			t.Fatalf("audit entry: %+v", e)
		}
		if err := q.SetRetentionDays(ctx, 0); apperr.As(err).Code != apperr.Invalid {
			t.Fatalf("0 days: %v", err)
		}
		if err := q.SetRetentionDays(ctx, 3); err != nil {
			t.Fatal(err)
		}
		now = now.Add(2 * 24 * time.Hour)
		if p, err := q.Purge(ctx); err != nil || p.Outputs != 0 {
			t.Fatalf("purged within the retention period: %+v %v", p, err)
		}
		now = now.Add(25 * time.Hour)
		if p, err := q.Purge(ctx); err != nil || p.Outputs != 1 {
			t.Fatalf("purge after the retention period: %+v %v", p, err)
		}
		if f := storedFiles(t, d); len(f) != 0 {
			t.Fatalf("files left: %v", f)
		}
		j, _ := q.Get(ctx, okID)
		if j.HasOutput() || !j.OutputExpired() {
			t.Fatalf("purged job: %+v", j)
		}
		if _, _, err := q.Output(ctx, okID); apperr.As(err).Code != apperr.NotFound {
			t.Fatalf("purged output: %v", err)
		}
	})
}
