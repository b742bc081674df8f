// Package event keeps the club's events (活动管理): the yearly plan of each
// org node (年度活动计划), proposals (方案) and their review rounds (方案评审),
// publication to a targeted audience with a text notice to those who
// consented, registration with capacity, companions, a deadline and a
// waiting list, check-in by card QR code, card number or mobile, attendance
// points through the points ledger, follow-up calls (活动会员回访), the
// satisfaction survey, the evaluation (经验总结) and the case library
// (活动案例库).
//
// The life of an event (Status):
//
//	draft ──Submit──▶ in_review ──Review(approve)──▶ approved ──Publish──▶ published
//	  ▲                  │                                                   │ deadline / CloseRegistration
//	  └── returned ◀─────┘ Review(return)                                    ▼
//	      (edit, Submit again)                        reg_closed ──MarkHeld (after the end)──▶ held ──Close──▶ closed
//
// Any status before held may be cancelled. Check-in runs while published,
// reg_closed or held; calls, costs and the survey once held; Close records
// the lessons and puts the event in the case library. An event outside its
// node's yearly plan (计划外) is approved only by a reviewer who may approve
// unplanned events (a supervisor).
package event

import (
	"time"
)

// Kind is the type of an event.
type Kind string

// The types of event.
const (
	Leisure  Kind = "leisure"  // 休闲
	Business Kind = "business" // 商务
	Industry Kind = "industry" // 行业
)

// Kinds lists the types in display order.
var Kinds = []Kind{Leisure, Business, Industry}

// Organiser says who runs an event.
type Organiser string

// The organisers.
const (
	Host     Organiser = "host"     // 主办
	CoHost   Organiser = "cohost"   // 内部协办, with an internal department
	Merchant Organiser = "merchant" // 合作商家活动, with a partner merchant
)

// Organisers lists the organisers in display order.
var Organisers = []Organiser{Host, CoHost, Merchant}

// Status is where an event stands (see the package comment).
type Status string

// The statuses, in the order an event moves through them.
const (
	Draft     Status = "draft"      // 草稿
	InReview  Status = "in_review"  // 待评审
	Returned  Status = "returned"   // 已退回
	Approved  Status = "approved"   // 已批准
	Published Status = "published"  // 报名中
	RegClosed Status = "reg_closed" // 报名截止
	Held      Status = "held"       // 已举办
	Closed    Status = "closed"     // 已总结 (in the case library)
	Cancelled Status = "cancelled"  // 已取消
)

// Statuses lists every status in order.
var Statuses = []Status{Draft, InReview, Returned, Approved, Published, RegClosed, Held, Closed, Cancelled}

// Editable reports whether the proposal may still be changed.
func (s Status) Editable() bool { return s == Draft || s == Returned }

// Public reports whether members see the event.
func (s Status) Public() bool { return s == Published || s == RegClosed || s == Held || s == Closed }

// CheckInOpen reports whether members may be checked in.
func (s Status) CheckInOpen() bool { return s == Published || s == RegClosed || s == Held }

// Cancellable reports whether the event may still be cancelled.
func (s Status) Cancellable() bool {
	return s != Held && s != Closed && s != Cancelled
}

// PointMode is how attendance earns points.
type PointMode string

// The point modes.
const (
	NoPoints    PointMode = "none"  // 不计积分
	FixedPoints PointMode = "fixed" // a fixed number of reward points per attendance
	PlanPoints  PointMode = "plan"  // the point plans' rules for points.EvEventAttendance
)

// PointModes lists the modes.
var PointModes = []PointMode{NoPoints, FixedPoints, PlanPoints}

// BudgetCategory is a budget category of DOMAIN.md (预算类别).
type BudgetCategory string

// The budget categories.
const (
	BudgetRecruitment BudgetCategory = "recruitment"   // 会员招募
	BudgetCards       BudgetCategory = "cards"         // 会员卡
	BudgetEvents      BudgetCategory = "events"        // 活动 (incl. ads and flyers)
	BudgetRedemption  BudgetCategory = "redemption"    // 积分兑换
	BudgetPublication BudgetCategory = "publications"  // 刊物
	BudgetWebsite     BudgetCategory = "website"       // 网站
	BudgetSystem      BudgetCategory = "member_system" // 会员系统
	BudgetPR          BudgetCategory = "external_pr"   // 对外公关
)

// BudgetCategories lists the categories in display order.
var BudgetCategories = []BudgetCategory{BudgetRecruitment, BudgetCards, BudgetEvents, BudgetRedemption,
	BudgetPublication, BudgetWebsite, BudgetSystem, BudgetPR}

// Target chooses the members an event is published to (定向发布): every
// set condition must hold; an empty one does not restrict. Nodes are city
// companies or projects (members who joined at or below them); Tags match
// members' interest tags (any of them).
type Target struct {
	Tiers        []string `json:"tiers,omitempty"`
	NodeIDs      []int64  `json:"node_ids,omitempty"`
	Tags         []string `json:"tags,omitempty"`
	OwnsProperty *bool    `json:"owns_property,omitempty"`
	// NodePaths are the paths of NodeIDs, filled when the event is read.
	NodePaths []string `json:"-"`
}

// BudgetLine is a line of a proposal's budget or of its actual costs, in fen.
type BudgetLine struct {
	ID        int64          `json:"id,omitempty"`
	Category  BudgetCategory `json:"category"`
	Item      string         `json:"item"`
	AmountFen int64          `json:"amount_fen"`
}

