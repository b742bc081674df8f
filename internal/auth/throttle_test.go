package auth_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

const wrong = "Wrong-pass1"

// try logs in from ip and returns the error code, or "" on success.
func try(t *testing.T, f *fixture, login, pw, ip string) apperr.Code {
	t.Helper()
	sess, _, err := f.Auth.Login(context.Background(), login, pw, ip, "")
	if err != nil {
		return apperr.As(err).Code
	}
	if sess == nil {
		t.Fatalf("login %s: no error and no session", login)
	}
	return ""
}

// mustTry logs in and checks the outcome.
func mustTry(t *testing.T, f *fixture, login, pw, ip string, want apperr.Code) {
	t.Helper()
	if got := try(t, f, login, pw, ip); got != want {
		t.Fatalf("login %s at +%v: %q, want %q", login, f.Clock.Now().Sub(testfix.Start), got, want)
	}
}

// mustFailures reads a throttle key's failure count (0 when absent).
func mustFailures(t *testing.T, d *db.DB, key string) int {
	t.Helper()
	return testfix.Count(t, d, "SELECT COALESCE(SUM(failures), 0) FROM login_throttle WHERE key = ?", key)
}

func TestThrottleSlowsThenLocks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH")
		mustStaff(t, f, "bob", "SH")
		const ip = "198.51.100.1"

		for range 4 {
			mustTry(t, f, "alice", wrong, ip, apperr.Unauthorized)
		}
		// Four failures cost nothing yet.
		mustTry(t, f, "alice", wrong, ip, apperr.Unauthorized)
		// From the fifth failure each try waits 1 s, 2 s, 4 s …, even with
		// the right password, and a refused try is not counted.
		mustTry(t, f, "alice", password, ip, apperr.TooMany)
		mustTry(t, f, "alice", wrong, ip, apperr.TooMany)
		if n := mustFailures(t, d, "login:alice"); n != 5 {
			t.Fatalf("failures = %d, want 5", n)
		}
		for failures := 5; failures < 10; failures++ {
			wait := time.Second << (failures - 5)
			f.Clock.Advance(wait - time.Millisecond)
			mustTry(t, f, "alice", wrong, ip, apperr.TooMany)
			f.Clock.Advance(2 * time.Millisecond)
			mustTry(t, f, "alice", wrong, ip, apperr.Unauthorized)
		}
		if n := mustFailures(t, d, "login:alice"); n != 10 {
			t.Fatalf("failures = %d, want 10", n)
		}
		// The tenth failure locks the login for 15 minutes, whatever the
		// password and wherever the try comes from.
		locked := f.Clock.Now()
		mustTry(t, f, "alice", password, ip, apperr.Locked)
		f.Clock.Advance(time.Minute)
		mustTry(t, f, "alice", password, "203.0.113.50", apperr.Locked)
		mustTry(t, f, "alice", wrong, ip, apperr.Locked)
		// Others are not locked out, even from the same address.
		mustTry(t, f, "bob", password, ip, "")
		f.Clock.Set(locked.Add(15*time.Minute - time.Second))
		mustTry(t, f, "alice", password, ip, apperr.Locked)
		f.Clock.Set(locked.Add(15 * time.Minute))
		mustTry(t, f, "alice", password, ip, "")
		if n := testfix.Count(t, d, "SELECT count(*) FROM login_throttle WHERE key = 'login:alice'"); n != 0 {
			t.Errorf("throttle row kept after a successful login")
		}
		// Tries refused by the throttle write no audit entries; failures do.
		if n := len(f.Audit(t, audit.Filter{Action: "auth.login_failed", ObjectID: "alice"})); n != 10 {
			t.Errorf("login_failed entries = %d, want 10", n)
		}
	})
}

func TestThrottleAfterLockStartsAfresh(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH")
		for i := range 10 {
			f.Clock.Advance(time.Minute) // past every wait
			mustTry(t, f, "alice", wrong, "ip-a", apperr.Unauthorized)
			if i == 9 {
				mustTry(t, f, "alice", password, "ip-a", apperr.Locked)
			}
		}
		f.Clock.Advance(15 * time.Minute)
		// After the lock a wrong password counts from one again.
		mustTry(t, f, "alice", wrong, "ip-a", apperr.Unauthorized)
		if n := mustFailures(t, d, "login:alice"); n != 1 {
			t.Errorf("failures after the lock = %d, want 1", n)
		}
		mustTry(t, f, "alice", password, "ip-a", "")
	})
}

func TestSuccessResetsLoginCounter(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH")
		const ip = "198.51.100.2"
		for round := range 3 {
			for range 4 {
				mustTry(t, f, "alice", wrong, ip, apperr.Unauthorized)
			}
			if n := mustFailures(t, d, "login:alice"); n != 4 {
				t.Fatalf("round %d: failures = %d, want 4", round, n)
			}
			// Without the reset the second round would reach the wait.
			mustTry(t, f, "alice", password, ip, "")
			if n := mustFailures(t, d, "login:alice"); n != 0 {
				t.Fatalf("round %d: failures after success = %d, want 0", round, n)
			}
		}
		// The address keeps its count: spraying is counted across logins.
		if n := mustFailures(t, d, "ip:"+ip); n != 12 {
			t.Errorf("address failures = %d, want 12", n)
		}
	})
}

func TestThrottleWindowForgets(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH")
		for range 4 {
			mustTry(t, f, "alice", wrong, "ip-w", apperr.Unauthorized)
		}
		f.Clock.Advance(15*time.Minute + time.Second)
		for range 4 {
			mustTry(t, f, "alice", wrong, "ip-w", apperr.Unauthorized)
		}
		if n := mustFailures(t, d, "login:alice"); n != 4 {
			t.Errorf("failures = %d, want 4 (older ones forgotten)", n)
		}
		mustTry(t, f, "alice", password, "ip-w", "")
	})
}

func TestUnknownLoginIsThrottled(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		for range 5 {
			mustTry(t, f, "Ghost", wrong, "ip-g", apperr.Unauthorized)
		}
		mustTry(t, f, "ghost", wrong, "ip-g", apperr.TooMany)
		if n := mustFailures(t, d, "login:ghost"); n != 5 {
			t.Errorf("failures = %d, want 5", n)
		}
		entries := f.Audit(t, audit.Filter{Action: "auth.login_failed", ObjectID: "ghost"})
		if len(entries) != 5 || entries[0].NodePath != "" || entries[0].IP != "ip-g" || entries[0].ActorLogin != "ghost" {
			t.Errorf("entries = %d, first %+v", len(entries), entries)
		}
		// Creating the account later does not skip the wait.
		mustStaff(t, f, "ghost", "SH")
		mustTry(t, f, "ghost", password, "ip-g", apperr.TooMany)
		f.Clock.Advance(time.Second)
		mustTry(t, f, "ghost", password, "ip-g", "")
	})
}

// One address guessing many logins is slowed after 50 failures.
func TestThrottleByAddress(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH")
		const sprayer = "192.0.2.66"
		for i := range 50 {
			mustTry(t, f, fmt.Sprintf("user%02d", i), wrong, sprayer, apperr.Unauthorized)
		}
		mustTry(t, f, "alice", password, sprayer, apperr.TooMany)
		mustTry(t, f, "alice", password, "192.0.2.67", "")
		f.Clock.Advance(time.Second)
		mustTry(t, f, "alice", password, sprayer, "")
	})
}
