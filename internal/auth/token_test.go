package auth_test

import (
	"context"
	"database/sql"
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

func TestCreateAndUseToken(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH", grant(auth.CitySupervisor, "SH"))
		raw, tok, err := f.Auth.CreateToken(context.Background(), alice.ID, "  report sync ", 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(raw, "ec_") || len(raw) < 40 {
			t.Errorf("raw token = %q", raw)
		}
		if tok.ID == 0 || tok.StaffID != alice.ID || tok.Name != "report sync" || tok.Prefix != raw[:10] ||
			tok.ExpiresAt != nil || tok.RevokedAt != nil || !tok.CreatedAt.Equal(f.Clock.Now()) {
			t.Errorf("token = %+v", tok)
		}
		other, _ := mustToken(t, f, alice.ID, 0)
		if other == raw {
			t.Fatal("two tokens are equal")
		}

		// Only the hash is stored: no column of the row, nor the audit
		// log, holds the raw token.
		mustNotStored(t, d, raw, "SELECT * FROM api_tokens")
		mustNotStored(t, d, raw, "SELECT * FROM audit_log")
		var hash string
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), "SELECT token_hash FROM api_tokens WHERE id = ?", tok.ID).Scan(&hash)
		})
		if hash != auth.HashToken(raw) {
			t.Errorf("token_hash = %q, want the SHA-256 of the token", hash)
		}

		f.Clock.Advance(time.Hour)
		p, err := f.Auth.AuthenticateToken(context.Background(), raw)
		if err != nil {
			t.Fatal(err)
		}
		if p.Staff.ID != alice.ID || len(p.Grants) != 1 || !p.CanAt(auth.MemberReview, f.Path("SH-PD")) {
			t.Errorf("principal = %+v", p)
		}
		list, err := f.Auth.ListTokens(context.Background(), alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[1].ID != tok.ID || list[0].ID <= list[1].ID {
			t.Fatalf("tokens = %+v, want two, newest first", list)
		}
		if used := list[1].LastUsedAt; used == nil || !used.Equal(f.Clock.Now()) {
			t.Errorf("last used = %v, want %v", used, f.Clock.Now())
		}
		if list[0].LastUsedAt != nil {
			t.Errorf("unused token has last used %v", list[0].LastUsedAt)
		}
		entries := f.Audit(t, audit.Filter{Action: "token.create"})
		if len(entries) != 2 || entries[1].NodePath != f.Path("SH") || entries[1].ObjectType != "api_token" {
			t.Errorf("token.create entries = %+v", entries)
		}

		// A blank name gets a default; an unknown account gets no token.
		_, unnamed, err := f.Auth.CreateToken(context.Background(), alice.ID, " ", 0)
		if err != nil || unnamed.Name != "api" {
			t.Errorf("unnamed token = %+v, %v", unnamed, err)
		}
		if _, _, err := f.Auth.CreateToken(context.Background(), 9999, "x", 0); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("token for unknown staff: %v, want not found", err)
		}
	})
}

// mustNotStored checks that no column of any row of query contains secret.
func mustNotStored(t *testing.T, d *db.DB, secret, query string) {
	t.Helper()
	err := d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), query)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		n := 0
		for rows.Next() {
			n++
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for i, v := range vals {
				if strings.Contains(v.String, secret) {
					t.Errorf("%s: column %s holds the secret", query, cols[i])
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no rows to check", query)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTokensThatFail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH")
		bob := mustStaff(t, f, "bob", "SH")
		revoked, rt := mustToken(t, f, alice.ID, 0)
		expiring, _ := mustToken(t, f, alice.ID, time.Hour)
		live, _ := mustToken(t, f, alice.ID, 0)

		if err := f.Auth.RevokeToken(context.Background(), bob.ID, rt.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("revoke through another account: %v, want not found", err)
		}
		if _, err := f.Auth.AuthenticateToken(context.Background(), revoked); err != nil {
			t.Fatalf("token revoked through another account: %v", err)
		}
		if err := f.Auth.RevokeToken(context.Background(), alice.ID, rt.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.Auth.RevokeToken(context.Background(), alice.ID, rt.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("revoke twice: %v, want not found", err)
		}
		if n := len(f.Audit(t, audit.Filter{Action: "token.revoke"})); n != 1 {
			t.Errorf("token.revoke entries = %d, want 1", n)
		}

		f.Clock.Advance(59 * time.Minute)
		if _, err := f.Auth.AuthenticateToken(context.Background(), expiring); err != nil {
			t.Errorf("token before expiry: %v", err)
		}
		f.Clock.Advance(time.Minute)
		for _, tc := range []struct{ name, raw string }{
			{"revoked", revoked},
			{"expired", expiring},
			{"empty", ""},
			{"no prefix", strings.TrimPrefix(live, "ec_")},
			{"unknown", "ec_" + strings.Repeat("A", 40)},
			{"prefix only", live[:10]},
			{"session-style token", "abcdef"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p, err := f.Auth.AuthenticateToken(context.Background(), tc.raw)
				if !apperr.Is(err, apperr.Unauthorized) || p != nil {
					t.Errorf("= %v, %v; want unauthorized", p, err)
				}
			})
		}
		if _, err := f.Auth.AuthenticateToken(context.Background(), live); err != nil {
			t.Errorf("live token: %v", err)
		}
		list, _ := f.Auth.ListTokens(context.Background(), alice.ID)
		for _, tok := range list {
			if tok.ID == rt.ID && (tok.RevokedAt == nil || !tok.RevokedAt.Equal(testfix.Start)) {
				t.Errorf("revoked token listed as %+v", tok)
			}
		}
	})
}
