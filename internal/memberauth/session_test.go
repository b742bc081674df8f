package memberauth_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

func TestSessionIdleAndMaxAge(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustSendCode(t, f, mobile)
		_, tok := mustSignIn(t, f, mobile, lastCode(t, f, mobile))
		opened := f.Clock.Now()

		// Idle: 30 minutes without a request ends it.
		f.Clock.Advance(29 * time.Minute)
		if _, err := f.svc.Session(context.Background(), tok); err != nil {
			t.Fatalf("at 29 min: %v", err)
		}
		f.Clock.Advance(29 * time.Minute) // 29 min after the last request: still alive
		s, err := f.svc.Session(context.Background(), tok)
		if err != nil || !s.ExpiresAt.Equal(f.Clock.Now().Add(30*time.Minute)) {
			t.Fatalf("sliding: %v %+v", err, s)
		}
		f.Clock.Advance(30 * time.Minute)
		_, err = f.svc.Session(context.Background(), tok)
		testfix.WantErr(t, err, apperr.Unauthorized, "")

		// Absolute: however active, a session ends 7 days after sign-in.
		f.Clock.Advance(time.Minute)
		mustSendCode(t, f, mobile)
		_, tok = mustSignIn(t, f, mobile, lastCode(t, f, mobile))
		opened = f.Clock.Now()
		for f.Clock.Now().Before(opened.Add(7*24*time.Hour - 25*time.Minute)) {
			f.Clock.Advance(25 * time.Minute)
			if _, err := f.svc.Session(context.Background(), tok); err != nil {
				t.Fatalf("active session ended after %v: %v", f.Clock.Now().Sub(opened), err)
			}
		}
		f.Clock.Set(opened.Add(7 * 24 * time.Hour))
		_, err = f.svc.Session(context.Background(), tok)
		testfix.WantErr(t, err, apperr.Unauthorized, "")
		_, err = f.svc.Session(context.Background(), "")
		testfix.WantErr(t, err, apperr.Unauthorized, "")

		// Purge drops ended sessions and codes older than a day.
		sessions, codes, err := f.svc.Purge(context.Background())
		if err != nil || sessions != 2 || codes != 2 {
			t.Fatalf("purge: %v, %d sessions, %d codes", err, sessions, codes)
		}
	})
}

func TestSignOut(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustSendCode(t, f, mobile)
		_, tok := mustSignIn(t, f, mobile, lastCode(t, f, mobile))
		f.Clock.Advance(time.Minute)
		mustSendCode(t, f, mobile)
		_, other := mustSignIn(t, f, mobile, lastCode(t, f, mobile)) // a second device
		if err := f.svc.SignOut(context.Background(), tok); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.Session(context.Background(), tok)
		testfix.WantErr(t, err, apperr.Unauthorized, "")
		if _, err := f.svc.Session(context.Background(), other); err != nil {
			t.Fatalf("the other device was signed out too: %v", err)
		}
		if err := f.svc.SignOut(context.Background(), tok); err != nil {
			t.Fatalf("second sign-out: %v", err)
		}
		if n := testfix.Count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'member.sign_out'"); n != 1 {
			t.Errorf("sign-outs audited: %d", n)
		}
	})
}

// Neither the mobile number nor a usable code is anywhere in the file.
func TestNoPlainMobileInTheFile(t *testing.T) {
	dir := t.TempDir()
	d, err := db.Open(context.Background(), filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := mustFixture(t, d)
	mustMember(t, f, mobile)
	mustSendCode(t, f, mobile)
	_, tok := mustSignIn(t, f, mobile, lastCode(t, f, mobile))
	if _, err := f.svc.Session(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	d.Close()
	seen := false
	for _, name := range []string{"x.db", "x.db-wal"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		seen = seen || bytes.Contains(raw, []byte("验证码"))
		for _, secret := range []string{mobile, tok} {
			if bytes.Contains(raw, []byte(secret)) {
				t.Errorf("%s contains %q in clear", name, secret)
			}
		}
	}
	if !seen {
		t.Fatal("the outbox message is not in the file: the check proves nothing")
	}
}
