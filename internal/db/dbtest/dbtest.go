// Package dbtest runs a store test on every database engine: a fresh SQLite
// file, and a fresh schema in the PostgreSQL named by ESTATECLUB_TEST_PG.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"estateclub/internal/db"
)

// DefaultPG is the PostgreSQL used by tests when ESTATECLUB_TEST_PG is unset.
const DefaultPG = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PGURL returns the base PostgreSQL URL for tests.
func PGURL() string {
	if u := os.Getenv("ESTATECLUB_TEST_PG"); u != "" {
		return u
	}
	return DefaultPG
}

// InCI reports whether the tests run in CI, where nothing may be skipped.
func InCI() bool { return os.Getenv("CI") == "true" || os.Getenv("CI") == "1" }

var (
	pgOnce sync.Once
	pgErr  error
)

// RequirePostgres fails (in CI) or loudly skips the test when PostgreSQL
// cannot be reached.
func RequirePostgres(t testing.TB) {
	t.Helper()
	pgOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := sql.Open("pgx", PGURL())
		if err == nil {
			err = conn.PingContext(ctx)
			conn.Close()
		}
		pgErr = err
		if err != nil && !InCI() {
			fmt.Fprintf(os.Stderr, "\n!!! PostgreSQL at %s is not reachable (%v):\n!!! PostgreSQL tests are SKIPPED. Start it or set ESTATECLUB_TEST_PG.\n\n", PGURL(), err)
		}
	})
	if pgErr != nil {
		if InCI() {
			t.Fatalf("PostgreSQL at %s is required in CI: %v", PGURL(), pgErr)
		}
		t.Skipf("SKIPPED: PostgreSQL not reachable at %s: %v", PGURL(), pgErr)
	}
}

// Engines lists the engines every store test runs on.
var Engines = []db.Dialect{db.SQLite, db.Postgres}

// Run runs fn once per engine as a subtest, each on a fresh migrated database.
func Run(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t *testing.T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a fresh migrated database of the engine, closed and dropped
// when the test ends.
func Open(t testing.TB, engine db.Dialect) *db.DB {
	t.Helper()
	dsn := DSN(t, engine)
	ctx := context.Background()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open %s: %v", engine, err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", engine, err)
	}
	return d
}

// DSN returns the address of a fresh, empty database of the engine: a file
// in the test's temp dir, or a new PostgreSQL schema dropped at cleanup.
func DSN(t testing.TB, engine db.Dialect) string {
	t.Helper()
	if engine == db.SQLite {
		return filepath.Join(t.TempDir(), "test.db")
	}
	RequirePostgres(t)
	schema := "t_" + randomHex(8)
	admin, err := sql.Open("pgx", PGURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(PGURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
