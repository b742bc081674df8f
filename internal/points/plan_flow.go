package points

import (
	"context"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// SubmitPlan sends a draft plan to the group supervisor (提交审批). It
// needs at least one active rule, and a budget for each kind its rules
// award.
func (s *Service) SubmitPlan(ctx context.Context, id int64) (*Plan, error) {
	return s.planStep(ctx, id, "points.plan.submit", "提交积分计划", func(tx *db.Tx, p *Plan) error {
		if p.Status != PlanDraft {
			return wrongStatus(p, "提交", "submitted")
		}
		if err := readyToApprove(ctx, tx, p); err != nil {
			return err
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE point_plans SET status = 'pending', submitted_by = ?, submitted_at = ?, return_note = '', updated_at = ? WHERE id = ?",
			by, tx.Now, tx.Now, p.ID)
		return err
	})
}

// ApprovePlan approves a submitted plan (审批通过): from then on its rules
// award. Whoever drafted, changed or submitted the plan cannot approve it.
func (s *Service) ApprovePlan(ctx context.Context, id int64) (*Plan, error) {
	return s.planStep(ctx, id, "points.plan.approve", "批准积分计划", func(tx *db.Tx, p *Plan) error {
		if p.Status != PlanPending {
			return wrongStatus(p, "批准", "approved")
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		if by == p.CreatedBy || by == p.ChangedBy || by == p.SubmittedBy {
			return &apperr.Error{Code: apperr.Forbidden, ZH: "不能批准自己起草、修改或提交的积分计划",
				EN: "you cannot approve a plan you drafted, changed or submitted"}
		}
		if today := dayOf(tx.Now); p.ValidTo.Before(today.Time) {
			return apperr.Field("valid_to", "计划已过有效期，不能批准", "the plan has ended: it cannot be approved")
		}
		if err := readyToApprove(ctx, tx, p); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE point_plans SET status = 'approved', approved_by = ?, approved_at = ?, updated_at = ? WHERE id = ?",
			by, tx.Now, tx.Now, p.ID)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Field: "year", ZH: "该组织节点本年度已有年度积分计划",
				EN: "this org node already has a yearly plan for the year"}
		}
		return err
	})
}

// ReturnPlan sends a submitted plan back to draft (退回) with a note: the
// supervisor's request for changes, or the drafter withdrawing it.
func (s *Service) ReturnPlan(ctx context.Context, id int64, note string) (*Plan, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, apperr.Field("note", "退回须填写原因", "returning a plan needs a note")
	}
	return s.planStep(ctx, id, "points.plan.return", "退回积分计划", func(tx *db.Tx, p *Plan) error {
		if p.Status != PlanPending {
			return wrongStatus(p, "退回", "returned")
		}
		_, err := tx.Exec(ctx, "UPDATE point_plans SET status = 'draft', return_note = ?, submitted_by = NULL, submitted_at = NULL, updated_at = ? WHERE id = ?",
			note, tx.Now, p.ID)
		return err
	})
}

// CancelPlan cancels a plan (取消积分计划): it awards nothing from this
// moment; points already issued stay with the members. A pending change of
// it is rejected.
func (s *Service) CancelPlan(ctx context.Context, id int64, reason string) (*Plan, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.Field("reason", "取消计划须填写原因", "cancelling a plan needs a reason")
	}
	return s.planStep(ctx, id, "points.plan.cancel", "取消积分计划", func(tx *db.Tx, p *Plan) error {
		if p.Status == PlanCancelled {
			return wrongStatus(p, "取消", "cancelled")
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE point_plans SET status = 'cancelled', cancelled_by = ?, cancelled_at = ?, cancel_reason = ?, updated_at = ? WHERE id = ?",
			by, tx.Now, reason, tx.Now, p.ID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE point_plan_changes SET status = 'rejected', decided_by = ?, decided_at = ?, decision_note = ?
			WHERE plan_id = ? AND status = 'pending'`, by, tx.Now, "计划已取消 / the plan was cancelled", p.ID)
		return err
	})
}

// planStep runs one step of a plan's life in a transaction: it locks the
// plan, lets step change it, and records the plan before and after.
func (s *Service) planStep(ctx context.Context, id int64, action, zh string, step func(tx *db.Tx, p *Plan) error) (*Plan, error) {
	var out *Plan
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		before := *p
		if err := step(tx, p); err != nil {
			return err
		}
		if out, err = loadPlan(ctx, tx, id, true); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "point_plan", ObjectID: id, NodePath: out.NodePath,
			Summary: zh + " " + out.Name, Before: before, After: out})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return out, nil
}

// readyToApprove checks that a plan can award: an active rule at least,
// and a budget for each kind its active rules award.
func readyToApprove(ctx context.Context, tx *db.Tx, p *Plan) error {
	rules, err := rulesOf(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	active := 0
	for i, r := range rules {
		if !r.Active {
			continue
		}
		active++
		if err := r.check(p); err != nil {
			return rowErr(err, "rules", i)
		}
		if p.Budget.Of(r.Kind) == 0 {
			return apperr.Field("budget", "计划有发放"+r.Kind.Label("zh-CN")+"的规则，却没有该类积分的预算",
				"the plan has rules awarding "+r.Kind.Label("en")+" but no budget for them")
		}
	}
	if active == 0 {
		return apperr.Field("rules", "计划至少须有一条有效规则", "a plan needs at least one active rule")
	}
	return nil
}

// touchPlan records that the actor changed a draft plan's content.
func touchPlan(ctx context.Context, tx *db.Tx, id int64) error {
	by, err := actorLogin(tx)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "UPDATE point_plans SET changed_by = ?, updated_at = ? WHERE id = ?", by, tx.Now, id)
	return err
}

func wrongStatus(p *Plan, zh, en string) error {
	return &apperr.Error{Code: apperr.Conflict, ZH: "积分计划" + p.Status.Label("zh-CN") + "，不能" + zh,
		EN: "the plan is " + strings.ToLower(p.Status.Label("en")) + ": it cannot be " + en}
}
