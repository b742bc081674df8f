package auth_test

import (
	"context"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/testfix"
)

// password passes the policy; every test account starts with it.
const password = testfix.Password

// fixture is testfix's tree with an auth service and a clock that only
// moves when told.
type fixture struct{ *testfix.Env }

func mustFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	return &fixture{testfix.New(t, d, testfix.WithClock(testfix.Start))}
}

// mustStaff creates an account at home with the password and grants.
func mustStaff(t *testing.T, f *fixture, login, home string, grants ...auth.NewGrant) *auth.Staff {
	t.Helper()
	return f.NewStaff(t, auth.NewStaff{Login: login, NodeCode: home, Grants: grants})
}

func grant(r auth.Role, node string) auth.NewGrant { return auth.NewGrant{Role: r, NodeCode: node} }

// mustLogin signs in and checks the session it gets.
func mustLogin(t *testing.T, f *fixture, login, pw string) *auth.Session {
	t.Helper()
	sess, st, err := f.Auth.Login(context.Background(), login, pw, "192.0.2.1", "test-agent")
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	if sess.Token == "" || sess.IDHash != auth.HashToken(sess.Token) || sess.StaffID != st.ID || sess.CSRFToken == "" {
		t.Fatalf("session = %+v for staff %d", sess, st.ID)
	}
	return sess
}

// mustAuthenticate resolves a session token that must be valid.
func mustAuthenticate(t *testing.T, f *fixture, token string) (*auth.Principal, *auth.Session) {
	t.Helper()
	p, sess, err := f.Auth.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("authenticate at %v: %v", f.Clock.Now(), err)
	}
	return p, sess
}

// mustToken makes an API token and returns its raw value.
func mustToken(t *testing.T, f *fixture, staffID int64, ttl time.Duration) (string, *auth.Token) {
	t.Helper()
	raw, tok, err := f.Auth.CreateToken(context.Background(), staffID, "test", ttl)
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return raw, tok
}

// mustPrincipal resolves a staff member's principal through a new token.
func mustPrincipal(t *testing.T, f *fixture, staffID int64) *auth.Principal {
	t.Helper()
	raw, _ := mustToken(t, f, staffID, 0)
	p, err := f.Auth.AuthenticateToken(context.Background(), raw)
	if err != nil {
		t.Fatalf("authenticate token: %v", err)
	}
	return p
}
