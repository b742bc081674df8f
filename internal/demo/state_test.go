package demo

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/pii"
)

// A fill that stops half-way leaves a database that says so: a second
// Seed and a plain Check both give ErrHalfFilled instead of coming up on
// half a club. A database with staff of its own is never touched.
func TestHalfFilledDemoSaysSo(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		keys, _ := pii.NewKeys(bytes.Repeat([]byte{3}, pii.KeySize))
		ctx, cancel := context.WithCancel(context.Background())
		var done []string
		seeded, err := Seed(ctx, d, keys, func(s Step) {
			done = append(done, s.Name)
			cancel() // the process stops after the first step
		})
		if seeded || !errors.Is(err, context.Canceled) || len(done) != 1 {
			t.Fatalf("interrupted Seed = %v, %v after %v", seeded, err, done)
		}
		bg := context.Background()
		var staff int
		if err := d.View(bg, func(tx *db.Tx) (err error) { staff, err = tx.Count(bg, "SELECT count(*) FROM staff"); return err }); err != nil {
			t.Fatal(err)
		}
		if staff != len(Logins) {
			t.Fatalf("%d staff after the first step, want the %d demo logins", staff, len(Logins))
		}
		if seeded, err := Seed(bg, d, keys, nil); seeded || !errors.Is(err, ErrHalfFilled) {
			t.Fatalf("Seed on a half-filled database = %v, %v; want ErrHalfFilled", seeded, err)
		}
		if err := Check(bg, d); !errors.Is(err, ErrHalfFilled) {
			t.Fatalf("Check on a half-filled database = %v", err)
		}
	})
	t.Run("own staff", func(t *testing.T) {
		d := dbtest.Open(t, db.SQLite)
		ctx := context.Background()
		if err := seedOrg(db.WithActor(ctx, db.Actor{Kind: "system", Login: "test"}), d); err != nil {
			t.Fatal(err)
		}
		keys, _ := pii.NewKeys(bytes.Repeat([]byte{3}, pii.KeySize))
		if seeded, err := Seed(ctx, d, keys, nil); seeded || err != nil {
			t.Fatalf("Seed on a database with staff = %v, %v; want nothing done", seeded, err)
		}
		if err := Check(ctx, d); err != nil {
			t.Fatalf("Check on a database with staff: %v", err)
		}
	})
}
