package points

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// PlanRevision is a change to an approved plan, as a whole: its own
// fields, rules to add, and rules to change (a rule is switched off with
// Active false, never removed: awards name it).
type PlanRevision struct {
	Plan     PlanUpdate  `json:"plan"`
	AddRules []RuleInput `json:"add_rules,omitempty"`
	Rules    []RuleEdit  `json:"rules,omitempty"`
}

// RuleEdit changes one rule of the plan.
type RuleEdit struct {
	ID int64 `json:"id"`
	RuleUpdate
}

// PlanChange is a proposed change of an approved plan (积分计划调整): it
// takes effect when someone other than its proposer approves it, and the
// plan goes on awarding as approved before meanwhile.
type PlanChange struct {
	ID           int64        `json:"id"`
	PlanID       int64        `json:"plan_id"`
	Revision     PlanRevision `json:"revision"`
	Reason       string       `json:"reason"`
	Status       string       `json:"status"` // pending, approved, rejected
	ProposedBy   string       `json:"proposed_by"`
	ProposedAt   time.Time    `json:"proposed_at"`
	DecidedBy    string       `json:"decided_by,omitempty"`
	DecidedAt    *time.Time   `json:"decided_at,omitempty"`
	DecisionNote string       `json:"decision_note,omitempty"`
}

// ProposePlanChange proposes a change of an approved plan; a plan has at
// most one pending change. The revision is checked now and again when it
// is approved.
func (s *Service) ProposePlanChange(ctx context.Context, planID int64, rev PlanRevision, reason string) (*PlanChange, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return nil, apperr.Field("reason", "请填写调整原因（最多 500 字）", "a reason of at most 500 characters is required")
	}
	var out *PlanChange
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		p, err := lockPlan(ctx, tx, planID)
		if err != nil {
			return err
		}
		if p.Status != PlanApproved {
			return &apperr.Error{Code: apperr.Conflict, ZH: "只有已批准的计划需要提交调整；草稿可直接修改",
				EN: "only approved plans change through a proposal; edit a draft directly"}
		}
		if err := applyRevision(ctx, tx, p, rev, false); err != nil {
			return err
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		js, err := json.Marshal(rev)
		if err != nil {
			return err
		}
		c := &PlanChange{PlanID: planID, Revision: rev, Reason: reason, Status: "pending", ProposedBy: by, ProposedAt: tx.Now}
		c.ID, err = tx.InsertID(ctx, `INSERT INTO point_plan_changes (plan_id, revision, reason, status, proposed_by, proposed_at)
			VALUES (?, ?, ?, 'pending', ?, ?)`, planID, string(js), reason, by, tx.Now)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, ZH: "该计划已有待审批的调整", EN: "the plan already has a change awaiting approval"}
		}
		if err != nil {
			return err
		}
		out = c
		return audit.Record(ctx, tx, audit.Change{Action: "points.plan.change.propose", ObjectType: "point_plan", ObjectID: planID,
			NodePath: p.NodePath, Summary: "提交积分计划调整 " + p.Name + "：" + reason, After: c})
	})
	if err != nil {
		return nil, fmt.Errorf("propose plan change: %w", err)
	}
	return out, nil
}

// DecidePlanChange approves (applies) or rejects a pending change. Its
// proposer cannot approve it; a rejection needs a note.
func (s *Service) DecidePlanChange(ctx context.Context, changeID int64, approve bool, note string) (*PlanChange, error) {
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return nil, apperr.Field("note", "驳回须填写原因", "a rejection needs a note")
	}
	var out *PlanChange
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var planID int64
		if err := tx.QueryRow(ctx, "SELECT plan_id FROM point_plan_changes WHERE id = ?", changeID).Scan(&planID); err != nil {
			return notFound(err, "计划调整", "plan change")
		}
		p, err := lockPlan(ctx, tx, planID) // the plan first, as every writer of it does
		if err != nil {
			return err
		}
		c, err := loadChange(ctx, tx, changeID)
		if err != nil {
			return err
		}
		if c.Status != "pending" {
			return &apperr.Error{Code: apperr.Conflict, ZH: "该调整已处理", EN: "this change was already decided"}
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		status := "rejected"
		if approve {
			status = "approved"
			if by == c.ProposedBy {
				return &apperr.Error{Code: apperr.Forbidden, ZH: "不能批准自己提交的计划调整", EN: "you cannot approve a change you proposed"}
			}
			if err := applyRevision(ctx, tx, p, c.Revision, true); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE point_plans SET changed_by = ?, approved_by = ?, approved_at = ?, updated_at = ? WHERE id = ?",
				c.ProposedBy, by, tx.Now, tx.Now, p.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE point_plan_changes SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ?",
			status, by, tx.Now, note, changeID); err != nil {
			return err
		}
		c.Status, c.DecidedBy, c.DecidedAt, c.DecisionNote = status, by, &tx.Now, note
		out = c
		return audit.Record(ctx, tx, audit.Change{Action: "points.plan.change." + status, ObjectType: "point_plan", ObjectID: p.ID,
			NodePath: p.NodePath, Summary: "积分计划调整 " + p.Name + " " + status, After: c})
	})
	if err != nil {
		return nil, fmt.Errorf("decide plan change: %w", err)
	}
	return out, nil
}

// PlanChanges lists a plan's changes, newest first.
func (s *Service) PlanChanges(ctx context.Context, planID int64) ([]PlanChange, error) {
	out := []PlanChange{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id FROM point_plan_changes WHERE plan_id = ? ORDER BY id DESC", planID)
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			c, err := loadChange(ctx, tx, id)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("plan changes: %w", err)
	}
	return out, nil
}

