package auth_test

import (
	"context"
	"errors"
	"strconv"
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

func TestLoginAndAuthenticate(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH", grant(auth.CitySpecialist, "SH"))
		ctx := db.WithActor(context.Background(), db.Actor{RequestID: "req-42"})
		sess, st, err := f.Auth.Login(ctx, " Alice ", password, "198.51.100.7", strings.Repeat("x", 300))
		if err != nil {
			t.Fatal(err)
		}
		if st.ID != alice.ID || sess.StaffID != alice.ID || sess.Token == "" || sess.IDHash != auth.HashToken(sess.Token) || sess.CSRFToken == "" {
			t.Fatalf("session = %+v, staff = %+v", sess, st)
		}
		if !sess.CreatedAt.Equal(f.Clock.Now()) || !sess.ExpiresAt.Equal(f.Clock.Now().Add(f.Auth.IdleTimeout)) {
			t.Errorf("session times = %v … %v; want from %v for %v", sess.CreatedAt, sess.ExpiresAt, f.Clock.Now(), f.Auth.IdleTimeout)
		}
		// Only the hash of the cookie value is stored.
		var idHash, csrf, ip, agent string
		err = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), "SELECT id_hash, csrf_token, ip, user_agent FROM sessions WHERE staff_id = ?", alice.ID).
				Scan(&idHash, &csrf, &ip, &agent)
		})
		if err != nil {
			t.Fatal(err)
		}
		if idHash != sess.IDHash || csrf != sess.CSRFToken || ip != "198.51.100.7" || len(agent) != 255 {
			t.Errorf("stored session = %s %s %s (%d bytes of agent)", idHash, csrf, ip, len(agent))
		}
		if strings.Contains(idHash+csrf+ip+agent, sess.Token) {
			t.Errorf("the raw session token is stored")
		}

		p, got := mustAuthenticate(t, f, sess.Token)
		if p.Staff.ID != alice.ID || p.Staff.Login != "alice" || len(p.Grants) != 1 || p.Grants[0].Role != auth.CitySpecialist {
			t.Errorf("principal = %+v", p)
		}
		if got.CSRFToken != sess.CSRFToken || got.StaffID != alice.ID || got.IDHash != sess.IDHash {
			t.Errorf("authenticated session = %+v", got)
		}

		entries := f.Audit(t, audit.Filter{Action: "auth.login"})
		if len(entries) != 1 {
			t.Fatalf("auth.login entries = %d", len(entries))
		}
		e := entries[0]
		if e.ActorID == nil || *e.ActorID != alice.ID || e.ActorLogin != "alice" || e.IP != "198.51.100.7" || e.RequestID != "req-42" || e.NodePath != f.Path("SH") {
			t.Errorf("login entry = %+v", e)
		}

		// A second login is a second session.
		second := mustLogin(t, f, "alice", password)
		if second.Token == sess.Token || second.CSRFToken == sess.CSRFToken {
			t.Errorf("sessions share secrets")
		}
		if n := testfix.Count(t, d, "SELECT count(*) FROM sessions WHERE staff_id = ?", alice.ID); n != 2 {
			t.Errorf("sessions = %d, want 2", n)
		}
	})
}

func TestLoginFailures(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH")
		gone := mustStaff(t, f, "gone", "HZ")
		no := false
		if _, err := f.Auth.UpdateStaff(context.Background(), gone.ID, auth.StaffUpdate{Active: &no}); err != nil {
			t.Fatal(err)
		}
		var badLogin error
		for _, tc := range []struct {
			name, login, pw string
			code            apperr.Code
		}{
			{"wrong password", "alice", "Wrong-pass1", apperr.Unauthorized},
			{"password in other case", "alice", strings.ToUpper(password), apperr.Unauthorized},
			{"empty password", "alice", "", apperr.Unauthorized},
			{"unknown login", "nobody", password, apperr.Unauthorized},
			{"disabled account, wrong password", "gone", "Wrong-pass1", apperr.Unauthorized},
			{"disabled account, right password", "gone", password, apperr.Forbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				auditBefore := len(f.Audit(t, audit.Filter{Action: "auth.login_failed", ObjectID: tc.login}))
				sess, st, err := f.Auth.Login(context.Background(), tc.login, tc.pw, "203.0.113.9", "")
				testfix.WantErr(t, err, tc.code, "")
				if sess != nil || st != nil {
					t.Errorf("got a session or staff with a failed login")
				}
				// Wrong login and wrong password must read the same.
				if tc.code == apperr.Unauthorized {
					if badLogin == nil {
						badLogin = err
					} else if err.Error() != badLogin.Error() {
						t.Errorf("error %q differs from %q: it tells logins apart", err, badLogin)
					}
				}
				after := f.Audit(t, audit.Filter{Action: "auth.login_failed", ObjectID: tc.login})
				if len(after) != auditBefore+1 {
					t.Errorf("login_failed entries = %d, want %d", len(after), auditBefore+1)
				}
				if n := testfix.Count(t, d, "SELECT count(*) FROM sessions"); n != 0 {
					t.Errorf("sessions = %d, want 0", n)
				}
			})
		}
	})
}

