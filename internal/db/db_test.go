package db_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

func TestMigrateStartsWithGroupRoot(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		// Migrating again is a no-op.
		if err := d.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		err := d.View(ctx, func(tx *db.Tx) error {
			var kind, code, path string
			var id int64
			if err := tx.QueryRow(ctx, "SELECT id, kind, code, path FROM org_nodes WHERE parent_id IS NULL").Scan(&id, &kind, &code, &path); err != nil {
				return err
			}
			if kind != "group" || code != "GROUP" || path != "/1/" || id != 1 {
				t.Errorf("root = %d %s %s %s", id, kind, code, path)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		err := d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor_kind, actor_login, action, object_type) VALUES (?, 'system', 'system', 'test', 'x')`, tx.Now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{"UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"} {
			err := d.Update(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, stmt)
				return err
			})
			if err == nil {
				t.Errorf("%s: succeeded on an append-only log", stmt)
			}
		}
		var n int
		_ = d.View(ctx, func(tx *db.Tx) (err error) {
			n, err = tx.Count(ctx, "SELECT count(*) FROM audit_log WHERE action = 'test'")
			return err
		})
		if n != 1 {
			t.Errorf("audit rows = %d, want 1", n)
		}
	})
}

func TestRollbackAndUniqueViolation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		sentinel := errors.New("stop")
		err := d.Update(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", "a", "1", tx.Now); err != nil {
				return err
			}
			return sentinel
		})
		if !errors.Is(err, sentinel) {
			t.Fatalf("err = %v", err)
		}
		insert := func() error {
			return d.Update(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", "a", "it's ?", tx.Now)
				return err
			})
		}
		if err := insert(); err != nil {
			t.Fatalf("insert after rollback: %v", err)
		}
		if err := insert(); !db.IsUniqueViolation(err) {
			t.Fatalf("second insert: %v, want unique violation", err)
		}
	})
}

// Concurrent read-then-write transactions must neither fail nor lose updates.
func TestConcurrentReadThenWrite(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		_ = d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES ('n', '0', ?)", tx.Now)
			return err
		})
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- d.Update(ctx, func(tx *db.Tx) error {
					var v int
					if err := tx.QueryRow(ctx, "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'n'"+tx.ForUpdate()).Scan(&v); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, "UPDATE settings SET value = ? WHERE key = 'n'", strconv.Itoa(v+1))
					return err
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		var v int
		_ = d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'n'").Scan(&v)
		})
		if v != 40 {
			t.Errorf("counter = %d, want 40", v)
		}
	})
}

// A panic inside a transaction propagates (and frees the connection)
// instead of hanging on the connection it holds.
func TestPanicInTransactionPropagates(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic did not propagate")
				}
			}()
			_ = d.Update(ctx, func(tx *db.Tx) error {
				if _, err := tx.Exec(ctx, "INSERT INTO org_nodes (parent_id, kind, code, name, path, created_at, updated_at) VALUES (1, 'region', 'PANIC', 'p', '/1/x/', ?, ?)", tx.Now, tx.Now); err != nil {
					t.Error(err)
				}
				panic("boom")
			})
		}()
		// The writer is free again, and the panicked transaction left nothing.
		var n int
		err := d.Update(ctx, func(tx *db.Tx) (err error) {
			n, err = tx.Count(ctx, "SELECT count(*) FROM org_nodes WHERE code = 'PANIC'")
			return err
		})
		if err != nil || n != 0 {
			t.Fatalf("after the panic: %v, %d rows", err, n)
		}
	})
}
