package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Session is a signed-in browser. Its token lives only in the cookie; the
// database keeps its SHA-256.
type Session struct {
	Token     string // raw cookie value; only set by Login
	IDHash    string
	StaffID   int64
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ErrSessionExpired means the cookie names a session that has ended.
var ErrSessionExpired = &apperr.Error{Code: apperr.Unauthorized, ZH: "会话已过期，请重新登录", EN: "your session has expired, please sign in again"}

// ErrNotSignedIn means there is no valid credential at all.
var ErrNotSignedIn = &apperr.Error{Code: apperr.Unauthorized, ZH: "请先登录", EN: "please sign in"}

var errBadLogin = &apperr.Error{Code: apperr.Unauthorized, Field: "password", ZH: "登录名或密码不正确", EN: "wrong login or password"}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is the stored form of a session or API token.
func HashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// Login checks a login and password under the throttle and opens a session.
func (s *Service) Login(ctx context.Context, login, password, ip, userAgent string) (*Session, *Staff, error) {
	login = NormalizeLogin(login)
	keys := []string{"login:" + login, "ip:" + ip}
	if err := s.DB.View(ctx, func(tx *db.Tx) error { return checkThrottle(ctx, tx, keys) }); err != nil {
		return nil, nil, err
	}
	st, err := s.StaffByLogin(ctx, login)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return nil, nil, err
	}
	ok := false
	if st != nil {
		ok = CheckPassword(st.passwordHash, password) && st.Active
	} else {
		CheckPassword(dummyHash, password)
	}
	ctx = db.WithActor(ctx, db.Actor{Kind: "staff", Login: login, IP: ip, RequestID: db.ActorFrom(ctx).RequestID})
	if !ok {
		err := s.DB.Update(ctx, func(tx *db.Tx) error {
			// A concurrent burst may have locked the account meanwhile.
			if err := checkThrottle(ctx, tx, keys); err != nil {
				return err
			}
			if err := recordFailure(ctx, tx, keys); err != nil {
				return err
			}
			path := ""
			if st != nil {
				path = st.NodePath
			}
			return audit.Record(ctx, tx, audit.Change{Action: "auth.login_failed", ObjectType: "staff", ObjectID: login,
				NodePath: path, Summary: "登录失败 " + login})
		})
		if err != nil {
			return nil, nil, err
		}
		if st != nil && !st.Active && CheckPassword(st.passwordHash, password) {
			return nil, nil, &apperr.Error{Code: apperr.Forbidden, ZH: "此账号已停用", EN: "this account is disabled"}
		}
		return nil, nil, errBadLogin
	}
	var sess *Session
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := checkThrottle(ctx, tx, keys); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM login_throttle WHERE key = ?", keys[0]); err != nil {
			return err
		}
		tok := randomToken(32)
		sess = &Session{Token: tok, IDHash: HashToken(tok), StaffID: st.ID, CSRFToken: randomToken(24),
			CreatedAt: tx.Now, ExpiresAt: s.expiry(tx.Now, tx.Now)}
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (id_hash, staff_id, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, sess.IDHash, st.ID, sess.CSRFToken, ip, truncate(userAgent, 255), tx.Now, tx.Now, sess.ExpiresAt); err != nil {
			return err
		}
		tx.Actor.ID = st.ID
		return audit.Record(ctx, tx, audit.Change{Action: "auth.login", ObjectType: "staff", ObjectID: st.ID,
			NodePath: st.NodePath, Summary: "登录 " + st.Login})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("login: %w", err)
	}
	return sess, st, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// expiry is when a session last seen at seen, made at created, ends.
func (s *Service) expiry(created, seen time.Time) time.Time {
	idle := seen.Add(s.IdleTimeout)
	if hard := created.Add(s.MaxAge); hard.Before(idle) {
		return hard
	}
	return idle
}

// Authenticate resolves a session cookie to its principal, sliding the
// idle expiry. A missing or ended session is ErrSessionExpired.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, *Session, error) {
	if token == "" {
		return nil, nil, ErrNotSignedIn
	}
	h := HashToken(token)
	var sess Session
	var lastSeen time.Time
	var p *Principal
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `SELECT staff_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = ?`, h).
			Scan(&sess.StaffID, &sess.CSRFToken, &sess.CreatedAt, &lastSeen, &sess.ExpiresAt)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrSessionExpired
		}
		if err != nil {
			return err
		}
		if !tx.Now.Before(sess.ExpiresAt) {
			return ErrSessionExpired
		}
		p, err = principal(ctx, tx, sess.StaffID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	sess.IDHash = h
	now := s.DB.Clock().UTC()
	if now.Sub(lastSeen) > time.Minute {
		// A read never waits for the writer to slide its session: when
		// the writer is taken the session slides on a later request.
		expires := s.expiry(sess.CreatedAt, now)
		err := s.DB.TryUpdate(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?", tx.Now, expires, h)
			return err
		})
		switch {
		case err == nil:
			sess.ExpiresAt = expires
		case !apperr.Is(err, apperr.Busy):
			return nil, nil, err
		}
	}
	return p, &sess, nil
}

func principal(ctx context.Context, tx *db.Tx, staffID int64) (*Principal, error) {
	st, err := staffByID(ctx, tx, staffID)
	if err != nil {
		return nil, err
	}
	if !st.Active {
		return nil, ErrSessionExpired
	}
	return &Principal{Staff: *st, Grants: st.Grants}, nil
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, sess *Session) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE id_hash = ?", sess.IDHash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "auth.logout", ObjectType: "staff", ObjectID: sess.StaffID})
	})
}

// PurgeSessions deletes ended sessions; a scheduled job calls it.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM sessions WHERE expires_at <= ?", tx.Now)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, err
}
