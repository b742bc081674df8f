// Package lead keeps the sales site's leads (客户线索, 来人来电): registration
// with an at-once ownership check (判客), statuses with their required
// fields and next actions, follow-ups, assignment and the project pool,
// protection periods and conflicting claims, the daily reconciliation of
// the paper sheets, deals that make the customer a member and fire their
// points, spreadsheets in and out, and the reports the sales manager reads.
// Every change of a lead is kept in its history (who, when, what, why).
package lead

import (
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// Service keeps leads. Members enrols leads as default members and records
// the homes of deals; Points records the events deals fire.
type Service struct {
	DB      *db.DB
	Keys    *pii.Keys
	Members *member.Service
	Points  *points.Service
}

// Status is a lead's status and intent level (意向级别).
type Status string

// The statuses, from lost to won.
const (
	NoIntent Status = "none" // 无意向 (lost, with the reason)
	C        Status = "c"    // C 类：一般, the default
	B        Status = "b"    // B 类：较强
	A        Status = "a"    // A 类：强烈
	Won      Status = "deal" // 成交
)

// Statuses lists every status in display order.
var Statuses = []Status{C, B, A, Won, NoIntent}

var statusLabels = map[Status][2]string{
	NoIntent: {"无意向", "No intent"}, C: {"C 类（一般）", "C (general)"}, B: {"B 类", "B"}, A: {"A 类", "A"}, Won: {"成交", "Deal"},
}

// Label is the status's name in lang.
func (s Status) Label(lang string) string { return label(statusLabels, s, lang) }

// ParseStatus checks a status: its code, or as spreadsheets write it
// (无意向, C, b, 成交 …).
func ParseStatus(field, s string) (Status, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "none", "无意向", "无", "no intent":
		return NoIntent, nil
	case "c", "c类", "c 类", "一般", "c 类（一般）", "c (general)":
		return C, nil
	case "b", "b类", "b 类":
		return B, nil
	case "a", "a类", "a 类":
		return A, nil
	case "deal", "成交":
		return Won, nil
	}
	return "", apperr.Field(field, "意向级别应为 无意向、C、B、A 或 成交", "status must be none, c, b, a or deal")
}

// Source is how a lead first came: a walk-in (来人), a call (来电), or a
// spreadsheet of an earlier system.
type Source string

// The sources.
const (
	Visit    Source = "visit"  // 来人
	Call     Source = "call"   // 来电
	Imported Source = "import" // 导入
)

var sourceLabels = map[Source][2]string{Visit: {"来人", "Walk-in"}, Call: {"来电", "Call"}, Imported: {"导入", "Imported"}}

// Label is the source's name in lang.
func (s Source) Label(lang string) string { return label(sourceLabels, s, lang) }

// ParseSource checks a contact kind (visit or call).
func ParseSource(field, s string) (Source, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "visit", "来人", "来访", "到访", "walk-in":
		return Visit, nil
	case "call", "来电":
		return Call, nil
	}
	return "", apperr.Field(field, "来源应为 来人 或 来电", "source must be visit or call")
}

func label[K comparable](m map[K][2]string, k K, lang string) string {
	l, ok := m[k]
	if !ok {
		return ""
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// Lead is a customer lead (客户线索) as staff see it: mobile masked.
type Lead struct {
	ID               int64             `json:"id"`
	ProjectID        int64             `json:"project_id"`
	ProjectCode      string            `json:"project_code"`
	ProjectName      string            `json:"project_name"`
	NodePath         string            `json:"-"`
	Mobile           string            `json:"mobile"` // masked: 138****5678
	Surname          string            `json:"surname"`
	Name             string            `json:"name"`
	Gender           string            `json:"gender"`
	Source           Source            `json:"source"`
	Media            string            `json:"media"`       // 认知媒体
	LostReason       string            `json:"lost_reason"` // 丢失原因
	Status           Status            `json:"status"`
	Fields           map[string]string `json:"fields"` // the project's own fields
	OwnerID          *int64            `json:"owner_id,omitempty"`
	OwnerName        string            `json:"owner_name,omitempty"`
	InPool           bool              `json:"in_pool"`
	AssignedAt       *time.Time        `json:"assigned_at,omitempty"`
	TouchedAt        time.Time         `json:"touched_at"`
	ProtectedUntil   *time.Time        `json:"protected_until,omitempty"`
	ReferrerMemberID *int64            `json:"referrer_member_id,omitempty"`
	MemberID         *int64            `json:"member_id,omitempty"`
	NextAction       string            `json:"next_action"`
	NextDue          db.Date           `json:"next_due"`
	StatusAt         time.Time         `json:"status_at"`
	RegisteredBy     string            `json:"registered_by"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
}

// Protected reports whether the owner's protection period runs at t.
func (l *Lead) Protected(t time.Time) bool {
	return l.OwnerID != nil && l.ProtectedUntil != nil && l.ProtectedUntil.After(t)
}

// chinaTime is the club's calendar: due days, report days and the days of
// the reconciliation are China days.
var chinaTime = time.FixedZone("CST", 8*3600)

// dayOf is the China calendar day of t.
func dayOf(t time.Time) db.Date {
	c := t.In(chinaTime)
	return db.DateOf(c.Year(), c.Month(), c.Day())
}

// addDays is the day n days after d.
func addDays(d db.Date, n int) db.Date { return db.Date{Time: d.AddDate(0, 0, n)} }

// startOf is the instant a China day begins.
func startOf(d db.Date) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chinaTime).UTC()
}
