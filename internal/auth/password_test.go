package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

func TestChangePassword(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH")
		kept, other := mustLogin(t, f, "alice", password), mustLogin(t, f, "alice", password)
		const next = "N3w-secret-pw"

		for _, tc := range []struct {
			name, current, next, field string
		}{
			{"wrong current password", "Wrong-pass1", next, "current_password"},
			{"empty current password", "", next, "current_password"},
			{"same password", password, password, "new_password"},
			{"weak new password", password, "short1", "password"},
			{"new password without digit", password, "no-digits-here", "password"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := f.Auth.ChangePassword(context.Background(), alice.ID, tc.current, tc.next, kept.IDHash)
				testfix.WantErr(t, err, apperr.Invalid, tc.field)
				mustAuthenticate(t, f, kept.Token)
				mustAuthenticate(t, f, other.Token)
			})
		}
		if n := len(f.Audit(t, audit.Filter{Action: "staff.password"})); n != 0 {
			t.Fatalf("password entries after failures = %d", n)
		}
		if err := f.Auth.ChangePassword(context.Background(), 9999, password, next, ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown staff: %v, want not found", err)
		}

		f.Clock.Advance(time.Hour)
		if err := f.Auth.ChangePassword(context.Background(), alice.ID, password, next, kept.IDHash); err != nil {
			t.Fatal(err)
		}
		mustAuthenticate(t, f, kept.Token)
		if _, _, err := f.Auth.Authenticate(context.Background(), other.Token); !errors.Is(err, auth.ErrSessionExpired) {
			t.Errorf("other session: %v, want ErrSessionExpired", err)
		}
		st, _ := f.Auth.StaffByID(context.Background(), alice.ID)
		if !st.PasswordChangedAt.Equal(f.Clock.Now()) {
			t.Errorf("password_changed_at = %v, want %v", st.PasswordChangedAt, f.Clock.Now())
		}
		if _, _, err := f.Auth.Login(context.Background(), "alice", password, "192.0.2.1", ""); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("old password: %v, want unauthorized", err)
		}
		mustLogin(t, f, "alice", next)
		entries := f.Audit(t, audit.Filter{Action: "staff.password"})
		if len(entries) != 1 || entries[0].NodePath != f.Path("SH") {
			t.Fatalf("password entries = %+v", entries)
		}
		if e := entries[0]; strings.Contains(e.Before+e.After+e.Summary, next) || strings.Contains(e.Before+e.After, "argon2") {
			t.Errorf("audit entry holds the password: %+v", e)
		}
	})
}

func TestSetPassword(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH")
		a, b := mustLogin(t, f, "alice", password), mustLogin(t, f, "alice", password)
		if err := f.Auth.SetPassword(context.Background(), alice.ID, "weak", ""); !apperr.Is(err, apperr.Invalid) || apperr.As(err).Field != "password" {
			t.Errorf("weak password: %v", err)
		}
		if err := f.Auth.SetPassword(context.Background(), 9999, "Str0ng-enough", ""); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown staff: %v, want not found", err)
		}
		mustAuthenticate(t, f, a.Token)
		// An administrator's reset keeps no session of the account.
		if err := f.Auth.SetPassword(context.Background(), alice.ID, "Str0ng-enough", ""); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*auth.Session{a, b} {
			if _, _, err := f.Auth.Authenticate(context.Background(), s.Token); !errors.Is(err, auth.ErrSessionExpired) {
				t.Errorf("session after reset: %v, want ErrSessionExpired", err)
			}
		}
		mustLogin(t, f, "alice", "Str0ng-enough")
	})
}
