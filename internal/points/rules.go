package points

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Rule is a rule of a point plan (积分规则): which event earns how many
// points of which kind, capped per member and period, within its validity
// (the plan's when not set).
type Rule struct {
	ID        int64     `json:"id"`
	PlanID    int64     `json:"plan_id"`
	Category  Category  `json:"category"`
	EventType EventType `json:"event_type"`
	Kind      Kind      `json:"kind"`
	Amount    int64     `json:"amount"`
	CapPeriod CapPeriod `json:"cap_period"`
	CapCount  int       `json:"cap_count"`  // awards per member and period; 0: no limit
	CapPoints int64     `json:"cap_points"` // points per member and period; 0: no limit
	ValidFrom db.Date   `json:"valid_from"`
	ValidTo   db.Date   `json:"valid_to"`
	Active    bool      `json:"active"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RuleInput is a new rule. An empty category is the event's usual one;
// an empty cap period with a cap count or points is an error.
type RuleInput struct {
	Category  Category  `json:"category"`
	EventType EventType `json:"event_type"`
	Kind      Kind      `json:"kind"`
	Amount    int64     `json:"amount"`
	CapPeriod CapPeriod `json:"cap_period"`
	CapCount  int       `json:"cap_count"`
	CapPoints int64     `json:"cap_points"`
	ValidFrom db.Date   `json:"valid_from"`
	ValidTo   db.Date   `json:"valid_to"`
	Note      string    `json:"note"`
}

// RuleUpdate lists what may change of a rule; nil fields stay.
type RuleUpdate struct {
	Amount    *int64     `json:"amount,omitempty"`
	CapPeriod *CapPeriod `json:"cap_period,omitempty"`
	CapCount  *int       `json:"cap_count,omitempty"`
	CapPoints *int64     `json:"cap_points,omitempty"`
	ValidFrom *db.Date   `json:"valid_from,omitempty"`
	ValidTo   *db.Date   `json:"valid_to,omitempty"`
	Active    *bool      `json:"active,omitempty"`
	Note      *string    `json:"note,omitempty"`
}

// AddRule adds a rule to a draft plan; an approved plan takes new rules
// through a change (ProposePlanChange).
func (s *Service) AddRule(ctx context.Context, planID int64, in RuleInput) (*Rule, error) {
	var out *Rule
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		p, err := lockPlan(ctx, tx, planID)
		if err != nil {
			return err
		}
		if err := p.editable(); err != nil {
			return err
		}
		if out, err = addRule(ctx, tx, p, in); err != nil {
			return err
		}
		if err := touchPlan(ctx, tx, p.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "points.rule.add", ObjectType: "point_plan", ObjectID: p.ID,
			NodePath: p.NodePath, Summary: "积分计划 " + p.Name + " 新增规则：" + out.EventType.Label("zh-CN"), After: out})
	})
	if err != nil {
		return nil, fmt.Errorf("add point rule: %w", err)
	}
	return out, nil
}

// UpdateRule changes a rule of a draft plan.
func (s *Service) UpdateRule(ctx context.Context, ruleID int64, u RuleUpdate) (*Rule, error) {
	var out *Rule
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var planID int64
		if err := tx.QueryRow(ctx, "SELECT plan_id FROM point_rules WHERE id = ?", ruleID).Scan(&planID); err != nil {
			return notFound(err, "积分规则", "point rule")
		}
		p, err := lockPlan(ctx, tx, planID)
		if err != nil {
			return err
		}
		if err := p.editable(); err != nil {
			return err
		}
		old, err := loadRule(ctx, tx, ruleID)
		if err != nil {
			return err
		}
		if out, err = updateRule(ctx, tx, p, old, u); err != nil {
			return err
		}
		if err := touchPlan(ctx, tx, p.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "points.rule.update", ObjectType: "point_plan", ObjectID: p.ID,
			NodePath: p.NodePath, Summary: "积分计划 " + p.Name + " 修改规则 " + itoa(ruleID), Before: old, After: out})
	})
	if err != nil {
		return nil, fmt.Errorf("update point rule: %w", err)
	}
	return out, nil
}

// addRule checks a new rule against its plan and writes it.
func addRule(ctx context.Context, tx *db.Tx, p *Plan, in RuleInput) (*Rule, error) {
	r := Rule{PlanID: p.ID, Category: in.Category, EventType: in.EventType, Kind: in.Kind, Amount: in.Amount,
		CapPeriod: in.CapPeriod, CapCount: in.CapCount, CapPoints: in.CapPoints, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo,
		Active: true, Note: strings.TrimSpace(in.Note), CreatedAt: tx.Now, UpdatedAt: tx.Now}
	if r.Category == "" {
		r.Category = defaultCategory(r.EventType)
	}
	if err := r.check(p); err != nil {
		return nil, err
	}
	n, err := tx.Count(ctx, "SELECT count(*) FROM point_rules WHERE plan_id = ?", p.ID)
	if err != nil {
		return nil, err
	}
	if n >= maxRuleNo {
		return nil, apperr.Field("rules", "每个积分计划最多 "+itoa(maxRuleNo)+" 条规则", "a plan has at most "+itoa(maxRuleNo)+" rules")
	}
	r.ID, err = tx.InsertID(ctx, `INSERT INTO point_rules (plan_id, category, event_type, kind, amount, cap_period, cap_count, cap_points,
		valid_from, valid_to, active, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.PlanID, r.Category, r.EventType, r.Kind, r.Amount, r.CapPeriod, r.CapCount, r.CapPoints,
		r.ValidFrom, r.ValidTo, r.Active, r.Note, tx.Now, tx.Now)
	if err != nil {
		return nil, fmt.Errorf("insert rule: %w", err)
	}
	return &r, nil
}

