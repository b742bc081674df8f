package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// PlanKind is a yearly plan (年度积分计划) or an ad-hoc one (非常规积分计划).
type PlanKind string

// The kinds of plan.
const (
	Yearly PlanKind = "yearly" // 年度积分计划
	AdHoc  PlanKind = "adhoc"  // 非常规积分计划
)

// PlanStatus is where a plan stands: a specialist drafts and submits it,
// the group supervisor approves it or sends it back; any plan can be
// cancelled (取消), which stops its awards at once.
type PlanStatus string

// The plan statuses.
const (
	PlanDraft     PlanStatus = "draft"     // 草稿
	PlanPending   PlanStatus = "pending"   // 待审批
	PlanApproved  PlanStatus = "approved"  // 已批准
	PlanCancelled PlanStatus = "cancelled" // 已取消
)

var planStatusLabels = map[PlanStatus][2]string{
	PlanDraft: {"草稿", "Draft"}, PlanPending: {"待审批", "Pending approval"},
	PlanApproved: {"已批准", "Approved"}, PlanCancelled: {"已取消", "Cancelled"},
}

// Label is the status's name in lang.
func (s PlanStatus) Label(lang string) string { return pick(planStatusLabels[s], lang) }

// Amounts are points of each kind: a plan's budget, what it issued.
type Amounts struct {
	Upgrade int64 `json:"upgrade"`
	Reward  int64 `json:"reward"`
}

// Of is the amount of kind k.
func (a Amounts) Of(k Kind) int64 {
	if k == Upgrade {
		return a.Upgrade
	}
	return a.Reward
}

func (a *Amounts) add(k Kind, n int64) {
	if k == Upgrade {
		a.Upgrade += n
	} else {
		a.Reward += n
	}
}

// Plan is a point plan (积分计划) of an org node: it awards the members
// who joined at or below the node, by its rules, while approved and within
// its validity, up to its budget of each kind.
type Plan struct {
	ID           int64      `json:"id"`
	NodeID       int64      `json:"node_id"`
	NodeCode     string     `json:"node_code"`
	NodeName     string     `json:"node_name"`
	NodePath     string     `json:"-"`
	Kind         PlanKind   `json:"kind"`
	Name         string     `json:"name"`
	Year         int        `json:"year,omitempty"` // yearly plans
	ValidFrom    db.Date    `json:"valid_from"`     // inclusive, China calendar
	ValidTo      db.Date    `json:"valid_to"`       // inclusive
	Budget       Amounts    `json:"budget"`
	Issued       Amounts    `json:"issued"` // net of reversals, from the ledger
	Status       PlanStatus `json:"status"`
	Note         string     `json:"note,omitempty"`
	CreatedBy    string     `json:"created_by"`
	ChangedBy    string     `json:"changed_by"` // who last wrote its content
	SubmittedBy  string     `json:"submitted_by,omitempty"`
	SubmittedAt  *time.Time `json:"submitted_at,omitempty"`
	ApprovedBy   string     `json:"approved_by,omitempty"`
	ApprovedAt   *time.Time `json:"approved_at,omitempty"`
	ReturnNote   string     `json:"return_note,omitempty"`
	CancelledBy  string     `json:"cancelled_by,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	CancelReason string     `json:"cancel_reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Rules        []Rule     `json:"rules,omitempty"`
	// PendingChange is the change awaiting approval, if any.
	PendingChange *int64 `json:"pending_change,omitempty"`
}

// awardsOn reports whether the plan awards events of day.
func (p *Plan) awardsOn(day db.Date) bool {
	return p.Status == PlanApproved && !day.Before(p.ValidFrom.Time) && !day.After(p.ValidTo.Time)
}

// editable refuses changes to a plan that is no longer a draft.
func (p *Plan) editable() error {
	switch p.Status {
	case PlanDraft:
		return nil
	case PlanApproved:
		return &apperr.Error{Code: apperr.Conflict, ZH: "已批准的积分计划须提交调整申请，经主管批准后生效",
			EN: "an approved plan changes through a change request the supervisor approves"}
	}
	return &apperr.Error{Code: apperr.Conflict, ZH: "积分计划" + p.Status.Label("zh-CN") + "，不能修改",
		EN: "the plan is " + strings.ToLower(p.Status.Label("en")) + ": it cannot be changed"}
}

