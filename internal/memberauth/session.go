package memberauth

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

var (
	errSessionEnded = &apperr.Error{Code: apperr.Unauthorized, ZH: "登录已过期，请重新登录", EN: "your session has expired, please sign in again"}
	errNotSignedIn  = &apperr.Error{Code: apperr.Unauthorized, ZH: "请先登录", EN: "please sign in"}
)

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// hashToken is the stored form of a session token.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// sessionAAD binds a session's sealed mobile to its row.
func sessionAAD(tokenHash string) string { return "member_sessions.mobile:" + tokenHash }

// expiry is when a session made at created and last seen at seen ends.
func expiry(l Limits, created, seen time.Time) time.Time {
	idle, hard := seen.Add(l.SessionIdle), created.Add(l.SessionMax)
	if hard.Before(idle) {
		return hard
	}
	return idle
}

func (s *Service) openSession(ctx context.Context, tx *db.Tx, l Limits, memberID int64, nodePath, mobile, mobileIdx, ip, userAgent string) (*Session, string, error) {
	token, err := randomToken(32)
	if err != nil {
		return nil, "", err
	}
	csrf, err := randomToken(24)
	if err != nil {
		return nil, "", err
	}
	h := hashToken(token)
	enc, err := s.Keys.Seal(mobile, sessionAAD(h))
	if err != nil {
		return nil, "", err
	}
	sess := &Session{MemberID: memberID, Mobile: mobile, CSRFToken: csrf, CreatedAt: tx.Now, ExpiresAt: expiry(l, tx.Now, tx.Now)}
	sess.ID, err = tx.InsertID(ctx, `INSERT INTO member_sessions (token_hash, member_id, mobile_enc, mobile_idx, csrf_token, ip, user_agent,
		created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h, nullID(memberID), enc, mobileIdx, csrf, truncate(ip, 64), truncate(userAgent, 255), tx.Now, tx.Now, sess.ExpiresAt)
	if err != nil {
		return nil, "", err
	}
	err = audit.Record(ctx, tx, audit.Change{Action: "member.sign_in", ObjectType: "member_session", ObjectID: sess.ID,
		NodePath: nodePath, Summary: "会员自助登录 " + tx.Actor.Login})
	return sess, token, err
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Session resolves a session token, sliding its idle expiry. An unknown or
// ended session is apperr.Unauthorized.
func (s *Service) Session(ctx context.Context, token string) (*Session, error) {
	if token == "" {
		return nil, errNotSignedIn
	}
	h := hashToken(token)
	var sess Session
	var memberID *int64
	var enc []byte
	var lastSeen time.Time
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, member_id, mobile_enc, csrf_token, created_at, last_seen_at, expires_at
			FROM member_sessions WHERE token_hash = ?`, h).
			Scan(&sess.ID, &memberID, &enc, &sess.CSRFToken, &sess.CreatedAt, &lastSeen, &sess.ExpiresAt)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !tx.Now.Before(sess.ExpiresAt)) {
			return errSessionEnded
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if memberID != nil {
		sess.MemberID = *memberID
	}
	if sess.Mobile, err = s.Keys.Open(enc, sessionAAD(h)); err != nil {
		return nil, fmt.Errorf("member session %d: %w", sess.ID, err)
	}
	// Writing on every request would serialise the portal on SQLite's one
	// writer: a minute's precision is plenty for a 30-minute idle limit.
	// Nor does a request wait for the writer to slide it: when the writer
	// is taken the session slides on a later request.
	if now := s.now(); now.Sub(lastSeen) > time.Minute {
		expires := expiry(s.limits(), sess.CreatedAt, now)
		err := s.DB.TryUpdate(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE member_sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", now, expires, sess.ID)
			return err
		})
		switch {
		case err == nil:
			sess.ExpiresAt = expires
		case !apperr.Is(err, apperr.Busy):
			return nil, fmt.Errorf("slide member session: %w", err)
		}
	}
	return &sess, nil
}

// SignOut ends the session of a token; an unknown token is no error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		var id int64
		var memberID *int64
		err := tx.QueryRow(ctx, "SELECT id, member_id FROM member_sessions WHERE token_hash = ?", hashToken(token)).Scan(&id, &memberID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM member_sessions WHERE id = ?", id); err != nil {
			return err
		}
		if memberID != nil {
			tx.Actor.Kind, tx.Actor.ID = "member", *memberID
		}
		return audit.Record(ctx, tx, audit.Change{Action: "member.sign_out", ObjectType: "member_session", ObjectID: id})
	})
}

// Attach makes a session a member's, after the person joined online. The
// member must have the session's mobile number.
func (s *Service) Attach(ctx context.Context, sessionID, memberID int64) error {
	var enc []byte
	var h string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT token_hash, mobile_enc FROM member_sessions WHERE id = ?", sessionID).Scan(&h, &enc)
		if errors.Is(err, sql.ErrNoRows) {
			return errSessionEnded
		}
		return err
	})
	if err != nil {
		return err
	}
	mobile, err := s.Keys.Open(enc, sessionAAD(h))
	if err != nil {
		return fmt.Errorf("member session %d: %w", sessionID, err)
	}
	m, err := s.Members.ByMobile(ctx, mobile)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return err
	}
	if m == nil || m.ID != memberID {
		return &apperr.Error{Code: apperr.Forbidden, ZH: "该会员的手机号与登录手机号不一致", EN: "this member's mobile number is not the one signed in"}
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE member_sessions SET member_id = ? WHERE id = ?", memberID, sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errSessionEnded
		}
		tx.Actor.Kind, tx.Actor.ID = "member", memberID
		return audit.Record(ctx, tx, audit.Change{Action: "member.session_attach", ObjectType: "member_session", ObjectID: sessionID,
			NodePath: m.NodePath, Summary: "会员入会后关联登录会话"})
	})
}

// Purge deletes ended sessions and codes too old to count against any
// limit; a scheduled job calls it.
func (s *Service) Purge(ctx context.Context) (sessions, codes int64, err error) {
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM member_sessions WHERE expires_at <= ?", tx.Now)
		if err != nil {
			return err
		}
		sessions, _ = res.RowsAffected()
		if res, err = tx.Exec(ctx, "DELETE FROM member_login_codes WHERE created_at <= ?", tx.Now.Add(-24*time.Hour)); err != nil {
			return err
		}
		codes, _ = res.RowsAffected()
		return nil
	})
	return sessions, codes, err
}
