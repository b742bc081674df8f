package api

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

func (s *handler) plans(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := points.PlanFilter{Reach: r.P.Paths(auth.PointsRead), Offset: pg.Offset(), Limit: pg.PerPage}
	switch st := points.PlanStatus(q.Get("status")); st {
	case "", points.PlanDraft, points.PlanPending, points.PlanApproved, points.PlanCancelled:
		f.Status = st
	default:
		return nil, apperr.Field("status", "状态须为 draft、pending、approved 或 cancelled", "status must be draft, pending, approved or cancelled")
	}
	switch k := points.PlanKind(q.Get("kind")); k {
	case "", points.Yearly, points.AdHoc:
		f.Kind = k
	default:
		return nil, apperr.Field("kind", "计划类型须为 yearly 或 adhoc", "kind must be yearly or adhoc")
	}
	if y := q.Get("year"); y != "" {
		if f.Year, err = strconv.Atoi(y); err != nil || f.Year < 2000 || f.Year > 2100 {
			return nil, apperr.Field("year", "年份须在 2000–2100 之间", "year must be 2000–2100")
		}
	}
	plans, total, err := s.Points.Plans(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(plans, total, pg), nil
}

func (s *handler) planCreate(r *request[points.PlanInput]) (any, error) {
	if _, err := s.NodeForWrite(r.Request, "node_code", r.Body.NodeCode, auth.PlanEdit); err != nil {
		return nil, err
	}
	p, err := s.Points.CreatePlan(r.Context(), r.Body)
	if err != nil {
		return nil, err
	}
	return created(p), nil
}

func (s *handler) planGet(_ *request[none], p *points.Plan) (any, error) { return p, nil }

func (s *handler) planUpdate(r *request[points.PlanUpdate], p *points.Plan) (any, error) {
	return s.Points.UpdatePlan(r.Context(), p.ID, r.Body)
}

func (s *handler) planUsage(r *request[none], p *points.Plan) (any, error) {
	return s.Points.PlanUsage(r.Context(), p.ID)
}

func (s *handler) planRuleAdd(r *request[points.RuleInput], p *points.Plan) (any, error) {
	rule, err := s.Points.AddRule(r.Context(), p.ID, r.Body)
	if err != nil {
		return nil, err
	}
	return created(rule), nil
}

func (s *handler) planRuleUpdate(r *request[points.RuleUpdate], p *points.Plan) (any, error) {
	rule, err := web.ScopedRule(r.Request, p)
	if err != nil {
		return nil, err
	}
	return s.Points.UpdateRule(r.Context(), rule.ID, r.Body)
}

func (s *handler) planSubmit(r *request[none], p *points.Plan) (any, error) {
	return s.Points.SubmitPlan(r.Context(), p.ID)
}

func (s *handler) planDecide(r *request[decisionBody], p *points.Plan) (any, error) {
	if r.Body.Approve {
		return s.Points.ApprovePlan(r.Context(), p.ID)
	}
	return s.Points.ReturnPlan(r.Context(), p.ID, r.Body.Note)
}

func (s *handler) planCancel(r *request[reasonBody], p *points.Plan) (any, error) {
	return s.Points.CancelPlan(r.Context(), p.ID, r.Body.Reason)
}

func (s *handler) planChanges(r *request[none], p *points.Plan) (any, error) {
	return items(s.Points.PlanChanges(r.Context(), p.ID))
}

type planChangeBody struct {
	Revision points.PlanRevision `json:"revision"`
	Reason   string              `json:"reason"`
}

func (s *handler) planChangePropose(r *request[planChangeBody], p *points.Plan) (any, error) {
	c, err := s.Points.ProposePlanChange(r.Context(), p.ID, r.Body.Revision, r.Body.Reason)
	if err != nil {
		return nil, err
	}
	return created(c), nil
}

// planChange loads the change {revision}, checked at its plan.
func (s *handler) planChange(r *http.Request, perm auth.Permission) (*points.PlanChange, error) {
	c, _, err := s.ScopedPlanChange(r, perm)
	return c, err
}

func (s *handler) planChangeDecide(r *request[decisionBody], c *points.PlanChange) (any, error) {
	return s.Points.DecidePlanChange(r.Context(), c.ID, r.Body.Approve, r.Body.Note)
}
