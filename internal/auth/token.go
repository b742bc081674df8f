package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Token is an API bearer token (API 令牌). Only its hash is stored.
type Token struct {
	ID         int64      `json:"id"`
	StaffID    int64      `json:"staff_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

const tokenPrefix = "ec_"

// CreateToken makes a bearer token for an account and returns it in clear
// once; ttl 0 means it does not expire.
func (s *Service) CreateToken(ctx context.Context, staffID int64, name string, ttl time.Duration) (string, *Token, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "api"
	}
	raw := tokenPrefix + randomToken(30)
	var t *Token
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		st, err := staffByID(ctx, tx, staffID)
		if err != nil {
			return err
		}
		t = &Token{StaffID: staffID, Name: truncate(name, 64), Prefix: raw[:10], CreatedAt: tx.Now}
		if ttl > 0 {
			exp := tx.Now.Add(ttl)
			t.ExpiresAt = &exp
		}
		t.ID, err = tx.InsertID(ctx, `INSERT INTO api_tokens (staff_id, name, token_hash, prefix, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?)`, staffID, t.Name, HashToken(raw), t.Prefix, tx.Now, t.ExpiresAt)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "token.create", ObjectType: "api_token", ObjectID: t.ID,
			NodePath: st.NodePath, Summary: "为 " + st.Login + " 创建 API 令牌 " + t.Prefix + "…", After: t})
	})
	if err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return raw, t, nil
}

// AuthenticateToken resolves a bearer token to its principal.
func (s *Service) AuthenticateToken(ctx context.Context, raw string) (*Principal, error) {
	if !strings.HasPrefix(raw, tokenPrefix) {
		return nil, &apperr.Error{Code: apperr.Unauthorized, ZH: "API 令牌无效", EN: "invalid API token"}
	}
	var p *Principal
	var id int64
	var lastUsed *time.Time
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var staffID int64
		var exp, revoked *time.Time
		err := tx.QueryRow(ctx, "SELECT id, staff_id, expires_at, revoked_at, last_used_at FROM api_tokens WHERE token_hash = ?", HashToken(raw)).
			Scan(&id, &staffID, &exp, &revoked, &lastUsed)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (revoked != nil || (exp != nil && !tx.Now.Before(*exp)))) {
			return &apperr.Error{Code: apperr.Unauthorized, ZH: "API 令牌无效或已过期", EN: "invalid or expired API token"}
		}
		if err != nil {
			return err
		}
		p, err = principal(ctx, tx, staffID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if now := s.DB.Clock(); lastUsed == nil || now.Sub(*lastUsed) > TokenUseGranularity {
		// The request never waits for this: when the writer is taken
		// the update is skipped, and a later request makes it.
		_ = s.DB.TryUpdate(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)",
				tx.Now, id, tx.Now.Add(-TokenUseGranularity))
			return err
		})
	}
	return p, nil
}

// TokenUseGranularity is how stale a token's last use may be: signing in
// with a token records the time at most once in that span.
const TokenUseGranularity = 5 * time.Minute

// ListTokens returns an account's tokens, newest first.
func (s *Service) ListTokens(ctx context.Context, staffID int64) ([]Token, error) {
	var out []Token
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, staff_id, name, prefix, created_at, last_used_at, expires_at, revoked_at
			FROM api_tokens WHERE staff_id = ? ORDER BY id DESC`, staffID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t Token
			if err := rows.Scan(&t.ID, &t.StaffID, &t.Name, &t.Prefix, &t.CreatedAt, &t.LastUsedAt, &t.ExpiresAt, &t.RevokedAt); err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeToken ends one of an account's tokens.
func (s *Service) RevokeToken(ctx context.Context, staffID, tokenID int64) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND staff_id = ? AND revoked_at IS NULL", tx.Now, tokenID, staffID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("API 令牌", "API token")
		}
		return audit.Record(ctx, tx, audit.Change{Action: "token.revoke", ObjectType: "api_token", ObjectID: tokenID})
	})
}