// PlanInput is a new plan, optionally with its first rules. A yearly plan
// needs its year and runs through it unless dates narrow it; an ad-hoc plan
// needs its dates.
type PlanInput struct {
	NodeCode  string      `json:"node_code"`
	Kind      PlanKind    `json:"kind"`
	Name      string      `json:"name"`
	Year      int         `json:"year,omitempty"`
	ValidFrom db.Date     `json:"valid_from"`
	ValidTo   db.Date     `json:"valid_to"`
	Budget    Amounts     `json:"budget"`
	Note      string      `json:"note,omitempty"`
	Rules     []RuleInput `json:"rules,omitempty"`
}

// PlanUpdate lists what may change of a plan; nil fields stay.
type PlanUpdate struct {
	Name      *string  `json:"name,omitempty"`
	ValidFrom *db.Date `json:"valid_from,omitempty"`
	ValidTo   *db.Date `json:"valid_to,omitempty"`
	Budget    *Amounts `json:"budget,omitempty"`
	Note      *string  `json:"note,omitempty"`
}

// CreatePlan drafts a plan (起草积分计划) at an org node.
func (s *Service) CreatePlan(ctx context.Context, in PlanInput) (*Plan, error) {
	var out *Plan
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		p := &Plan{Kind: in.Kind, Name: strings.TrimSpace(in.Name), Year: in.Year, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo,
			Budget: in.Budget, Note: strings.TrimSpace(in.Note), Status: PlanDraft, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		if err := nodeOf(ctx, tx, in.NodeCode, p); err != nil {
			return err
		}
		if err := p.check(); err != nil {
			return err
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		p.CreatedBy, p.ChangedBy = by, by
		p.ID, err = tx.InsertID(ctx, `INSERT INTO point_plans (node_id, node_path, kind, name, year, valid_from, valid_to,
			budget_upgrade, budget_reward, note, status, created_by, changed_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.NodeID, p.NodePath, p.Kind, p.Name, nullYear(p.Year), p.ValidFrom, p.ValidTo,
			p.Budget.Upgrade, p.Budget.Reward, p.Note, p.Status, by, by, tx.Now, tx.Now)
		if err != nil {
			return fmt.Errorf("insert plan: %w", err)
		}
		p.Rules = []Rule{}
		for i, ri := range in.Rules {
			r, err := addRule(ctx, tx, p, ri)
			if err != nil {
				return rowErr(err, "rules", i)
			}
			p.Rules = append(p.Rules, *r)
		}
		out = p
		return audit.Record(ctx, tx, audit.Change{Action: "points.plan.create", ObjectType: "point_plan", ObjectID: p.ID,
			NodePath: p.NodePath, Summary: "起草积分计划 " + p.Name, After: p})
	})
	if err != nil {
		return nil, fmt.Errorf("create point plan: %w", err)
	}
	return out, nil
}

// UpdatePlan changes a draft plan; its rules must still fit its dates.
func (s *Service) UpdatePlan(ctx context.Context, id int64, u PlanUpdate) (*Plan, error) {
	return s.planStep(ctx, id, "points.plan.update", "修改积分计划", func(tx *db.Tx, p *Plan) error {
		if err := p.editable(); err != nil {
			return err
		}
		if err := p.apply(u); err != nil {
			return err
		}
		if err := checkRulesFit(ctx, tx, p); err != nil {
			return err
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		p.ChangedBy = by
		_, err = tx.Exec(ctx, `UPDATE point_plans SET name = ?, valid_from = ?, valid_to = ?, budget_upgrade = ?, budget_reward = ?,
			note = ?, changed_by = ?, updated_at = ? WHERE id = ?`,
			p.Name, p.ValidFrom, p.ValidTo, p.Budget.Upgrade, p.Budget.Reward, p.Note, by, tx.Now, p.ID)
		return err
	})
}

// apply sets the fields of u and checks the result.
func (p *Plan) apply(u PlanUpdate) error {
	if u.Name != nil {
		p.Name = strings.TrimSpace(*u.Name)
	}
	set(&p.ValidFrom, u.ValidFrom)
	set(&p.ValidTo, u.ValidTo)
	set(&p.Budget, u.Budget)
	if u.Note != nil {
		p.Note = strings.TrimSpace(*u.Note)
	}
	return p.check()
}

// check validates a plan's own fields.
func (p *Plan) check() error {
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 100 {
		return apperr.Field("name", "请填写计划名称（最多 100 字）", "a plan name of at most 100 characters is required")
	}
	switch p.Kind {
	case Yearly:
		if p.Year < 2000 || p.Year > 2100 {
			return apperr.Field("year", "年度计划须填写年份", "a yearly plan needs its year")
		}
		first, last := db.DateOf(p.Year, time.January, 1), db.DateOf(p.Year, time.December, 31)
		if !p.ValidFrom.Valid() {
			p.ValidFrom = first
		}
		if !p.ValidTo.Valid() {
			p.ValidTo = last
		}
		if p.ValidFrom.Before(first.Time) || p.ValidTo.After(last.Time) {
			return apperr.Field("valid_from", "年度计划的有效期须在该年内", "a yearly plan's dates must lie within its year")
		}
	case AdHoc:
		p.Year = 0
		if !p.ValidFrom.Valid() || !p.ValidTo.Valid() {
			return apperr.Field("valid_from", "非常规计划须填写起止日期", "an ad-hoc plan needs its start and end dates")
		}
		if p.ValidFrom.Year() < 2000 || p.ValidTo.Year() > 2100 {
			return apperr.Field("valid_from", "日期须在 2000–2100 年之间", "dates must lie between 2000 and 2100")
		}
	default:
		return apperr.Field("kind", "计划类型须为年度（yearly）或非常规（adhoc）", "kind must be yearly or adhoc")
	}
	if p.ValidTo.Before(p.ValidFrom.Time) {
		return apperr.Field("valid_to", "结束日期不能早于开始日期", "the end date is before the start date")
	}
	const maxBudget = 1_000_000_000_000
	if p.Budget.Upgrade < 0 || p.Budget.Reward < 0 || p.Budget.Upgrade > maxBudget || p.Budget.Reward > maxBudget {
		return apperr.Field("budget", "预算须为 0–1000000000000 的整数", "budgets must be 0–1000000000000")
	}
	if utf8.RuneCountInString(p.Note) > 1000 {
		return apperr.Field("note", "说明最多 1000 字", "note: at most 1000 characters")
	}
	return nil
}

// checkRulesFit checks every rule of p against the plan's dates.
func checkRulesFit(ctx context.Context, tx *db.Tx, p *Plan) error {
	rules, err := rulesOf(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	for i := range rules {
		if err := rules[i].check(p); err != nil {
			return rowErr(err, "rules", i)
		}
	}
	return nil
}

// nodeOf sets the plan's node from its code.
func nodeOf(ctx context.Context, tx *db.Tx, code string, p *Plan) error {
	code = strings.ToUpper(strings.TrimSpace(code))
	err := tx.QueryRow(ctx, "SELECT id, code, name, path FROM org_nodes WHERE code = ?", code).Scan(&p.NodeID, &p.NodeCode, &p.NodeName, &p.NodePath)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.Field("node_code", "组织节点 "+code+" 不存在", "org node "+code+" does not exist")
	}
	return err
}

// actorLogin is who acts in tx, as plans and adjustments record them.
func actorLogin(tx *db.Tx) (string, error) {
	if tx.Actor.Login == "" {
		return "", apperr.ForbiddenErr()
	}
	return tx.Actor.Login, nil
}

func nullYear(y int) *int {
	if y == 0 {
		return nil
	}
	return &y
}

// notFound turns a missing row into the not-found error of a kind.
func notFound(err error, zh, en string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.NotFoundf(zh, en)
	}
	return err
}

// rowErr names the item of a list an error is about: rules[2].amount.
func rowErr(err error, list string, i int) error {
	e := apperr.As(err)
	if e.Code == apperr.Internal {
		return err
	}
	c := *e
	c.Field = fmt.Sprintf("%s[%d]", list, i)
	if e.Field != "" {
		c.Field += "." + e.Field
	}
	return &c
}