func TestAuthenticateRejects(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH")
		sess := mustLogin(t, f, "alice", password)
		for _, tc := range []struct {
			name, token string
			want        error
		}{
			{"no cookie", "", auth.ErrNotSignedIn},
			{"unknown token", "not-a-session", auth.ErrSessionExpired},
			{"the stored hash", sess.IDHash, auth.ErrSessionExpired},
			{"the CSRF token", sess.CSRFToken, auth.ErrSessionExpired},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, s, err := f.Auth.Authenticate(context.Background(), tc.token)
				if !errors.Is(err, tc.want) || p != nil || s != nil {
					t.Errorf("= %v, %v, %v; want %v", p, s, err, tc.want)
				}
				if !apperr.Is(err, apperr.Unauthorized) {
					t.Errorf("code = %s, want unauthorized", apperr.As(err).Code)
				}
			})
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.Auth.IdleTimeout = 30 * time.Minute
		f.Auth.MaxAge = 2 * time.Hour
		mustStaff(t, f, "alice", "SH")

		t.Run("idle", func(t *testing.T) {
			sess := mustLogin(t, f, "alice", password)
			f.Clock.Advance(29 * time.Minute)
			_, s := mustAuthenticate(t, f, sess.Token)
			if !s.ExpiresAt.Equal(f.Clock.Now().Add(30 * time.Minute)) {
				t.Errorf("expiry after use = %v, want %v", s.ExpiresAt, f.Clock.Now().Add(30*time.Minute))
			}
			// Use slides the expiry: 58 minutes after login, 29 after last use.
			f.Clock.Advance(29 * time.Minute)
			mustAuthenticate(t, f, sess.Token)
			f.Clock.Advance(30*time.Minute - time.Second)
			mustAuthenticate(t, f, sess.Token)
			f.Clock.Advance(30 * time.Minute)
			if _, _, err := f.Auth.Authenticate(context.Background(), sess.Token); !errors.Is(err, auth.ErrSessionExpired) {
				t.Errorf("after 30 idle minutes: %v, want ErrSessionExpired", err)
			}
		})

		t.Run("idle exactly", func(t *testing.T) {
			sess := mustLogin(t, f, "alice", password)
			f.Clock.Advance(30 * time.Minute)
			if _, _, err := f.Auth.Authenticate(context.Background(), sess.Token); !errors.Is(err, auth.ErrSessionExpired) {
				t.Errorf("at the idle limit: %v, want ErrSessionExpired", err)
			}
		})

		t.Run("max age", func(t *testing.T) {
			sess := mustLogin(t, f, "alice", password)
			login := f.Clock.Now()
			for range 5 { // used every 20 minutes, never idle
				f.Clock.Advance(20 * time.Minute)
				_, s := mustAuthenticate(t, f, sess.Token)
				want := f.Clock.Now().Add(30 * time.Minute)
				if hard := login.Add(2 * time.Hour); hard.Before(want) {
					want = hard
				}
				if !s.ExpiresAt.Equal(want) {
					t.Errorf("at %v: expiry %v, want %v", f.Clock.Now().Sub(login), s.ExpiresAt, want)
				}
			}
			f.Clock.Advance(19 * time.Minute) // 1h59m after login
			mustAuthenticate(t, f, sess.Token)
			f.Clock.Advance(time.Minute) // 2h after login
			if _, _, err := f.Auth.Authenticate(context.Background(), sess.Token); !errors.Is(err, auth.ErrSessionExpired) {
				t.Errorf("at max age: %v, want ErrSessionExpired", err)
			}
		})

		t.Run("purge", func(t *testing.T) {
			old := mustLogin(t, f, "alice", password)
			f.Clock.Advance(20 * time.Minute)
			fresh := mustLogin(t, f, "alice", password)
			f.Clock.Advance(10 * time.Minute) // old is idle for 30 minutes, fresh for 10
			before := testfix.Count(t, d, "SELECT count(*) FROM sessions")
			n, err := f.Auth.PurgeSessions(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if after := testfix.Count(t, d, "SELECT count(*) FROM sessions"); n < 1 || after != before-int(n) || after != 1 {
				t.Errorf("purged %d of %d, %d left; want only the live session left", n, before, after)
			}
			if n := testfix.Count(t, d, "SELECT count(*) FROM sessions WHERE id_hash = ?", old.IDHash); n != 0 {
				t.Errorf("ended session kept")
			}
			mustAuthenticate(t, f, fresh.Token)
		})
	})
}

