// Package card keeps the membership cards (会员卡): card designs, production
// batches (制卡批次) whose numbers come from one sequence per prefix, the
// stock (库存) each city company holds, issuing a card to a member with its
// delivery (现场发放, 邮递寄发, 上门送发), loss (挂失) and reissue (补办), lookup
// by card number for events and merchants, and the signed QR code of a
// member's card.
package card

import (
	"time"

	"estateclub/internal/db"
)

// Service keeps membership cards. Secret signs the cards' QR codes; it must
// be at least MinSecret bytes (derive it from the pii keys), or VerifyQR
// refuses every code.
type Service struct {
	DB     *db.DB
	Secret []byte
}

// Status is where a card stands.
type Status string

// Card statuses.
const (
	InStock Status = "in_stock" // 在库: in a city company's stock
	Issued  Status = "issued"   // 已发卡: held by a member, usable
	Blocked Status = "blocked"  // 已挂失/已停用: lost or replaced; merchants refuse it
	Void    Status = "void"     // 已作废: damaged or misprinted stock
)

// Statuses lists every card status.
var Statuses = []Status{InStock, Issued, Blocked, Void}

var statusLabels = map[Status][2]string{
	InStock: {"在库", "In stock"}, Issued: {"已发卡", "Issued"},
	Blocked: {"已挂失", "Blocked"}, Void: {"已作废", "Void"},
}

// Label is the status's name in lang.
func (s Status) Label(lang string) string { return label(statusLabels, s, lang) }

// Delivery is how an issued card reaches the member (发卡方式).
type Delivery string

// Delivery methods.
const (
	OnSite Delivery = "on_site" // 现场发放: handed over at the sales site or service centre
	Post   Delivery = "post"    // 邮递寄发: posted, with a tracking number
	Hand   Delivery = "hand"    // 上门送发: brought to the member's home
)

// Deliveries lists every delivery method.
var Deliveries = []Delivery{OnSite, Post, Hand}

var deliveryLabels = map[Delivery][2]string{
	OnSite: {"现场发放", "On site"}, Post: {"邮递寄发", "By post"}, Hand: {"上门送发", "By hand"},
}

// Label is the method's name in lang.
func (d Delivery) Label(lang string) string { return label(deliveryLabels, d, lang) }

// DeliveryStatus is how far the delivery of an issued card has got (寄送状态).
type DeliveryStatus string

// Delivery statuses.
const (
	Pending   DeliveryStatus = "pending"   // 待寄送
	Sent      DeliveryStatus = "sent"      // 已寄出
	Delivered DeliveryStatus = "delivered" // 已送达
	Returned  DeliveryStatus = "returned"  // 已退回
)

// DeliveryStatuses lists every delivery status.
var DeliveryStatuses = []DeliveryStatus{Pending, Sent, Delivered, Returned}

var deliveryStatusLabels = map[DeliveryStatus][2]string{
	Pending: {"待寄送", "Pending"}, Sent: {"已寄出", "Sent"},
	Delivered: {"已送达", "Delivered"}, Returned: {"已退回", "Returned"},
}

// Label is the delivery status's name in lang.
func (d DeliveryStatus) Label(lang string) string { return label(deliveryStatusLabels, d, lang) }

// Card is one membership card (会员卡): its number, where it is stocked,
// and, once issued, its member and delivery.
type Card struct {
	ID             int64          `json:"id"`
	Number         string         `json:"number"`
	BatchID        int64          `json:"batch_id"`
	DesignID       int64          `json:"design_id"`
	DesignName     string         `json:"design_name"`
	CityID         int64          `json:"city_id"` // the city company whose stock it is (was)
	CityCode       string         `json:"city_code"`
	CityName       string         `json:"city_name"`
	NodePath       string         `json:"-"` // the city's org path, for scope checks
	Status         Status         `json:"status"`
	MemberID       *int64         `json:"member_id,omitempty"`
	IssuedAt       *time.Time     `json:"issued_at,omitempty"`
	Delivery       Delivery       `json:"delivery,omitempty"`
	DeliveryStatus DeliveryStatus `json:"delivery_status,omitempty"`
	Tracking       string         `json:"tracking,omitempty"`
	DeliveredAt    *time.Time     `json:"delivered_at,omitempty"`
	BlockedAt      *time.Time     `json:"blocked_at,omitempty"`
	BlockReason    string         `json:"block_reason,omitempty"`
	ReplacedBy     string         `json:"replaced_by,omitempty"` // number of the card issued in its place (补办)
	Replaces       string         `json:"replaces,omitempty"`    // number of the card this one replaced
	ReissueFeeFen  int64          `json:"reissue_fee_fen"`       // 补办费, in fen
	CreatedAt      time.Time      `json:"created_at"`
	UpdatedAt      time.Time      `json:"updated_at"`
}

// Usable reports whether the card identifies its member at events and
// merchants: only an issued card does; a blocked one must be refused.
func (c *Card) Usable() bool { return c.Status == Issued && c.MemberID != nil }

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
