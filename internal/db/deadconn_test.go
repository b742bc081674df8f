package db_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"

	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// pgApp opens a migrated PostgreSQL database whose connections carry an
// application name of their own, and an admin connection that can end them.
type pgApp struct {
	d     *db.DB
	admin *sql.DB
	name  string
}

func openPGApp(t *testing.T) *pgApp {
	t.Helper()
	dsn := dbtest.DSN(t, db.Postgres)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	a := &pgApp{name: "ec_test_" + hex.EncodeToString(b)}
	q := u.Query()
	q.Set("application_name", a.name)
	u.RawQuery = q.Encode()
	ctx := context.Background()
	if a.d, err = db.Open(ctx, u.String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.d.Close() })
	if err := a.d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if a.admin, err = sql.Open("pgx", dbtest.PGURL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.admin.Close() })
	return a
}

// terminate ends the service's backends in state (pg_terminate_backend),
// waits until they are gone, and returns how many there were.
func (a *pgApp) terminate(t *testing.T, state string) int {
	t.Helper()
	ctx := context.Background()
	var n int
	err := a.admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND state = $2`, a.name, state).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	for {
		var left int
		err := a.admin.QueryRowContext(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND state = $2", a.name, state).Scan(&left)
		if err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			return n
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// After the server ends every pooled connection of the service, the next
// transactions (reads and writes) all succeed: the ones that meet a dead
// connection at BEGIN start again on another.
func TestDeadPooledConnectionsAreRetried(t *testing.T) {
	a := openPGApp(t)
	ctx := context.Background()
	var key int
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make(chan error, 60)
		for range 30 {
			key++
			k := "k" + strconv.Itoa(key)
			wg.Go(func() { errs <- putSetting(a.d, ctx, k) })
			wg.Go(func() {
				errs <- a.d.View(ctx, func(tx *db.Tx) error {
					_, err := tx.Count(ctx, "SELECT count(*) FROM settings")
					return err
				})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("round %d: %v", round, err)
			}
		}
		if n := a.terminate(t, "idle"); n == 0 {
			t.Fatalf("round %d: no idle connection to end", round)
		}
	}
	var n int
	if err := a.d.View(ctx, func(tx *db.Tx) (err error) {
		n, err = tx.Count(ctx, "SELECT count(*) FROM settings WHERE key LIKE 'k%'")
		return err
	}); err != nil || n != key {
		t.Errorf("settings written: %d, %v; want %d", n, err, key)
	}
}

// A transaction whose first statement meets a connection that died after
// BEGIN starts again; one that loses its connection after a statement ran
// is not run again (fn may have kept what that statement returned).
func TestDeadConnectionInTransaction(t *testing.T) {
	a := openPGApp(t)
	ctx := context.Background()

	attempts := 0
	err := a.d.Update(ctx, func(tx *db.Tx) error {
		attempts++
		if attempts == 1 {
			a.terminate(t, "idle in transaction")
		}
		_, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('first', 'v', ?)", tx.Now)
		return err
	})
	if err != nil || attempts != 2 {
		t.Errorf("first statement on a dead connection: %v after %d attempts, want success after 2", err, attempts)
	}

	attempts = 0
	err = a.d.Update(ctx, func(tx *db.Tx) error {
		attempts++
		if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('second', 'v', ?)", tx.Now); err != nil {
			return err
		}
		a.terminate(t, "idle in transaction")
		_, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('third', 'v', ?)", tx.Now)
		return err
	})
	if err == nil || attempts != 1 {
		t.Errorf("statement after one that ran, on a dead connection: %v after %d attempts, want a failure after 1", err, attempts)
	}
	var n int
	if err := a.d.View(ctx, func(tx *db.Tx) (err error) {
		n, err = tx.Count(ctx, "SELECT count(*) FROM settings WHERE key IN ('first', 'second', 'third')")
		return err
	}); err != nil || n != 1 {
		t.Errorf("rows kept: %d, %v; want only the first", n, err)
	}
}
