package points

import (
	"crypto/sha256"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"estateclub/internal/apperr"
)

// MaxAmount bounds one entry, so that no sum of entries can overflow.
const MaxAmount = 100_000_000

var regionPath = regexp.MustCompile(`^/[0-9]+/[0-9]+/$`)

// normalize checks an entry and returns it trimmed.
func (e Entry) normalize() (Entry, error) {
	e.Reason, e.Ref, e.Region = strings.TrimSpace(e.Reason), strings.TrimSpace(e.Ref), strings.TrimSpace(e.Region)
	if e.MemberID <= 0 {
		return e, apperr.Field("member_id", "请指定会员", "a member is required")
	}
	if !e.Kind.valid() {
		return e, apperr.Field("kind", "积分类型须为升级积分或奖励积分", "kind must be upgrade or reward")
	}
	if e.Amount == 0 || e.Amount > MaxAmount || e.Amount < -MaxAmount {
		return e, apperr.Field("amount", "积分须为非零整数，绝对值不超过 "+itoa(MaxAmount), "amount must be a non-zero whole number of at most "+itoa(MaxAmount))
	}
	if e.Region != "" && !regionPath.MatchString(e.Region) {
		return e, apperr.Field("region", "区域须为事业部的组织路径，如 /1/4/", "region must be a region's org path, e.g. /1/4/")
	}
	for _, id := range []struct {
		field string
		v     *int64
	}{{"plan_id", e.PlanID}, {"rule_id", e.RuleID}} {
		if id.v != nil && *id.v <= 0 {
			return e, apperr.Field(id.field, "编号不正确", "not a valid id")
		}
	}
	if err := checkSource(e); err != nil {
		return e, err
	}
	if err := checkText(e.Reason, e.Ref); err != nil {
		return e, err
	}
	return e, checkKey(e.IdempotencyKey)
}

// checkSource enforces what each source may do: plans and rules only give
// points, redemption and expiry only take reward points.
func checkSource(e Entry) error {
	switch e.Source {
	case FromRule, FromPlan, FromEvent:
		if e.Amount < 0 {
			return apperr.Field("amount", "发放的积分须为正数", "points issued must be positive")
		}
		if e.Source != FromEvent && e.PlanID == nil {
			return apperr.Field("plan_id", "请指定积分计划", "a point plan is required")
		}
		if e.Source == FromRule && e.RuleID == nil {
			return apperr.Field("rule_id", "请指定积分规则", "a point rule is required")
		}
	case FromRedemption, FromExpiry:
		if e.Kind != Reward {
			return apperr.Field("kind", "只有奖励积分可以兑换或过期", "only reward points are redeemed or expire")
		}
		if e.Amount > 0 {
			return apperr.Field("amount", "兑换或过期的积分须为负数", "points redeemed or expired must be negative")
		}
	case FromAdjustment:
	case FromReversal:
		return apperr.Field("source", "冲正请使用冲正操作", "reverse a transaction with Reverse")
	default:
		return apperr.Field("source", "积分来源不正确", "unknown source")
	}
	return nil
}

func checkText(reason, ref string) error {
	if reason == "" {
		return apperr.Field("reason", "请填写原因", "a reason is required")
	}
	if utf8.RuneCountInString(reason) > 200 {
		return apperr.Field("reason", "原因最多 200 字", "reason: at most 200 characters")
	}
	if utf8.RuneCountInString(ref) > 100 {
		return apperr.Field("ref", "关联编号最多 100 字", "ref: at most 100 characters")
	}
	return nil
}

// checkKey accepts keys of 1–128 printable characters, taken as given.
func checkKey(key string) error {
	ok := key != "" && len(key) <= 128 && utf8.ValidString(key)
	for _, r := range key {
		ok = ok && unicode.IsPrint(r)
	}
	if !ok {
		return apperr.Field("idempotency_key", "请提供 1–128 个可见字符的幂等键", "an idempotency key of 1–128 printable characters is required")
	}
	return nil
}

// club is the club account an entry is posted against.
func (e Entry) club() string {
	switch e.Source {
	case FromRedemption:
		return "redeemed"
	case FromExpiry:
		return "expired"
	case FromAdjustment:
		return "adjustments"
	}
	if e.PlanID != nil {
		return "issued:plan:" + itoa(*e.PlanID)
	}
	return "issued:event"
}

// hash is the SHA-256 of the entry's canonical encoding: the operation and
// every field after normalisation, in a fixed order.
func (e Entry) hash() []byte {
	return digest(struct {
		Op       string `json:"op"`
		MemberID int64  `json:"member_id"`
		Kind     Kind   `json:"kind"`
		Region   string `json:"region"`
		Amount   int64  `json:"amount"`
		Source   Source `json:"source"`
		Reason   string `json:"reason"`
		PlanID   *int64 `json:"plan_id"`
		RuleID   *int64 `json:"rule_id"`
		Ref      string `json:"ref"`
	}{"post", e.MemberID, e.Kind, e.Region, e.Amount, e.Source, e.Reason, e.PlanID, e.RuleID, e.Ref})
}

// reversalHash is the hash of a request to reverse transaction id.
func reversalHash(id int64, reason string) []byte {
	return digest(struct {
		Op          string `json:"op"`
		Transaction int64  `json:"transaction"`
		Reason      string `json:"reason"`
	}{"reverse", id, reason})
}

// digest hashes v's JSON: encoding/json writes struct fields in their
// declared order and escapes strings one way, so equal requests give equal
// bytes.
func digest(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("points: encode request: " + err.Error()) // plain values never fail
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
