package memberauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/pii"
	"estateclub/internal/validate"
)

// idxCode is the blind-index kind of code hashes: a keyed hash, so that a
// copy of the database cannot be searched for the million possible codes.
const idxCode = "login_code"

func (s *Service) codeHash(mobile, code string) string {
	return s.Keys.Index(idxCode, mobile+"|"+code)
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func codeText(code string, ttl time.Duration, lang string) string {
	mins := int((ttl + time.Minute - 1) / time.Minute)
	if lang == "en" {
		return fmt.Sprintf("[Customer Club] Your code is %s, valid for %d minutes. Do not share it with anyone.", code, mins)
	}
	return fmt.Sprintf("【客户会】验证码 %s，%d 分钟内有效，请勿告知他人。", code, mins)
}

// lockKeys serialises the issuing of codes per key (across servers too):
// the upsert takes the key's row lock until the transaction ends. Keys are
// locked in sorted order so two transactions never wait on each other.
func lockKeys(ctx context.Context, tx *db.Tx, keys ...string) error {
	sort.Strings(keys)
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `INSERT INTO member_code_locks (key) VALUES (?)
			ON CONFLICT (key) DO UPDATE SET key = excluded.key`, k); err != nil {
			return fmt.Errorf("lock %s: %w", k, err)
		}
	}
	return nil
}

