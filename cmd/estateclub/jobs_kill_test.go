package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/filestore"
	"estateclub/internal/jobs"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// A server killed (kill -9) in the middle of a member import leaves the job
// running; the server started after it on the same host takes the job back
// at once and completes it: every member is imported exactly once.
func TestImportSurvivesKilledServer(t *testing.T) {
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			dir, dsn, args := engineStore(t, engine)
			key := strings.Repeat("cd", 32)
			env := []string{pii.EnvVar + "=" + key}
			mustCLI(t, "", append([]string{"org", "add", "--parent", "GROUP", "--kind", "region", "--code", "EAST", "--name", "华东"}, args...)...)
			mustCLI(t, "", append([]string{"org", "add", "--parent", "EAST", "--kind", "city", "--code", "HZ", "--name", "杭州"}, args...)...)
			first := startServerEnv(t, env, args...)

			ctx := context.Background()
			d, err := db.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			keys, _, err := pii.LoadKeysFor(key, dir, "")
			if err != nil {
				t.Fatal(err)
			}
			q := &jobs.Queue{DB: d, Files: &filestore.Store{DB: d, Keys: keys}}
			const rows = 20000
			var csv strings.Builder
			csv.WriteString("姓名,手机号\n")
			names := []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊"}
			for i := range rows {
				fmt.Fprintf(&csv, "%s,139%08d\n", names[i%len(names)], i)
			}
			id, err := q.Enqueue(ctx, jobs.New{Kind: "member_import", NodePath: "/", FileName: "members.csv",
				Params: `{"org":"HZ","login":"test"}`, Input: []byte(csv.String())})
			if err != nil {
				t.Fatal(err)
			}
			// Kill the server once the import has written a batch.
			j := waitJob(t, q, id, func(j *jobs.Job) bool { return j.Status == jobs.Running && j.Done > 0 })
			if err := first.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = first.cmd.Wait()
			if j, _ = q.Get(ctx, id); j.Status != jobs.Running || j.Done >= rows {
				t.Fatalf("the import was not under way when the server died: %+v", j)
			}
			killedAt := j.Done
			restarted := time.Now()
			startServerEnv(t, env, args...)
			j = waitJob(t, q, id, func(j *jobs.Job) bool { return j.Status != jobs.Running && j.Status != jobs.Queued })
			t.Logf("%s: killed at row %d of %d; the restarted server finished the import %v after it started",
				engine, killedAt, rows, time.Since(restarted).Round(time.Millisecond))
			if j.Status != jobs.Done || j.Attempts != 2 || !strings.Contains(j.Result, `"failed":0`) || j.HasOutput() {
				t.Fatalf("after the restart: %+v", j)
			}
			var members, distinct int
			err = d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, "SELECT count(*), count(DISTINCT mobile_idx) FROM members").Scan(&members, &distinct)
			})
			if err != nil || members != rows || distinct != rows {
				t.Fatalf("%d members (%d mobiles) after importing %d rows: %v", members, distinct, rows, err)
			}
		})
	}
}

// A server killed (kill -9) in the middle of a year-end points expiry run
// leaves the job running; the server started after it completes the run,
// and every account expires exactly once: a later run finds everything
// expired and points verify agrees.
func TestPointsExpirySurvivesKilledServer(t *testing.T) {
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			dir, dsn, args := engineStore(t, engine)
			ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "test"})
			const members = 6000
			d, msvc, ids := mustPointsClub(t, ctx, dsn, members)
			svc := &points.Service{DB: d, Members: msvc}
			d.Clock = func() time.Time { return time.Now().AddDate(-3, 0, 0) }
			if _, err := bench.Awards(ctx, svc, ids, 4, members, 1, points.Reward); err != nil {
				t.Fatal(err)
			}
			d.Clock = time.Now
			var accounts int
			var total int64
			if err := d.View(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, "SELECT count(*), COALESCE(SUM(balance), 0) FROM point_accounts WHERE kind = 'reward' AND member_id IS NOT NULL AND balance > 0").Scan(&accounts, &total)
			}); err != nil || accounts < members/2 {
				t.Fatalf("%d reward accounts before the run: %v", accounts, err)
			}
			year := time.Now().In(time.FixedZone("CST", 8*3600)).Year() - 1
			key := strings.Repeat("09", 32)
			env := []string{pii.EnvVar + "=" + key}
			first := startServerEnv(t, env, args...)
			keys, _, err := pii.LoadKeysFor(key, dir, "")
			if err != nil {
				t.Fatal(err)
			}
			q := &jobs.Queue{DB: d, Files: &filestore.Store{DB: d, Keys: keys}}
			id, err := q.Enqueue(ctx, jobs.New{Kind: points.ExpiryJobKind, NodePath: "/", FileName: "年末结转", Params: fmt.Sprintf(`{"year":%d}`, year)})
			if err != nil {
				t.Fatal(err)
			}
			j := waitJob(t, q, id, func(j *jobs.Job) bool { return j.Status == jobs.Running && j.Done > 0 })
			if err := first.cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			_ = first.cmd.Wait()
			if j, _ = q.Get(ctx, id); j.Status != jobs.Running || j.Done >= j.Total {
				t.Fatalf("the run was not under way when the server died: %+v", j)
			}
			killedAt := j.Done
			startServerEnv(t, env, args...)
			j = waitJob(t, q, id, func(j *jobs.Job) bool { return j.Status != jobs.Running && j.Status != jobs.Queued })
			t.Logf("%s: killed after %d of %d accounts", engine, killedAt, j.Total)
			if j.Status != jobs.Done || j.Attempts != 2 {
				t.Fatalf("after the restart: %+v", j)
			}
			out := mustCLI(t, "", append([]string{"points", "expire", "--year", strconv.Itoa(year)}, args...)...)
			if want := fmt.Sprintf("%d accounts, %d points expired by earlier runs", accounts, total); !strings.Contains(out, "expired 0 points") || !strings.Contains(out, want) {
				t.Fatalf("a run after the job: %q, want %q", out, want)
			}
			if out := mustCLI(t, "", append([]string{"points", "verify"}, args...)...); !strings.Contains(out, "ok: every balance equals its postings") {
				t.Fatalf("verify: %s", out)
			}
		})
	}
}

// waitJob waits up to two minutes for job id to satisfy ok.
func waitJob(t *testing.T, q *jobs.Queue, id int64, ok func(*jobs.Job) bool) *jobs.Job {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		j, err := q.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d: %+v", id, j)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// engineStore is a fresh data folder (dir) and, on PostgreSQL, a fresh database:
// the store's DSN and the flags that point a command at it.
func engineStore(t *testing.T, engine db.Dialect) (dir, dsn string, args []string) {
	dir = t.TempDir()
	dsn = filepath.Join(dir, "estateclub.db")
	args = []string{"--data-dir", dir}
	if engine == db.Postgres {
		dsn = dbtest.DSN(t, db.Postgres)
		args = append(args, "--db", dsn)
	}
	return dir, dsn, args
}