// PlanChangeByID returns one change request.
func (s *Service) PlanChangeByID(ctx context.Context, id int64) (*PlanChange, error) {
	var out *PlanChange
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		out, err = loadChange(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("plan change: %w", err)
	}
	return out, nil
}

func loadChange(ctx context.Context, tx *db.Tx, id int64) (*PlanChange, error) {
	c := &PlanChange{ID: id}
	var rev string
	var decidedBy *string
	err := tx.QueryRow(ctx, `SELECT plan_id, revision, reason, status, proposed_by, proposed_at, decided_by, decided_at, decision_note
		FROM point_plan_changes WHERE id = ?`, id).
		Scan(&c.PlanID, &rev, &c.Reason, &c.Status, &c.ProposedBy, &c.ProposedAt, &decidedBy, &c.DecidedAt, &c.DecisionNote)
	if err != nil {
		return nil, notFound(err, "计划调整", "plan change")
	}
	c.DecidedBy = deref(decidedBy)
	if err := json.Unmarshal([]byte(rev), &c.Revision); err != nil {
		return nil, fmt.Errorf("plan change %d: %w", id, err)
	}
	return c, nil
}

// applyRevision checks a revision against plan p and, if write, applies
// it. The budget may not fall below what the plan has issued, and the
// plan must still be ready to award afterwards.
func applyRevision(ctx context.Context, tx *db.Tx, p *Plan, rev PlanRevision, write bool) error {
	if err := p.apply(rev.Plan); err != nil {
		return err
	}
	issued, err := issuedOf(ctx, tx, []int64{p.ID})
	if err != nil {
		return err
	}
	for _, k := range []Kind{Upgrade, Reward} {
		if p.Budget.Of(k) < issued[p.ID].Of(k) {
			return apperr.Field("budget", k.Label("zh-CN")+"预算不能低于已发放的 "+itoa(issued[p.ID].Of(k)),
				"the "+k.Label("en")+" budget cannot fall below the "+itoa(issued[p.ID].Of(k))+" already issued")
		}
	}
	rules, err := rulesOf(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	if err := checkRevisionRules(p, rev, rules); err != nil || !write {
		return err
	}
	byID := map[int64]*Rule{}
	for i := range rules {
		byID[rules[i].ID] = &rules[i]
	}
	for i, e := range rev.Rules {
		if _, err := updateRule(ctx, tx, p, byID[e.ID], e.RuleUpdate); err != nil {
			return rowErr(err, "rules", i)
		}
	}
	for i, ri := range rev.AddRules {
		if _, err := addRule(ctx, tx, p, ri); err != nil {
			return rowErr(err, "add_rules", i)
		}
	}
	_, err = tx.Exec(ctx, "UPDATE point_plans SET name = ?, valid_from = ?, valid_to = ?, budget_upgrade = ?, budget_reward = ?, note = ? WHERE id = ?",
		p.Name, p.ValidFrom, p.ValidTo, p.Budget.Upgrade, p.Budget.Reward, p.Note, p.ID)
	return err
}

// checkRevisionRules checks, without writing, the rules a revision leaves:
// the edited ones, the added ones and the untouched ones under the new
// plan fields.
func checkRevisionRules(p *Plan, rev PlanRevision, rules []Rule) error {
	edits := map[int64]RuleUpdate{}
	for i, e := range rev.Rules {
		if !slices.ContainsFunc(rules, func(r Rule) bool { return r.ID == e.ID }) {
			return apperr.Field(fmt.Sprintf("rules[%d].id", i), "规则不属于该计划", "the rule is not one of the plan's")
		}
		edits[e.ID] = e.RuleUpdate
	}
	active := 0
	check := func(r Rule, list string, i int) error {
		if err := r.check(p); err != nil {
			return rowErr(err, list, i)
		}
		if r.Active {
			active++
			if p.Budget.Of(r.Kind) == 0 {
				return apperr.Field("budget", "计划有发放"+r.Kind.Label("zh-CN")+"的规则，却没有该类积分的预算",
					"the plan has rules awarding "+r.Kind.Label("en")+" but no budget for them")
			}
		}
		return nil
	}
	for i, r := range rules {
		u := edits[r.ID]
		set(&r.Amount, u.Amount)
		set(&r.CapPeriod, u.CapPeriod)
		set(&r.CapCount, u.CapCount)
		set(&r.CapPoints, u.CapPoints)
		set(&r.ValidFrom, u.ValidFrom)
		set(&r.ValidTo, u.ValidTo)
		set(&r.Active, u.Active)
		set(&r.Note, u.Note)
		if err := check(r, "rules", i); err != nil {
			return err
		}
	}
	for i, ri := range rev.AddRules {
		r := Rule{Category: ri.Category, EventType: ri.EventType, Kind: ri.Kind, Amount: ri.Amount, CapPeriod: ri.CapPeriod,
			CapCount: ri.CapCount, CapPoints: ri.CapPoints, ValidFrom: ri.ValidFrom, ValidTo: ri.ValidTo, Active: true, Note: ri.Note}
		if r.Category == "" {
			r.Category = defaultCategory(r.EventType)
		}
		if err := check(r, "add_rules", i); err != nil {
			return err
		}
	}
	if active == 0 {
		return apperr.Field("rules", "计划至少须有一条有效规则", "a plan needs at least one active rule")
	}
	if len(rules)+len(rev.AddRules) > maxRuleNo {
		return apperr.Field("add_rules", "每个积分计划最多 "+itoa(maxRuleNo)+" 条规则", "a plan has at most "+itoa(maxRuleNo)+" rules")
	}
	return nil
}
