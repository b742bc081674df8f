// Package memberauth signs members in to the portal (会员自助) with one-time
// codes sent by SMS (短信验证码) and keeps their sessions, apart from staff
// sessions. Codes are stored only as keyed hashes; issuing them is limited
// per number and per address with counters in the database, so the limits
// hold across every server sharing it and under concurrent requests.
package memberauth

import (
	"fmt"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/sms"
)

// Service issues sign-in codes and keeps member sessions.
type Service struct {
	DB      *db.DB
	Keys    *pii.Keys
	SMS     *sms.Service
	Members *member.Service
	Limits  Limits // zero: DefaultLimits
}

// Limits are the sign-in policy. Windows are rolling: "per hour" is the last
// 60 minutes, "per day" the last 24 hours.
type Limits struct {
	CodeTTL       time.Duration // how long a code works: 5 min
	MaxAttempts   int           // wrong tries per code: 5
	ResendAfter   time.Duration // 60 s between codes to one number
	PerMobileHour int           // codes to one number per hour: 5
	PerMobileDay  int           // codes to one number per day: 10
	PerIPHour     int           // codes asked from one address per hour: 20
	SessionIdle   time.Duration // 30 min sliding
	SessionMax    time.Duration // 7 days absolute
}

// DefaultLimits is the policy when Service.Limits is zero.
var DefaultLimits = Limits{
	CodeTTL:       5 * time.Minute,
	MaxAttempts:   5,
	ResendAfter:   60 * time.Second,
	PerMobileHour: 5,
	PerMobileDay:  10,
	PerIPHour:     20,
	SessionIdle:   30 * time.Minute,
	SessionMax:    7 * 24 * time.Hour,
}

func (s *Service) limits() Limits {
	if s.Limits == (Limits{}) {
		return DefaultLimits
	}
	return s.Limits
}

// now is the service's clock: the database's, which tests replace.
func (s *Service) now() time.Time { return s.DB.Clock().UTC() }

// codePurpose is the SMS purpose of sign-in codes.
const codePurpose = "login_code"

// Session is a member's signed-in browser in the portal.
type Session struct {
	ID        int64
	MemberID  int64  // 0 until the person is a member
	Mobile    string // plain normalized mobile (encrypted at rest), to prefill the join form
	CSRFToken string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CodeSent says until when a code works and when another may be asked for.
type CodeSent struct {
	ExpiresAt, ResendAt time.Time
}

// tooMany is a rate-limit refusal that says when to try again.
func tooMany(field, zhWhat, enWhat string, wait time.Duration) error {
	zh, en := waitText(wait)
	return &apperr.Error{Code: apperr.TooMany, Field: field,
		ZH: fmt.Sprintf("%s，请%s后再试", zhWhat, zh),
		EN: fmt.Sprintf("%s; try again in %s", enWhat, en)}
}

// waitText is a wait rounded up to seconds, minutes or hours.
func waitText(d time.Duration) (zh, en string) {
	switch {
	case d <= 2*time.Minute:
		n := int((d + time.Second - 1) / time.Second)
		return fmt.Sprintf(" %d 秒", max(n, 1)), plural(max(n, 1), "second")
	case d <= 2*time.Hour:
		n := int((d + time.Minute - 1) / time.Minute)
		return fmt.Sprintf(" %d 分钟", n), plural(n, "minute")
	default:
		n := int((d + time.Hour - 1) / time.Hour)
		return fmt.Sprintf(" %d 小时", n), plural(n, "hour")
	}
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
