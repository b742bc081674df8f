// Package member keeps the club's members (会员): default members who left a
// mobile number, applications and their review, profiles with encrypted
// personal data and a full change history, and tiers.
package member

import (
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// Status is where a member stands in the club.
type Status string

// Member statuses.
const (
	Default  Status = "default"  // 默认会员: left a mobile number, no benefits yet
	Pending  Status = "pending"  // 待审核: application submitted
	Returned Status = "returned" // 已退回: application returned with a reason
	Active   Status = "active"   // 正式会员
	Closed   Status = "closed"   // 已注销
)

// Statuses lists every status in display order.
var Statuses = []Status{Default, Pending, Returned, Active, Closed}

var statusLabels = map[Status][2]string{
	Default: {"默认会员", "Default member"}, Pending: {"待审核", "Pending review"},
	Returned: {"已退回", "Returned"}, Active: {"正式会员", "Member"}, Closed: {"已注销", "Closed"},
}

// Label is the status's name in lang.
func (s Status) Label(lang string) string { return label(statusLabels, s, lang) }

// Channel is how a member was enrolled (入会途径).
type Channel string

// The enrolment channels of DOMAIN.md.
const (
	SalesSite     Channel = "sales_site"     // 销售现场
	Purchase      Channel = "purchase"       // 购房
	ServiceCenter Channel = "service_center" // 项目客服中心
	Online        Channel = "online"         // 网站/网上入会
	Merchant      Channel = "merchant"       // 商家联盟客户
	Public        Channel = "public"         // 社会招募
)

// Channels lists every channel.
var Channels = []Channel{SalesSite, Purchase, ServiceCenter, Online, Merchant, Public}

var channelLabels = map[Channel][2]string{
	SalesSite: {"销售现场", "Sales site"}, Purchase: {"购房", "Purchase"},
	ServiceCenter: {"项目客服中心", "Project service centre"}, Online: {"网上入会", "Online"},
	Merchant: {"商家联盟客户", "Alliance merchant"}, Public: {"社会招募", "Public recruitment"},
}

// Label is the channel's name in lang.
func (c Channel) Label(lang string) string { return label(channelLabels, c, lang) }

// ParseChannel checks a channel code.
func ParseChannel(s string) (Channel, error) {
	for _, c := range Channels {
		if string(c) == s {
			return c, nil
		}
	}
	return "", apperr.Field("channel", "入会途径不正确", "unknown enrolment channel")
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

// Consent is a member's permission to be contacted, per channel, with when
// and how it was given (PIPL).
type Consent struct {
	SMS   bool       `json:"sms"`
	Email bool       `json:"email"`
	Post  bool       `json:"post"`
	At    *time.Time `json:"at,omitempty"`
	How   string     `json:"how,omitempty"` // e.g. "入会申请表签字", "portal"
}

// FamilyMember is one person in a member's family.
type FamilyMember struct {
	Relation string `json:"relation"` // 配偶, 子女, 父母 …
	Name     string `json:"name"`
	Birthday string `json:"birthday,omitempty"` // YYYY-MM-DD
}

// Property is a home the member owns (房产).
type Property struct {
	ID           int64   `json:"id"`
	ProjectID    int64   `json:"project_id"`
	ProjectCode  string  `json:"project_code"`
	ProjectName  string  `json:"project_name"`
	Building     string  `json:"building"`
	Unit         string  `json:"unit"`
	ContractDate db.Date `json:"contract_date"`
	PaymentDate  db.Date `json:"payment_date"`
	HandoverDate db.Date `json:"handover_date"`
}

// Member is a member's record as staff see it: personal data masked.
type Member struct {
	ID            int64          `json:"id"`
	MemberNo      string         `json:"member_no,omitempty"`
	NodeID        int64          `json:"node_id"`
	NodeCode      string         `json:"node_code"`
	NodeName      string         `json:"node_name"`
	NodePath      string         `json:"-"`
	Status        Status         `json:"status"`
	Tier          string         `json:"tier"`
	Name          string         `json:"name"`
	Gender        string         `json:"gender,omitempty"`
	Mobile        string         `json:"mobile"`              // masked: 138****5678
	IDNumber      string         `json:"id_number,omitempty"` // masked
	Address       string         `json:"address,omitempty"`   // masked
	Birthday      db.Date        `json:"birthday"`
	Email         string         `json:"email,omitempty"`
	WeChat        string         `json:"wechat,omitempty"`
	Occupation    string         `json:"occupation,omitempty"`
	Family        []FamilyMember `json:"family"`
	Tags          []string       `json:"tags"`
	Consent       Consent        `json:"consent"`
	Channel       Channel        `json:"channel"`
	RecruiterID   *int64         `json:"recruiter_id,omitempty"`
	RecruiterName string         `json:"recruiter_name,omitempty"`
	ReturnReason  string         `json:"return_reason,omitempty"`
	JoinedAt      *time.Time     `json:"joined_at,omitempty"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	Properties    []Property     `json:"properties"`
}

// PII is a member's personal data in clear, only handed out by Reveal.
type PII struct {
	Mobile   string `json:"mobile"`
	IDNumber string `json:"id_number,omitempty"`
	Address  string `json:"address,omitempty"`
}

// Service keeps members.
type Service struct {
	DB   *db.DB
	Keys *pii.Keys
}