// issuedSince returns the creation times of the codes matching col = val
// made after since, oldest first.
func issuedSince(ctx context.Context, tx *db.Tx, col, val string, since time.Time) ([]time.Time, error) {
	rows, err := tx.Query(ctx, "SELECT created_at FROM member_login_codes WHERE "+col+" = ? AND created_at > ? ORDER BY created_at", val, since)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// overLimit reports how long until fewer than limit of times (oldest first)
// fall in the window ending at now; 0 when under the limit already.
func overLimit(times []time.Time, limit int, window time.Duration, now time.Time) time.Duration {
	var in []time.Time
	for _, t := range times {
		if t.After(now.Add(-window)) {
			in = append(in, t)
		}
	}
	if limit <= 0 || len(in) < limit {
		return 0
	}
	return in[len(in)-limit].Add(window).Sub(now)
}

// SendCode validates the mobile, applies the limits, makes a 6-digit code,
// stores only its keyed hash and sends it by SMS ("en" lang: in English).
// It answers the same whether or not the number is a member's, so it tells
// nobody who the members are.
func (s *Service) SendCode(ctx context.Context, mobile, ip, lang string) (*CodeSent, error) {
	norm, err := validate.Mobile("mobile", mobile)
	if err != nil {
		return nil, err
	}
	l := s.limits()
	code, err := newCode()
	if err != nil {
		return nil, err
	}
	idx := s.Keys.Index(pii.KindMobile, norm)
	var sent CodeSent
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		keys := []string{"mobile:" + idx}
		if ip != "" {
			keys = append(keys, "ip:"+ip)
		}
		if err := lockKeys(ctx, tx, keys...); err != nil {
			return err
		}
		if err := s.checkLimits(ctx, tx, l, idx, ip); err != nil {
			return err
		}
		sent = CodeSent{ExpiresAt: tx.Now.Add(l.CodeTTL), ResendAt: tx.Now.Add(l.ResendAfter)}
		_, err := tx.Exec(ctx, `INSERT INTO member_login_codes (mobile_idx, code_hash, ip, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
			idx, s.codeHash(norm, code), truncate(ip, 64), tx.Now, sent.ExpiresAt)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("send code: %w", err)
	}
	// A failed delivery still counts against the limits: otherwise a broken
	// gateway would let anyone ask for codes without end.
	if _, err := s.SMS.SendSecret(ctx, norm, codePurpose, codeText(code, l.CodeTTL, lang), code); err != nil {
		return nil, fmt.Errorf("send code: %w", err)
	}
	return &sent, nil
}

func (s *Service) checkLimits(ctx context.Context, tx *db.Tx, l Limits, idx, ip string) error {
	const day = 24 * time.Hour
	times, err := issuedSince(ctx, tx, "mobile_idx", idx, tx.Now.Add(-day))
	if err != nil {
		return err
	}
	if n := len(times); n > 0 {
		if wait := times[n-1].Add(l.ResendAfter).Sub(tx.Now); wait > 0 {
			return tooMany("mobile", "验证码已发送", "a code was sent just now", wait)
		}
	}
	if wait := overLimit(times, l.PerMobileHour, time.Hour, tx.Now); wait > 0 {
		return tooMany("mobile", "该号码一小时内获取验证码次数过多", "too many codes for this number in the last hour", wait)
	}
	if wait := overLimit(times, l.PerMobileDay, day, tx.Now); wait > 0 {
		return tooMany("mobile", "该号码今日获取验证码次数过多", "too many codes for this number today", wait)
	}
	if ip == "" {
		return nil
	}
	byIP, err := issuedSince(ctx, tx, "ip", truncate(ip, 64), tx.Now.Add(-time.Hour))
	if err != nil {
		return err
	}
	if wait := overLimit(byIP, l.PerIPHour, time.Hour, tx.Now); wait > 0 {
		return tooMany("", "此网络获取验证码次数过多", "too many codes asked from this network", wait)
	}
	return nil
}

var (
	errNoCode = &apperr.Error{Code: apperr.Unauthorized, Field: "code",
		ZH: "验证码无效或已过期，请重新获取", EN: "the code is invalid or has expired; ask for a new one"}
	errDeadCode = &apperr.Error{Code: apperr.TooMany, Field: "code",
		ZH: "验证码错误次数过多，已失效，请重新获取", EN: "too many wrong tries: this code no longer works; ask for a new one"}
)

func wrongCode(left int) error {
	return &apperr.Error{Code: apperr.Unauthorized, Field: "code",
		ZH: fmt.Sprintf("验证码不正确，还可尝试 %d 次", left),
		EN: fmt.Sprintf("wrong code; %d tries left", left)}
}

// SignIn checks the latest code sent to the number and opens a session. A
// wrong code counts an attempt; after MaxAttempts the code is dead
// (TooMany). A code works once. MemberID is the member with that mobile, or
// 0 when the person is not a member yet (the portal offers to join).
func (s *Service) SignIn(ctx context.Context, mobile, code, ip, userAgent string) (sess *Session, token string, err error) {
	norm, err := validate.Mobile("mobile", mobile)
	if err != nil {
		return nil, "", err
	}
	code = strings.TrimSpace(validate.Halfwidth(code))
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return nil, "", apperr.Field("code", "请输入 6 位数字验证码", "enter the 6-digit code")
	}
	var memberID int64
	var nodePath string
	switch m, err := s.Members.ByMobile(ctx, norm); {
	case err == nil:
		memberID, nodePath = m.ID, m.NodePath
	case !apperr.Is(err, apperr.NotFound):
		return nil, "", err
	}
	l := s.limits()
	idx := s.Keys.Index(pii.KindMobile, norm)
	ctx = db.WithActor(ctx, db.Actor{Kind: "member", ID: memberID, Login: pii.MaskMobile(norm), IP: ip, RequestID: db.ActorFrom(ctx).RequestID})
	var refused error // a refusal whose counted attempt must still commit
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := lockKeys(ctx, tx, "mobile:"+idx); err != nil {
			return err
		}
		var id int64
		var hash string
		var attempts int
		var expires time.Time
		var used *time.Time
		err := tx.QueryRow(ctx, `SELECT id, code_hash, attempts, expires_at, used_at FROM member_login_codes
			WHERE mobile_idx = ? ORDER BY id DESC LIMIT 1`, idx).Scan(&id, &hash, &attempts, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (used != nil || !tx.Now.Before(expires))) {
			return errNoCode
		}
		if err != nil {
			return err
		}
		if attempts >= l.MaxAttempts {
			return errDeadCode
		}
		if subtle.ConstantTimeCompare([]byte(hash), []byte(s.codeHash(norm, code))) != 1 {
			attempts++
			if _, err := tx.Exec(ctx, "UPDATE member_login_codes SET attempts = ? WHERE id = ?", attempts, id); err != nil {
				return err
			}
			refused = wrongCode(l.MaxAttempts - attempts)
			if attempts >= l.MaxAttempts {
				refused = errDeadCode
			}
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE member_login_codes SET used_at = ? WHERE id = ?", tx.Now, id); err != nil {
			return err
		}
		sess, token, err = s.openSession(ctx, tx, l, memberID, nodePath, norm, idx, ip, userAgent)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("sign in: %w", err)
	}
	if refused != nil {
		return nil, "", refused
	}
	return sess, token, nil
}