// updateRule applies u to old and writes the rule.
func updateRule(ctx context.Context, tx *db.Tx, p *Plan, old *Rule, u RuleUpdate) (*Rule, error) {
	r := *old
	set(&r.Amount, u.Amount)
	set(&r.CapPeriod, u.CapPeriod)
	set(&r.CapCount, u.CapCount)
	set(&r.CapPoints, u.CapPoints)
	set(&r.ValidFrom, u.ValidFrom)
	set(&r.ValidTo, u.ValidTo)
	set(&r.Active, u.Active)
	if u.Note != nil {
		r.Note = strings.TrimSpace(*u.Note)
	}
	if err := r.check(p); err != nil {
		return nil, err
	}
	r.UpdatedAt = tx.Now
	_, err := tx.Exec(ctx, `UPDATE point_rules SET amount = ?, cap_period = ?, cap_count = ?, cap_points = ?, valid_from = ?, valid_to = ?,
		active = ?, note = ?, updated_at = ? WHERE id = ?`,
		r.Amount, r.CapPeriod, r.CapCount, r.CapPoints, r.ValidFrom, r.ValidTo, r.Active, r.Note, tx.Now, r.ID)
	if err != nil {
		return nil, fmt.Errorf("update rule %d: %w", r.ID, err)
	}
	return &r, nil
}

// check validates a rule of plan p.
func (r *Rule) check(p *Plan) error {
	if _, ok := categoryLabels[r.Category]; !ok {
		return apperr.Field("category", "规则类别不正确", "unknown rule category")
	}
	if _, err := ParseEventType(string(r.EventType)); err != nil {
		return err
	}
	if !r.Kind.valid() {
		return apperr.Field("kind", "积分类型须为升级积分或奖励积分", "kind must be upgrade or reward")
	}
	if r.Amount <= 0 || r.Amount > MaxAmount {
		return apperr.Field("amount", "积分须为 1–"+itoa(MaxAmount)+" 的整数", "amount must be 1–"+itoa(MaxAmount))
	}
	if r.CapPeriod == "" {
		r.CapPeriod = NoCap
	}
	switch r.CapPeriod {
	case NoCap:
		if r.CapCount != 0 || r.CapPoints != 0 {
			return apperr.Field("cap_period", "设置上限须选择周期（日、月、年或计划期）", "a cap needs a period: day, month, year or plan")
		}
	case PerDay, PerMonth, PerYear, PerPlan:
		if r.CapCount < 0 || r.CapPoints < 0 || r.CapPoints > MaxAmount || r.CapCount > 1_000_000 {
			return apperr.Field("cap_count", "上限须为非负整数", "caps must be non-negative")
		}
		if r.CapCount == 0 && r.CapPoints == 0 {
			return apperr.Field("cap_count", "请设置次数上限或积分上限，或不设周期", "set a count or points cap, or no cap period")
		}
	default:
		return apperr.Field("cap_period", "上限周期须为 none、day、month、year 或 plan", "cap period must be none, day, month, year or plan")
	}
	if r.ValidFrom.Valid() && r.ValidFrom.Before(p.ValidFrom.Time) || r.ValidTo.Valid() && r.ValidTo.After(p.ValidTo.Time) {
		return apperr.Field("valid_from", "规则有效期须在计划有效期（"+p.ValidFrom.String()+" 至 "+p.ValidTo.String()+"）之内",
			"a rule's validity must lie within the plan's ("+p.ValidFrom.String()+" to "+p.ValidTo.String()+")")
	}
	if r.ValidFrom.Valid() && r.ValidTo.Valid() && r.ValidTo.Before(r.ValidFrom.Time) {
		return apperr.Field("valid_to", "结束日期不能早于开始日期", "the end date is before the start date")
	}
	if utf8.RuneCountInString(r.Note) > 500 {
		return apperr.Field("note", "说明最多 500 字", "note: at most 500 characters")
	}
	return nil
}

// validOn reports whether the rule applies on day (its own dates, else
// its plan's, which the caller checks).
func (r *Rule) validOn(day db.Date) bool {
	return r.Active && (!r.ValidFrom.Valid() || !day.Before(r.ValidFrom.Time)) && (!r.ValidTo.Valid() || !day.After(r.ValidTo.Time))
}

func defaultCategory(t EventType) Category {
	for _, e := range EventTypes {
		if e.Type == t {
			return e.Category
		}
	}
	return CatOther
}

const ruleColumns = `id, plan_id, category, event_type, kind, amount, cap_period, cap_count, cap_points,
	valid_from, valid_to, active, note, created_at, updated_at`

func scanRule(sc interface{ Scan(...any) error }) (*Rule, error) {
	var r Rule
	err := sc.Scan(&r.ID, &r.PlanID, &r.Category, &r.EventType, &r.Kind, &r.Amount, &r.CapPeriod, &r.CapCount, &r.CapPoints,
		&r.ValidFrom, &r.ValidTo, &r.Active, &r.Note, &r.CreatedAt, &r.UpdatedAt)
	return &r, err
}

func loadRule(ctx context.Context, tx *db.Tx, id int64) (*Rule, error) {
	r, err := scanRule(tx.QueryRow(ctx, "SELECT "+ruleColumns+" FROM point_rules WHERE id = ?", id))
	if err != nil {
		return nil, notFound(err, "积分规则", "point rule")
	}
	return r, nil
}

// rulesOf lists a plan's rules in the order they were made.
func rulesOf(ctx context.Context, tx *db.Tx, planID int64) ([]Rule, error) {
	rows, err := tx.Query(ctx, "SELECT "+ruleColumns+" FROM point_rules WHERE plan_id = ? ORDER BY id", planID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
