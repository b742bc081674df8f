package auth_test

import (
	"context"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// tokenLastUsed reads a token's last use.
func tokenLastUsed(t *testing.T, f *fixture, staffID int64) *time.Time {
	t.Helper()
	list, err := f.Auth.ListTokens(context.Background(), staffID)
	if err != nil || len(list) != 1 {
		t.Fatalf("tokens: %v, %d", err, len(list))
	}
	return list[0].LastUsedAt
}

// A token's last use is written at most once per TokenUseGranularity.
func TestTokenLastUseIsCoarse(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH", grant(auth.CitySupervisor, "SH"))
		raw, _ := mustToken(t, f, alice.ID, 0)
		ctx := context.Background()
		first := f.Clock.Now()
		for _, step := range []struct {
			advance time.Duration
			moves   bool
		}{{0, true}, {auth.TokenUseGranularity / 2, false}, {auth.TokenUseGranularity / 2, false}, {time.Second, true}} {
			f.Clock.Advance(step.advance)
			if _, err := f.Auth.AuthenticateToken(ctx, raw); err != nil {
				t.Fatal(err)
			}
			used := tokenLastUsed(t, f, alice.ID)
			if step.moves {
				first = f.Clock.Now()
			}
			if used == nil || !used.Equal(first) {
				t.Errorf("at %v: last used %v, want %v", f.Clock.Now(), used, first)
			}
		}
	})
}

// While another connection holds SQLite's write lock, signing in with a
// token or a session cookie answers without waiting for the writer (even
// with an hour's lock wait) and leaves the last use for a later request.
func TestSignInDoesNotWaitForTheWriter(t *testing.T) {
	path := dbtest.DSN(t, db.SQLite)
	ctx := context.Background()
	d, err := db.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	d.LockWait = time.Hour
	f := mustFixture(t, d)
	alice := mustStaff(t, f, "alice", "SH", grant(auth.CitySupervisor, "SH"))
	raw, _ := mustToken(t, f, alice.ID, 0)
	sess := mustLogin(t, f, "alice", password)
	f.Clock.Advance(time.Hour)

	release := dbtest.HoldWriteLock(t, path)
	done := make(chan error, 2)
	go func() {
		_, err := f.Auth.AuthenticateToken(ctx, raw)
		done <- err
	}()
	go func() {
		_, _, err := f.Auth.Authenticate(ctx, sess.Token)
		done <- err
	}()
	for range 2 {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sign in under a foreign write lock: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("signing in waits for the writer")
		}
	}
	if used := tokenLastUsed(t, f, alice.ID); used != nil {
		t.Errorf("last use written under the lock: %v", used)
	}

	release()
	if _, err := f.Auth.AuthenticateToken(ctx, raw); err != nil {
		t.Fatal(err)
	}
	if used := tokenLastUsed(t, f, alice.ID); used == nil || !used.Equal(f.Clock.Now()) {
		t.Errorf("last use after the lock: %v, want %v", used, f.Clock.Now())
	}
	_, s2 := mustAuthenticate(t, f, sess.Token)
	if !s2.ExpiresAt.After(f.Clock.Now()) {
		t.Errorf("session expiry %v did not slide past %v", s2.ExpiresAt, f.Clock.Now())
	}
}
