package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// hugeBlob asks SQLite for more memory than a connection may have, which
// the SQLite driver answers with a panic in the middle of the statement.
const hugeBlob = 400_000_000

// A panic of the SQLite driver in the middle of a statement (out of memory)
// ends the transaction with an error and leaves the writer, and the read
// pool, usable: database/sql alone would keep a lock that the rollback
// waits for forever.
func TestDriverPanicReleasesTheWriter(t *testing.T) {
	d := dbtest.Open(t, db.SQLite)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		run  func(ctx context.Context, fn func(tx *db.Tx) error) error
		stmt func(tx *db.Tx) error
	}{
		{"update query", d.Update, func(tx *db.Tx) error {
			var n int64
			return tx.QueryRow(ctx, "SELECT length(randomblob(?))", hugeBlob).Scan(&n)
		}},
		{"update exec after a write", d.Update, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('lost', 'x', ?)", tx.Now); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('big', CAST(randomblob(?) AS TEXT), ?)", hugeBlob, tx.Now)
			return err
		}},
		{"update rows", d.Update, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, "SELECT length(randomblob(?)) FROM org_nodes", hugeBlob)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
			}
			return rows.Err()
		}},
		{"view query", d.View, func(tx *db.Tx) error {
			var n int64
			return tx.QueryRow(ctx, "SELECT length(randomblob(?))", hugeBlob).Scan(&n)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := within(t, 30*time.Second, func() error { return c.run(ctx, c.stmt) })
			var pe *db.DriverPanicError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want the driver's panic as an error", err)
			}
			mustWriteAndRead(t, d)
		})
	}
}

// A panic of fn itself propagates, and the writer is usable afterwards,
// even when fn held rows open.
func TestPanicWithOpenRowsReleasesTheWriter(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_ = within(t, 30*time.Second, func() (err error) {
			defer func() {
				if recover() == nil {
					t.Error("the panic did not propagate")
				}
			}()
			return d.Update(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('lost', 'x', ?)", tx.Now); err != nil {
					return err
				}
				rows, err := tx.Query(ctx, "SELECT id FROM org_nodes")
				if err != nil {
					return err
				}
				rows.Next()
				panic("boom")
			})
		})
		mustWriteAndRead(t, d)
	})
}

// within runs fn and fails the test if it does not return in time (a hang
// is the failure looked for; the bound is generous).
func within(t *testing.T, limit time.Duration, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		t.Fatalf("still running after %v: the transaction hangs", limit)
		return nil
	}
}

// mustWriteAndRead commits a write and reads it back, and checks that
// nothing of a transaction that failed was kept.
func mustWriteAndRead(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	err := within(t, 30*time.Second, func() error {
		return d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('after', 'ok', ?) ON CONFLICT (key) DO UPDATE SET value = 'ok'", tx.Now)
			return err
		})
	})
	if err != nil {
		t.Fatalf("write after the failure: %v", err)
	}
	var after, lost int
	err = d.View(ctx, func(tx *db.Tx) (err error) {
		if after, err = tx.Count(ctx, "SELECT count(*) FROM settings WHERE key = 'after'"); err != nil {
			return err
		}
		lost, err = tx.Count(ctx, "SELECT count(*) FROM settings WHERE key IN ('lost', 'big')")
		return err
	})
	if err != nil || after != 1 || lost != 0 {
		t.Fatalf("read after the failure: %v; %d rows written, %d kept from the failed transaction", err, after, lost)
	}
}
