// Package request keeps members' requests and complaints (诉求管理): what a
// member asks or reports, through which channel, routed to a department
// with a due time and an assignee, tracked to closure with its history.
// Members submit and follow theirs in the portal; staff handling builds on
// the same model.
package request

import (
	"time"
)

// Kind is what a request is about.
type Kind string

// The kinds of request.
const (
	Complaint  Kind = "complaint"  // 投诉
	Privacy    Kind = "privacy"    // 保密
	Correction Kind = "correction" // 调整
	Suggestion Kind = "suggestion" // 建议
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{Complaint, Privacy, Correction, Suggestion}

// Subkind narrows a kind.
type Subkind string

// The subkinds the club started with; the admin keeps which belong to
// which kind, their names and their order in the catalogue (kinds.go).
const (
	SubProperty        Subkind = "property"         // complaint: 物业问题; suggestion: 物业及配套
	SubService         Subkind = "service"          // 服务质量
	SubOther           Subkind = "other"            // 其他
	SubDataStorage     Subkind = "data_storage"     // 资料保存
	SubDataLent        Subkind = "data_lent"        // 资料外借
	SubLostPassword    Subkind = "lost_password"    // 密码遗失
	SubDataCopy        Subkind = "data_copy"        // PIPL: a copy of my data
	SubAccountDeletion Subkind = "account_deletion" // PIPL: delete my account
	SubProfile         Subkind = "profile"          // 个人资料
	SubPoints          Subkind = "points"           // 积分
	SubEvents          Subkind = "events"           // 活动
	SubPublications    Subkind = "publications"     // 刊物
	SubWebsite         Subkind = "website"          // 网站
)

// onePerMember are the PIPL requests a member may have only one of open.
var onePerMember = []Subkind{SubDataCopy, SubAccountDeletion}

// Channel is how a request came in.
type Channel string

// The intake channels.
const (
	Portal Channel = "portal" // 会员自助
	Phone  Channel = "phone"  // 电话
	Site   Channel = "site"   // 现场
	Forum  Channel = "forum"  // 论坛
	Email  Channel = "email"  // 邮件
)

// Channels lists the channels.
var Channels = []Channel{Portal, Phone, Site, Forum, Email}

// Status is where a request stands.
type Status string

// The statuses, in the order a request moves through them.
const (
	Open       Status = "open"        // 待受理
	Assigned   Status = "assigned"    // 已分派
	InProgress Status = "in_progress" // 处理中
	Waiting    Status = "waiting"     // 待会员回复: the clock is paused
	Resolved   Status = "resolved"    // 已解决
	Closed     Status = "closed"      // 已关闭
)

// Statuses lists every status in order.
var Statuses = []Status{Open, Assigned, InProgress, Waiting, Resolved, Closed}

// Done reports whether a request in this status needs no more work.
func (s Status) Done() bool { return s == Resolved || s == Closed }

// DepartmentCodes are the departments a request is routed to (责任部门) that
// every node may set up; an admin may add others.
var DepartmentCodes = []string{"design", "engineering", "market_research", "brand", "planning", "property", "customer_relations"}

// Message is a reply to the member or an internal note (内部备注).
type Message struct {
	ID         int64     `json:"id"`
	AuthorKind string    `json:"author_kind"` // staff, member or system
	Author     string    `json:"author"`      // the staff member's name; "" for the member
	Internal   bool      `json:"internal"`
	Body       string    `json:"body"`
	At         time.Time `json:"at"`
	Files      []File    `json:"files,omitempty"`
}

// Event is one line of a request's history (处理记录).
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // the staff login, or the member's number
	Action string    `json:"action"` // "submitted", later "assigned", "replied", "closed" …
	Note   string    `json:"note,omitempty"`
}

// Request is a request or complaint (诉求).
type Request struct {
	ID       int64   `json:"id"`
	No       string  `json:"no"` // e.g. SQ20261123-000042
	MemberID int64   `json:"member_id"`
	NodePath string  `json:"-"`
	Kind     Kind    `json:"kind"`
	Subkind  Subkind `json:"subkind"`
	Channel  Channel `json:"channel"`
	Text     string  `json:"text"`
	Status   Status  `json:"status"`
	// ProjectPath is the project the request is about ("" none).
	ProjectPath  string     `json:"-"`
	ProjectName  string     `json:"project,omitempty"`
	DepartmentID *int64     `json:"department_id,omitempty"`
	Department   string     `json:"department,omitempty"`    // the department's name
	DepartmentEN string     `json:"department_en,omitempty"` // its English name, "" when it has none
	AssigneeID   *int64     `json:"assignee_id,omitempty"`
	Assignee     string     `json:"assignee,omitempty"` // the assigned staff member's name
	RespondDueAt *time.Time `json:"respond_due_at,omitempty"`
	DueAt        *time.Time `json:"due_at,omitempty"`
	RespondedAt  *time.Time `json:"responded_at,omitempty"`
	ResolvedAt   *time.Time `json:"resolved_at,omitempty"`
	PausedAt     *time.Time `json:"paused_at,omitempty"`
	Escalation   int        `json:"escalation"`
	Reopened     int        `json:"reopened"`
	MergedInto   *int64     `json:"merged_into,omitempty"`
	Topic        string     `json:"topic,omitempty"`
	Rating       *int       `json:"rating,omitempty"`
	Flagged      bool       `json:"flagged"`
	ApprovedBy   string     `json:"approved_by,omitempty"`
	CopyFileID   *int64     `json:"-"`
	Version      int        `json:"version"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	Files        []File     `json:"files,omitempty"` // filled by Get: the request's own, not its messages'

	Events   []Event   `json:"events,omitempty"`   // filled by Get
	Messages []Message `json:"messages,omitempty"` // filled by Get: for a member, replies only
	textEnc  []byte
}

// Late reports whether the request is past a due time at now: its first
// response or its resolution. A request waiting for the member is not.
func (r *Request) Late(now time.Time) bool {
	if r.Status.Done() || r.Status == Waiting {
		return false
	}
	if r.RespondedAt == nil && r.RespondDueAt != nil && now.After(*r.RespondDueAt) {
		return true
	}
	return r.DueAt != nil && now.After(*r.DueAt)
}

// Department is a department requests are routed to (责任部门), set up at an
// org node, with the staff responsible for its requests.
type Department struct {
	ID       int64      `json:"id"`
	NodeID   int64      `json:"node_id"`
	NodeCode string     `json:"node_code"`
	NodeName string     `json:"node_name"`
	NodePath string     `json:"-"`
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	NameEN   string     `json:"name_en"`
	Active   bool       `json:"active"`
	Staff    []StaffRef `json:"staff"`
}

// StaffRef names a staff member.
type StaffRef struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
}

// Label is the department's name in lang.
func (d Department) Label(lang string) string {
	if lang == "en" && d.NameEN != "" {
		return d.NameEN
	}
	return d.Name
}
