package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

// cliEnv is cli with extra environment variables.
func cliEnv(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv(env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code == -1 {
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// A backup taken while a server runs and points are being posted holds
// every posting acknowledged before the backup began; restored into a new
// folder it checks clean, and the service starts on it.
func TestBackupDuringWritesRestores(t *testing.T) {
	dir := t.TempDir()
	// bench.PointsMembers encrypts with this key; the server remembers its fingerprint.
	key := []string{"ESTATECLUB_KEY=" + strings.Repeat("09", 32)}
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "test"})
	d, msvc, ids := mustPointsClub(t, ctx, filepath.Join(dir, "estateclub.db"), 20)
	startServerEnv(t, key, "--data-dir", dir)

	// A long read (a report, an export) keeps SQLite from moving the new
	// transactions from the write-ahead log into the database file, as
	// happens on a busy server: a copy of the file alone would miss them.
	release, reading := make(chan struct{}), make(chan struct{})
	readDone := make(chan error, 1)
	go func() {
		readDone <- d.View(ctx, func(tx *db.Tx) error {
			_, err := tx.Count(ctx, "SELECT count(*) FROM point_postings")
			close(reading)
			<-release
			return err
		})
	}()
	<-reading

	// A writer posts awards one by one and records each acknowledged one.
	svc := &points.Service{DB: d, Members: msvc}
	var mu sync.Mutex
	var acked []int64 // transaction ids, in order
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	reached := make(chan struct{})
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			tx, err := svc.Post(ctx, points.Entry{MemberID: ids[i%len(ids)], Kind: points.Reward, Amount: int64(1 + i%7),
				Source: points.FromAdjustment, Reason: "备份测试", IdempotencyKey: fmt.Sprint("backup-test-", i)})
			if err != nil {
				writerDone <- err
				return
			}
			mu.Lock()
			acked = append(acked, tx.ID)
			if len(acked) == 200 {
				close(reached)
			}
			mu.Unlock()
		}
	}()
	select {
	case <-reached:
	case err := <-writerDone:
		t.Fatalf("writer: %v", err)
	}
	mu.Lock()
	before := append([]int64(nil), acked...)
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "club.backup")
	out := mustCLI(t, "", "backup", file, "--data-dir", dir)
	if !strings.Contains(out, "backed up") || !strings.Contains(out, "NOT in the backup") || !strings.Contains(out, "ESTATECLUB_KEY") {
		t.Errorf("backup output: %s", out)
	}
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatalf("writer: %v", err)
	}
	close(release)
	if err := <-readDone; err != nil {
		t.Fatalf("long read: %v", err)
	}
	t.Logf("%d postings acknowledged before the backup, %d while it ran, %d in all", len(before), during, len(acked))
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}

	restored := filepath.Join(t.TempDir(), "restored")
	out, errs, code := cliEnv(t, key, "restore", file, "--data-dir", restored)
	if code != 0 {
		t.Fatalf("restore: exit %d\n%s%s", code, out, errs)
	}
	for _, want := range []string{"integrity: ok", "migrations:", "key: fingerprint", "matches", "ok: every balance equals its postings"} {
		if !strings.Contains(out, want) {
			t.Errorf("restore output lacks %q:\n%s", want, out)
		}
	}
	r, err := db.Open(ctx, filepath.Join(restored, "estateclub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var missing []int64
	if err := r.View(ctx, func(tx *db.Tx) error {
		for _, id := range before {
			n, err := tx.Count(ctx, "SELECT count(*) FROM point_postings WHERE transaction_id = ?", id)
			if err != nil {
				return err
			}
			if n != 2 {
				missing = append(missing, id)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d postings acknowledged before the backup are missing from it: %v", len(missing), len(before), missing)
	}
	s := startServerEnv(t, key, "--data-dir", restored)
	newBrowser(t).get(s.URL + "/login")
}

// restore refuses a folder that holds data, refuses a wrong key and then
// leaves the folder as it was, and backup points PostgreSQL to pg_dump.
func TestRestoreRefuses(t *testing.T) {
	dir := t.TempDir()
	key := []string{"ESTATECLUB_KEY=" + strings.Repeat("3c", 32)}
	startServerEnv(t, key, "--data-dir", dir)
	file := filepath.Join(t.TempDir(), "b.db")
	mustCLI(t, "", "backup", file, "--data-dir", dir)
	if _, errs, code := cli(t, "", "backup", file, "--data-dir", dir); code == 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("backup over an existing file: exit %d %s", code, errs)
	}

	if _, errs, code := cliEnv(t, key, "restore", file, "--data-dir", dir); code == 0 || !strings.Contains(errs, "empty data folder") {
		t.Errorf("restore into the live folder: exit %d %s", code, errs)
	}
	other := t.TempDir()
	out, errs, code := cliEnv(t, []string{"ESTATECLUB_KEY=" + strings.Repeat("3d", 32)}, "restore", file, "--data-dir", other)
	if code == 0 || !strings.Contains(errs, "密钥与备份不匹配") {
		t.Errorf("restore with another key: exit %d\n%s%s", code, out, errs)
	}
	if _, errs, code := cli(t, "", "restore", file, "--data-dir", other); code == 0 || !strings.Contains(errs, "未提供密钥") {
		t.Errorf("restore without a key: exit %d %s", code, errs)
	}
	if entries, _ := os.ReadDir(other); len(entries) != 0 {
		t.Errorf("failed restores left %d files, e.g. %s", len(entries), entries[0].Name())
	}
	// The key file copied in beforehand is the key.
	keyFile := filepath.Join(other, "estateclub.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat("3c", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustCLI(t, "", "restore", file, "--data-dir", other); !strings.Contains(out, "matches") {
		t.Errorf("restore with the key file: %s", out)
	}

	pg, x := dbtest.DSN(t, db.Postgres), filepath.Join(t.TempDir(), "x")
	if _, errs, code := cli(t, "", "backup", x, "--db", pg); code == 0 || !strings.Contains(errs, "pg_dump") {
		t.Errorf("backup of PostgreSQL: exit %d %s", code, errs)
	}
	if _, err := os.Stat(x); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("backup of PostgreSQL wrote a file")
	}
}
