// Package points is the points ledger (积分账本): a member's upgrade points
// (升级积分) and reward points (奖励积分), kept apart in accounts per member,
// kind and region (事业部). Every change is an immutable double-entry
// transaction between a member account and a club account, with a reason, a
// source, the acting user and an idempotency key; balances move in the same
// database transaction and always equal the sum of their postings. A mistake
// is reversed by a new transaction, never edited.
package points

import (
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

// Kind is a kind of points; the two are never mixed.
type Kind string

// The kinds of points.
const (
	Upgrade Kind = "upgrade" // 升级积分: qualify for tiers, never redeemed
	Reward  Kind = "reward"  // 奖励积分: redeemed for gifts and offers
)

// Label is the kind's name in lang.
func (k Kind) Label(lang string) string {
	zh, en := "奖励积分", "reward points"
	if k == Upgrade {
		zh, en = "升级积分", "upgrade points"
	}
	if lang == "en" {
		return en
	}
	return zh
}

func (k Kind) valid() bool { return k == Upgrade || k == Reward }

// Source is what caused a transaction.
type Source string

// The sources of a transaction.
const (
	FromRule       Source = "rule"       // 积分规则 of a plan (joining, birthday, referral …)
	FromPlan       Source = "plan"       // 积分计划, awarded by hand under a plan
	FromEvent      Source = "event"      // 活动 attendance
	FromRedemption Source = "redemption" // 奖励兑换
	FromAdjustment Source = "adjustment" // 调整, approved by a supervisor
	FromExpiry     Source = "expiry"     // 结转: expired at period end
	FromReversal   Source = "reversal"   // 冲正 of an earlier transaction
)

// Shards is how many rows each club account is split into. A posting
// updates the shard its member id picks, so concurrent postings against one
// plan seldom wait for each other; a club account's balance is the sum of
// its shards. Changing it later is safe: shards are made on first use, and
// the old ones keep their balances.
const Shards = 32

// Service is the points ledger. Members evaluates tiers after every posting
// of upgrade points.
type Service struct {
	DB      *db.DB
	Members *member.Service
}

// Entry is a request to change one member's points: Amount is what the
// member gets (negative takes points away), posted against the club account
// that the source names: issued:plan:<id> (issued:event for an event with
// no plan), redeemed, expired or adjustments.
type Entry struct {
	MemberID int64  `json:"member_id"`
	Kind     Kind   `json:"kind"`
	Region   string `json:"region,omitempty"` // region path; "" is the region the member joined in
	Amount   int64  `json:"amount"`
	Source   Source `json:"source"`
	Reason   string `json:"reason"`
	PlanID   *int64 `json:"plan_id,omitempty"` // required for rule and plan sources
	RuleID   *int64 `json:"rule_id,omitempty"`
	Ref      string `json:"ref,omitempty"` // the event, redemption … behind the entry
	// IdempotencyKey (幂等键) makes retries safe: the same key with the same
	// entry returns the first transaction; with another entry, a conflict.
	IdempotencyKey string `json:"idempotency_key"`
}

// Transaction is one posting (记账): legs summing to zero per kind, one on
// a member's account and the other on a club account shard.
type Transaction struct {
	ID             int64     `json:"id"`
	MemberID       int64     `json:"member_id"`
	Kind           Kind      `json:"kind"`
	Region         string    `json:"region"`
	Amount         int64     `json:"amount"`  // to the member
	Balance        int64     `json:"balance"` // the member's balance after it
	Source         Source    `json:"source"`
	Reason         string    `json:"reason"`
	PlanID         *int64    `json:"plan_id,omitempty"`
	RuleID         *int64    `json:"rule_id,omitempty"`
	Ref            string    `json:"ref,omitempty"`
	ReversesID     *int64    `json:"reverses_id,omitempty"`
	IdempotencyKey string    `json:"idempotency_key"`
	ActorKind      string    `json:"actor_kind"`
	ActorLogin     string    `json:"actor_login"`
	CreatedAt      time.Time `json:"created_at"`
	Postings       []Posting `json:"postings"`
	// Replayed is set when a retry returned an earlier transaction.
	Replayed bool `json:"replayed,omitempty"`
}

// Posting is one leg of a transaction: a signed amount on one account.
type Posting struct {
	ID           int64  `json:"id"`
	Account      string `json:"account"` // member:42, issued:plan:7, redeemed …
	MemberID     *int64 `json:"member_id,omitempty"`
	Kind         Kind   `json:"kind"`
	Region       string `json:"region"`
	Shard        int    `json:"shard"`
	Amount       int64  `json:"amount"`
	BalanceAfter int64  `json:"balance_after"`
}

// Balance is a member's balance of one kind in one region.
type Balance struct {
	Kind       Kind   `json:"kind"`
	Region     string `json:"region"`
	RegionName string `json:"region_name"`
	Balance    int64  `json:"balance"`
}

// Filter selects the lines of a statement.
type Filter struct {
	Kind   Kind      // "" for both kinds
	From   time.Time // inclusive; zero: from the start
	To     time.Time // exclusive; zero: until now
	Offset int
	Limit  int // default 50, at most 1000
}

// Line is one line of a member's statement (积分明细), newest first.
type Line struct {
	TransactionID int64     `json:"transaction_id"`
	At            time.Time `json:"at"`
	Kind          Kind      `json:"kind"`
	Region        string    `json:"region"`
	Amount        int64     `json:"amount"`
	Balance       int64     `json:"balance"` // after this line
	Source        Source    `json:"source"`
	Reason        string    `json:"reason"`
	PlanID        *int64    `json:"plan_id,omitempty"`
	RuleID        *int64    `json:"rule_id,omitempty"`
	Ref           string    `json:"ref,omitempty"`
	ReversesID    *int64    `json:"reverses_id,omitempty"`
	ActorLogin    string    `json:"actor_login"`
}

// insufficient is the error of a debit larger than the balance.
func insufficient(k Kind, balance, need int64) error {
	return &apperr.Error{Code: apperr.InsufficientPoints, Field: "amount",
		ZH: "积分不足：" + k.Label("zh-CN") + "余额 " + itoa(balance) + "，需要 " + itoa(need),
		EN: "insufficient points: the " + k.Label("en") + " balance is " + itoa(balance) + ", " + itoa(need) + " needed"}
}
