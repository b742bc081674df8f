// Package redeem is reward redemption (奖励兑换): a catalogue of gifts,
// merchant vouchers and services per org node, with point prices, stock,
// per-member limits and validity; and orders (兑换申请) that hold a member's
// reward points from the application through a supervisor's approval (or
// automatic approval under a price) to fulfilment (履约: picked up, posted
// with tracking, voucher code issued), or give them back when rejected or
// cancelled. Points move only through the points ledger, in the order's
// own database transaction.
package redeem

import (
	"time"

	"estateclub/internal/db"
	"estateclub/internal/points"
)

// Kind is what a catalogue item is.
type Kind string

// The kinds of catalogue items.
const (
	KindGift    Kind = "gift"    // 礼品
	KindVoucher Kind = "voucher" // 商家优惠券
	KindService Kind = "service" // 服务
)

// Kinds lists the kinds in display order.
var Kinds = []Kind{KindGift, KindVoucher, KindService}

var kindLabels = map[Kind][2]string{KindGift: {"礼品", "Gift"}, KindVoucher: {"商家优惠券", "Merchant voucher"}, KindService: {"服务", "Service"}}

// Label is the kind's name in lang.
func (k Kind) Label(lang string) string { return pick(kindLabels[k], lang) }

// Status is where an order stands.
type Status string

// Order statuses.
const (
	Applied   Status = "applied"   // 已申请: points held, awaiting approval
	Approved  Status = "approved"  // 已批准: awaiting fulfilment
	Fulfilled Status = "fulfilled" // 已兑现
	Rejected  Status = "rejected"  // 已驳回: points returned
	Cancelled Status = "cancelled" // 已取消: points returned
)

// Statuses lists every status in display order.
var Statuses = []Status{Applied, Approved, Fulfilled, Rejected, Cancelled}

var statusLabels = map[Status][2]string{Applied: {"已申请", "Applied"}, Approved: {"已批准", "Approved"},
	Fulfilled: {"已兑现", "Fulfilled"}, Rejected: {"已驳回", "Rejected"}, Cancelled: {"已取消", "Cancelled"}}

// Label is the status's name in lang.
func (s Status) Label(lang string) string { return pick(statusLabels[s], lang) }

// Method is how an order was fulfilled.
type Method string

// Fulfilment methods.
const (
	PickedUp    Method = "picked_up" // 现场领取
	Posted      Method = "posted"    // 邮寄, with a tracking number
	VoucherCode Method = "voucher"   // 发放券码
)

var methodLabels = map[Method][2]string{PickedUp: {"现场领取", "Picked up"}, Posted: {"邮寄", "Posted"}, VoucherCode: {"发放券码", "Voucher code"}}

// Label is the method's name in lang.
func (m Method) Label(lang string) string { return pick(methodLabels[m], lang) }

// Item is a catalogue item (兑换商品) offered at an org node: the group,
// a region, a city company or a project.
type Item struct {
	ID          int64      `json:"id"`
	NodeID      int64      `json:"node_id"`
	NodeCode    string     `json:"node_code"`
	NodeName    string     `json:"node_name"`
	NodePath    string     `json:"-"`
	Kind        Kind       `json:"kind"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Price       int64      `json:"price"`                  // reward points per unit
	Stock       *int64     `json:"stock,omitempty"`        // units left; nil: unlimited
	MemberLimit *int       `json:"member_limit,omitempty"` // units per member; nil: no limit
	ValidFrom   *time.Time `json:"valid_from,omitempty"`
	ValidTo     *time.Time `json:"valid_to,omitempty"` // exclusive
	Active      bool       `json:"active"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Order is a member's redemption order (兑换申请). It belongs to two org
// nodes, its item's and its member's: staff see and act on it only where
// both are in their scope (OrderFilter.Within selects the same), so a
// Shanghai specialist does not see a Hangzhou member's order of a Shanghai
// item, while the region's staff above both do.
type Order struct {
	ID           int64      `json:"id"`
	ItemID       int64      `json:"item_id"`
	ItemName     string     `json:"item_name"`
	ItemKind     Kind       `json:"item_kind"`
	MemberID     int64      `json:"member_id"`
	MemberName   string     `json:"member_name"`
	NodePath     string     `json:"-"` // the item's node
	MemberPath   string     `json:"-"` // the member's node
	Quantity     int        `json:"quantity"`
	Points       int64      `json:"points"`
	Status       Status     `json:"status"`
	Note         string     `json:"note,omitempty"`
	AppliedKind  string     `json:"applied_kind"` // staff (on the member's behalf) or member
	AppliedBy    string     `json:"applied_by"`
	AutoApproved bool       `json:"auto_approved"`
	ApprovedBy   string     `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time `json:"approved_at,omitempty"`
	Fulfilment   Method     `json:"fulfilment,omitempty"`
	TrackingNo   string     `json:"tracking_no,omitempty"`
	VoucherCode  string     `json:"voucher_code,omitempty"`
	FulfilledBy  string     `json:"fulfilled_by,omitempty"`
	FulfilledAt  *time.Time `json:"fulfilled_at,omitempty"`
	ClosedBy     string     `json:"closed_by,omitempty"` // who rejected or cancelled it
	ClosedAt     *time.Time `json:"closed_at,omitempty"`
	CloseReason  string     `json:"close_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Holds        []Hold     `json:"holds,omitempty"`
	// Replayed is set when a retry with the same idempotency key returned
	// the first order.
	Replayed bool `json:"replayed,omitempty"`

	appliedID int64 // the staff member who applied on the member's behalf
}

// Hold is the points an order holds in one region: the ledger's redemption
// transaction, and the reversal that returned it.
type Hold struct {
	Region               string `json:"region"`
	Points               int64  `json:"points"`
	TransactionID        int64  `json:"transaction_id"`
	ReleaseTransactionID *int64 `json:"release_transaction_id,omitempty"`
}

// Service keeps the catalogue and the orders; Points is the ledger that
// holds and returns the points.
type Service struct {
	DB     *db.DB
	Points *points.Service
}

func pick(l [2]string, lang string) string {
	if lang == "en" {
		return l[1]
	}
	return l[0]
}