// Cost is an actual cost with its receipt (a photo or a PDF), sealed.
type Cost struct {
	BudgetLine
	ReceiptName string    `json:"receipt_name,omitempty"`
	ReceiptType string    `json:"receipt_type,omitempty"`
	ReceiptSize int       `json:"receipt_size,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Review is one round of a proposal's review (方案评审).
type Review struct {
	Round      int       `json:"round"`
	ReviewerID int64     `json:"reviewer_id"`
	Reviewer   string    `json:"reviewer"`
	Approved   bool      `json:"approved"`
	Comments   string    `json:"comments,omitempty"`
	At         time.Time `json:"at"`
}

// HistoryLine is a line of an event's history.
type HistoryLine struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Note   string    `json:"note,omitempty"`
}

// Counts are an event's registrations by state.
type Counts struct {
	Registered int `json:"registered"` // registrations holding a seat
	Seats      int `json:"seats"`      // seats they take, companions included
	Waiting    int `json:"waiting"`
	Cancelled  int `json:"cancelled"`
	CheckedIn  int `json:"checked_in"` // walk-ins included
	WalkIns    int `json:"walk_ins"`
}

// Event is an event (活动) with its proposal.
type Event struct {
	ID            int64     `json:"id"`
	No            string    `json:"no"` // e.g. HD2026-000042
	NodeID        int64     `json:"node_id"`
	NodeCode      string    `json:"node_code"`
	NodeName      string    `json:"node_name"`
	NodePath      string    `json:"-"`
	PlanItemID    *int64    `json:"plan_item_id,omitempty"`
	Unplanned     bool      `json:"unplanned"` // 计划外活动
	Kind          Kind      `json:"kind"`
	Organiser     Organiser `json:"organiser"`
	Department    string    `json:"department,omitempty"` // 内部协办: the internal department
	Merchant      string    `json:"merchant,omitempty"`   // 合作商家: the partner merchant
	Theme         string    `json:"theme"`
	Goals         string    `json:"goals,omitempty"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at"`
	Deadline      time.Time `json:"deadline"` // registration closes
	Venue         string    `json:"venue"`
	Address       string    `json:"address,omitempty"`
	Capacity      int       `json:"capacity"`
	CompanionsMax int       `json:"companions_max"`
	// YearLimit is the most events of the same node a member may hold a
	// registration for in one calendar year (0: no limit).
	YearLimit   int           `json:"year_limit"`
	Audience    string        `json:"audience,omitempty"`
	Agenda      string        `json:"agenda,omitempty"`
	Staffing    string        `json:"staffing,omitempty"`
	Resources   string        `json:"resources,omitempty"`
	PointMode   PointMode     `json:"point_mode"`
	PointAmount int64         `json:"point_amount,omitempty"`
	Target      Target        `json:"target"`
	Status      Status        `json:"status"`
	ProposerID  *int64        `json:"proposer_id,omitempty"`
	Proposer    string        `json:"proposer,omitempty"`
	ApprovedBy  *int64        `json:"approved_by,omitempty"`
	CopiedFrom  *int64        `json:"copied_from,omitempty"`
	SeatsTaken  int           `json:"seats_taken"`
	Lessons     string        `json:"lessons,omitempty"`
	CancelNote  string        `json:"cancel_reason,omitempty"`
	SurveySent  *time.Time    `json:"survey_sent_at,omitempty"`
	PublishedAt *time.Time    `json:"published_at,omitempty"`
	ClosedAt    *time.Time    `json:"closed_at,omitempty"`
	Version     int           `json:"version"`
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	BudgetFen   int64         `json:"budget_fen"` // sum of the budget lines
	Budget      []BudgetLine  `json:"budget,omitempty"`
	Costs       []Cost        `json:"costs,omitempty"`   // filled by Get
	Reviews     []Review      `json:"reviews,omitempty"` // filled by Get
	History     []HistoryLine `json:"history,omitempty"` // filled by Get
	Counts      *Counts       `json:"counts,omitempty"`  // filled by Get
}

// SeatsLeft is how many seats are still free.
func (e *Event) SeatsLeft() int { return max(e.Capacity-e.SeatsTaken, 0) }

// RegStatus is where a registration stands.
type RegStatus string

// The registration statuses.
const (
	Registered   RegStatus = "registered" // 已报名: holds a seat
	Waiting      RegStatus = "waiting"    // 候补
	RegCancelled RegStatus = "cancelled"  // 已取消
)

// Channel is how a registration came in.
type Channel string

// The registration channels.
const (
	ByPortal Channel = "portal"  // the member, in the portal
	ByStaff  Channel = "staff"   // staff on the member's behalf
	ByWalkIn Channel = "walk_in" // checked in on the day without registering
)

// Registration is a member's registration for an event (报名).
type Registration struct {
	ID            int64      `json:"id"`
	EventID       int64      `json:"event_id"`
	MemberID      int64      `json:"member_id"`
	MemberNo      string     `json:"member_no,omitempty"`
	MemberName    string     `json:"member_name"`
	NodePath      string     `json:"-"`
	Seq           int        `json:"seq"` // arrival order
	Status        RegStatus  `json:"status"`
	Companions    int        `json:"companions"`
	Channel       Channel    `json:"channel"`
	WalkIn        bool       `json:"walk_in"`
	CheckedInAt   *time.Time `json:"checked_in_at,omitempty"`
	CheckInMethod string     `json:"checkin_method,omitempty"`
	PointsStatus  string     `json:"points_status,omitempty"`
	PointsError   string     `json:"points_error,omitempty"`
	PromotedAt    *time.Time `json:"promoted_at,omitempty"`
	CancelledAt   *time.Time `json:"cancelled_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	// WaitingAhead is how many wait before a waiting registration.
	WaitingAhead int `json:"waiting_ahead,omitempty"`
}
