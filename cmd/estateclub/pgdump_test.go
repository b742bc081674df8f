package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

// newPGDatabase creates an empty UTF-8 database, as the README's createdb
// does, and drops it when the test ends; it returns its URL.
func newPGDatabase(t *testing.T) string {
	t.Helper()
	dbtest.RequirePostgres(t)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "ec_t_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dbtest.PGURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(dbtest.PGURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func mustRunTool(t *testing.T, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if dbtest.InCI() {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("SKIPPED: %s not installed", name)
	}
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// The README's PostgreSQL procedure: pg_dump a running club, pg_restore it
// into a new database, points verify and serve with the same key; without
// the key the restored club is refused.
func TestPostgresDumpRestore(t *testing.T) {
	src := newPGDatabase(t)
	key := []string{"ESTATECLUB_KEY=" + strings.Repeat("09", 32)} // bench.PointsMembers' key
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "test"})
	d, msvc, ids := mustPointsClub(t, ctx, src, 10)
	if _, err := bench.Awards(ctx, &points.Service{DB: d, Members: msvc}, ids, 2, 50, 1, points.Reward); err != nil {
		t.Fatal(err)
	}
	startServerEnv(t, key, "--db", src, "--data-dir", t.TempDir()) // the running club remembers its key

	dump := filepath.Join(t.TempDir(), "club.dump")
	mustRunTool(t, "pg_dump", "-Fc", "-f", dump, src)
	dst := newPGDatabase(t)
	mustRunTool(t, "pg_restore", "--no-owner", "-d", dst, dump)

	out, errs, code := cliEnv(t, nil, "points", "verify", "--db", dst)
	if code != 0 || !regexp.MustCompile(`50 transactions, 100 postings\nok:`).MatchString(out) {
		t.Fatalf("points verify on the restored database: exit %d\n%s%s", code, out, errs)
	}
	s := startServerEnv(t, key, "--db", dst, "--data-dir", t.TempDir())
	newBrowser(t).get(s.URL + "/login")
	if _, errs, code := cliEnv(t, nil, "serve", "--addr", "127.0.0.1:0", "--db", dst, "--data-dir", t.TempDir()); code == 0 || !strings.Contains(errs, "未提供密钥") {
		t.Fatalf("serve on the restored database without its key: exit %d\n%s", code, errs)
	}
}