func TestLogout(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH")
		a := mustLogin(t, f, "alice", password)
		b := mustLogin(t, f, "alice", password)
		_, sess := mustAuthenticate(t, f, a.Token)
		if err := f.Auth.Logout(context.Background(), sess); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.Auth.Authenticate(context.Background(), a.Token); !errors.Is(err, auth.ErrSessionExpired) {
			t.Errorf("after logout: %v, want ErrSessionExpired", err)
		}
		mustAuthenticate(t, f, b.Token)
		if n := len(f.Audit(t, audit.Filter{Action: "auth.logout", ObjectID: strconv.FormatInt(alice.ID, 10)})); n != 1 {
			t.Errorf("logout entries = %d, want 1", n)
		}
	})
}

func TestDeactivationEndsAccess(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH", grant(auth.CitySpecialist, "SH"))
		bob := mustStaff(t, f, "bob", "SH")
		s1, s2 := mustLogin(t, f, "alice", password), mustLogin(t, f, "alice", password)
		raw, _ := mustToken(t, f, alice.ID, 0)
		bobSess := mustLogin(t, f, "bob", password)
		bobRaw, _ := mustToken(t, f, bob.ID, 0)

		f.Clock.Advance(time.Minute)
		no, yes := false, true
		st, err := f.Auth.UpdateStaff(context.Background(), alice.ID, auth.StaffUpdate{Active: &no})
		if err != nil {
			t.Fatal(err)
		}
		if st.Active {
			t.Errorf("still active")
		}
		for _, tok := range []string{s1.Token, s2.Token} {
			if _, _, err := f.Auth.Authenticate(context.Background(), tok); !errors.Is(err, auth.ErrSessionExpired) {
				t.Errorf("session after deactivation: %v, want ErrSessionExpired", err)
			}
		}
		if n := testfix.Count(t, d, "SELECT count(*) FROM sessions WHERE staff_id = ?", alice.ID); n != 0 {
			t.Errorf("sessions left = %d", n)
		}
		if _, err := f.Auth.AuthenticateToken(context.Background(), raw); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("token after deactivation: %v, want unauthorized", err)
		}
		if n := testfix.Count(t, d, "SELECT count(*) FROM api_tokens WHERE staff_id = ? AND revoked_at IS NULL", alice.ID); n != 0 {
			t.Errorf("unrevoked tokens = %d", n)
		}
		// Others keep their access.
		mustAuthenticate(t, f, bobSess.Token)
		if _, err := f.Auth.AuthenticateToken(context.Background(), bobRaw); err != nil {
			t.Errorf("bob's token: %v", err)
		}
		// Coming back does not bring the token back; signing in works again.
		if _, err := f.Auth.UpdateStaff(context.Background(), alice.ID, auth.StaffUpdate{Active: &yes}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Auth.AuthenticateToken(context.Background(), raw); !apperr.Is(err, apperr.Unauthorized) {
			t.Errorf("token after reactivation: %v, want unauthorized", err)
		}
		mustAuthenticate(t, f, mustLogin(t, f, "alice", password).Token)
	})
}
