// Package request keeps members' requests and complaints (诉求管理): what a
// member asks or reports, through which channel, routed to a department
// with a due time and an assignee, tracked to closure with its history.
// Members submit and follow theirs in the portal; staff handling builds on
// the same model.
package request

import (
	"slices"
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

// The subkinds; which belong to which kind is Subkinds.
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

var subkinds = map[Kind][]Subkind{
	Complaint:  {SubProperty, SubService, SubOther},
	Privacy:    {SubDataStorage, SubDataLent, SubLostPassword, SubDataCopy, SubAccountDeletion},
	Correction: {SubProfile, SubPoints, SubOther},
	Suggestion: {SubEvents, SubPublications, SubWebsite, SubProperty, SubOther},
}

// Subkinds lists the subkinds of a kind in display order (nil for an
// unknown kind).
func Subkinds(k Kind) []Subkind { return slices.Clone(subkinds[k]) }

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
)

// Channels lists the channels.
var Channels = []Channel{Portal, Phone, Site, Forum}

// Status is where a request stands.
type Status string

// The statuses, in the order a request moves through them.
const (
	Open       Status = "open"        // 待受理
	Assigned   Status = "assigned"    // 已分派
	InProgress Status = "in_progress" // 处理中
	Resolved   Status = "resolved"    // 已解决
	Closed     Status = "closed"      // 已关闭
)

// Statuses lists every status in order.
var Statuses = []Status{Open, Assigned, InProgress, Resolved, Closed}

// Done reports whether a request in this status needs no more work.
func (s Status) Done() bool { return s == Resolved || s == Closed }

// Departments a request is routed to (责任部门); Request.Department holds one.
var Departments = []string{"design", "engineering", "market_research", "brand", "planning", "property", "customer_relations"}

// Photo is a picture attached to a request.
type Photo struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
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
	ID         int64      `json:"id"`
	No         string     `json:"no"` // e.g. SQ20261123-000042
	MemberID   int64      `json:"member_id"`
	NodePath   string     `json:"-"`
	Kind       Kind       `json:"kind"`
	Subkind    Subkind    `json:"subkind"`
	Channel    Channel    `json:"channel"`
	Text       string     `json:"text"`
	Status     Status     `json:"status"`
	Department string     `json:"department,omitempty"`
	Assignee   string     `json:"assignee,omitempty"` // the assigned staff member's name
	DueAt      *time.Time `json:"due_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	Photos     []Photo    `json:"photos,omitempty"` // filled by Get
	Events     []Event    `json:"events,omitempty"` // filled by Get
}
