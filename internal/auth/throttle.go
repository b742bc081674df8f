package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// Throttle policy for failed logins. Per login: from the 5th failure each
// further try waits 2^(n-5) s (at most a minute); the 10th locks the login
// for 15 minutes. Per address the limits are ten times higher, against
// password spraying. Failures older than the window are forgotten.
const (
	throttleWindow = 15 * time.Minute
	lockFor        = 15 * time.Minute
)

func limits(key string) (slowAfter, lockAt int) {
	if strings.HasPrefix(key, "ip:") {
		return 50, 100
	}
	return 5, 10
}

type throttle struct {
	failures    int
	lastFailure time.Time
	lockedUntil *time.Time
}

func readThrottle(ctx context.Context, tx *db.Tx, key string) (*throttle, error) {
	var t throttle
	err := tx.QueryRow(ctx, "SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE key = ?", key).
		Scan(&t.failures, &t.lastFailure, &t.lockedUntil)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &t, err
}

// checkThrottle refuses an attempt while a key is locked or must wait.
func checkThrottle(ctx context.Context, tx *db.Tx, keys []string) error {
	for _, key := range keys {
		t, err := readThrottle(ctx, tx, key)
		if err != nil || t == nil {
			if err != nil {
				return err
			}
			continue
		}
		if t.lockedUntil != nil && tx.Now.Before(*t.lockedUntil) {
			mins := int(t.lockedUntil.Sub(tx.Now).Minutes()) + 1
			return &apperr.Error{Code: apperr.Locked,
				ZH: fmt.Sprintf("登录失败次数过多，账号已临时锁定，请 %d 分钟后再试", mins),
				EN: fmt.Sprintf("too many failed sign-ins: locked, try again in %d minutes", mins)}
		}
		if tx.Now.Sub(t.lastFailure) > throttleWindow {
			continue
		}
		slowAfter, _ := limits(key)
		if t.failures >= slowAfter {
			wait := time.Second << min(t.failures-slowAfter, 6)
			wait = min(wait, time.Minute)
			if left := t.lastFailure.Add(wait).Sub(tx.Now); left > 0 {
				secs := int(left.Seconds()) + 1
				return &apperr.Error{Code: apperr.TooMany,
					ZH: fmt.Sprintf("尝试次数过多，请 %d 秒后再试", secs),
					EN: fmt.Sprintf("too many attempts, try again in %d seconds", secs)}
			}
		}
	}
	return nil
}

// recordFailure counts a failed attempt against each key, locking at the limit.
func recordFailure(ctx context.Context, tx *db.Tx, keys []string) error {
	for _, key := range keys {
		t, err := readThrottle(ctx, tx, key)
		if err != nil {
			return err
		}
		failures := 1
		if t != nil && tx.Now.Sub(t.lastFailure) <= throttleWindow && (t.lockedUntil == nil || tx.Now.Before(*t.lockedUntil)) {
			failures = t.failures + 1
		}
		var locked *time.Time
		if _, lockAt := limits(key); failures >= lockAt {
			until := tx.Now.Add(lockFor)
			locked = &until
		}
		_, err = tx.Exec(ctx, `INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
			locked_until = excluded.locked_until`, key, failures, tx.Now, locked)
		if err != nil {
			return err
		}
	}
	return nil
}
