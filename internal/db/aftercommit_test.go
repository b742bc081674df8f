package db_test

import (
	"context"
	"errors"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// AfterCommit work runs once the transaction has committed, never after a
// rollback, and may write in a transaction of its own (SQLite's one
// writer is free again).
func TestAfterCommit(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var ran []string
		err := d.Update(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", "aftercommit.a", "1", tx.Now); err != nil {
				return err
			}
			tx.AfterCommit(func() {
				err := d.Update(ctx, func(tx *db.Tx) error {
					n, err := tx.Count(ctx, "SELECT count(*) FROM settings WHERE key = ?", "aftercommit.a")
					if err == nil && n != 1 {
						err = errors.New("the committed row is not visible")
					}
					return err
				})
				if err != nil {
					t.Error(err)
				}
				ran = append(ran, "a")
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = d.Update(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(func() { ran = append(ran, "b") })
			return errors.New("roll back")
		})
		if err == nil {
			t.Fatal("no error")
		}
		if len(ran) != 1 || ran[0] != "a" {
			t.Fatalf("ran %v, want [a]", ran)
		}
	})
}
