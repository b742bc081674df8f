package db_test

import (
	"context"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// openSQLite opens a migrated SQLite database and returns it with its path.
func openSQLite(t *testing.T) (*db.DB, string) {
	t.Helper()
	path := dbtest.DSN(t, db.SQLite)
	d, err := db.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return d, path
}

func putSetting(d *db.DB, ctx context.Context, key string) error {
	return d.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, 'v', ?)", key, tx.Now)
		return err
	})
}

// While another connection holds SQLite's write lock, a write fails with
// the busy code after the lock wait instead of waiting on; reads go on; the
// check says busy; once the lock is gone, writes work again.
func TestWriteLockHeldElsewhereIsBusy(t *testing.T) {
	d, path := openSQLite(t)
	d.LockWait = 300 * time.Millisecond
	ctx := context.Background()
	release := dbtest.HoldWriteLock(t, path)

	start := time.Now()
	err := within(t, 30*time.Second, func() error { return putSetting(d, ctx, "a") })
	t.Logf("busy after %v (lock wait %v)", time.Since(start), d.LockWait)
	if !apperr.Is(err, apperr.Busy) {
		t.Fatalf("update under a foreign write lock: %v, want busy", err)
	}
	if e := apperr.As(err); e.ZH == "" || e.EN == "" {
		t.Errorf("busy error without messages: %+v", e)
	}
	if err := within(t, 30*time.Second, func() error {
		return d.TryUpdate(ctx, func(tx *db.Tx) error { return nil })
	}); !apperr.Is(err, apperr.Busy) {
		t.Errorf("try update: %v, want busy", err)
	}
	if err := within(t, 30*time.Second, func() error {
		return d.Check(ctx, 100*time.Millisecond)
	}); !apperr.Is(err, apperr.Busy) {
		t.Errorf("check: %v, want busy", err)
	}
	var n int
	err = within(t, 30*time.Second, func() error {
		return d.View(ctx, func(tx *db.Tx) (err error) {
			n, err = tx.Count(ctx, "SELECT count(*) FROM org_nodes")
			return err
		})
	})
	if err != nil || n != 1 {
		t.Errorf("read under a foreign write lock: %v, %d nodes", err, n)
	}

	release()
	if err := putSetting(d, ctx, "b"); err != nil {
		t.Fatalf("update after the lock is gone: %v", err)
	}
	if err := d.Check(ctx, time.Second); err != nil {
		t.Errorf("check after the lock is gone: %v", err)
	}
}

// A write that waits behind a long transaction of this process also gives
// up with busy after the lock wait; a longer wait in its context lets it
// through.
func TestWriterTakenInProcessIsBusy(t *testing.T) {
	d, _ := openSQLite(t)
	d.LockWait = 200 * time.Millisecond
	ctx := context.Background()
	taken, finish := make(chan struct{}), make(chan struct{})
	held := make(chan error, 1)
	go func() {
		held <- d.Update(ctx, func(tx *db.Tx) error {
			close(taken)
			<-finish
			return nil
		})
	}()
	<-taken
	if err := within(t, 30*time.Second, func() error { return putSetting(d, ctx, "a") }); !apperr.Is(err, apperr.Busy) {
		t.Errorf("update behind a long transaction: %v, want busy", err)
	}
	patient := make(chan error, 1)
	go func() { patient <- putSetting(d, db.WithLockWait(ctx, time.Hour), "b") }()
	close(finish)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-patient; err != nil {
		t.Errorf("update with a long lock wait: %v", err)
	}
}
