package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/points"
	"estateclub/internal/web"
	"net/http"
	"strconv"
)

// --- API ---

func (s *handler) apiPlans(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := points.PlanFilter{Reach: web.Principal(r).Paths(auth.PointsRead), Offset: pg.Offset(), Limit: pg.PerPage}
	switch st := points.PlanStatus(q.Get("status")); st {
	case "", points.PlanDraft, points.PlanPending, points.PlanApproved, points.PlanCancelled:
		f.Status = st
	default:
		s.APIError(w, r, apperr.Field("status", "状态须为 draft、pending、approved 或 cancelled", "status must be draft, pending, approved or cancelled"))
		return
	}
	switch k := points.PlanKind(q.Get("kind")); k {
	case "", points.Yearly, points.AdHoc:
		f.Kind = k
	default:
		s.APIError(w, r, apperr.Field("kind", "计划类型须为 yearly 或 adhoc", "kind must be yearly or adhoc"))
		return
	}
	if y := q.Get("year"); y != "" {
		if f.Year, err = strconv.Atoi(y); err != nil || f.Year < 2000 || f.Year > 2100 {
			s.APIError(w, r, apperr.Field("year", "年份须在 2000–2100 之间", "year must be 2000–2100"))
			return
		}
	}
	plans, total, err := s.Points.Plans(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(plans, total, pg))
}

func (s *handler) apiPlanCreate(w http.ResponseWriter, r *http.Request) {
	var in points.PlanInput
	if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if _, err := s.NodeForWrite(r, "node_code", in.NodeCode, auth.PlanEdit); err != nil {
		s.APIError(w, r, err)
		return
	}
	p, err := s.Points.CreatePlan(r.Context(), in)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, p)
}

// apiPlanStep runs one API action on the plan {plan}; body, when not nil,
// is read from the request first.
func (s *handler) apiPlanStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, status int, body any, act func(p *points.Plan) (any, error)) {
	p, err := s.ScopedPlan(r, perm)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if body != nil {
		if err := web.DecodeJSON(r, body); err != nil {
			s.APIError(w, r, err)
			return
		}
	}
	out, err := act(p)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, status, out)
}

func (s *handler) apiPlanGet(w http.ResponseWriter, r *http.Request) {
	s.apiPlanStep(w, r, auth.PointsRead, http.StatusOK, nil, func(p *points.Plan) (any, error) { return p, nil })
}

func (s *handler) apiPlanUpdate(w http.ResponseWriter, r *http.Request) {
	var u points.PlanUpdate
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusOK, &u, func(p *points.Plan) (any, error) {
		return s.Points.UpdatePlan(r.Context(), p.ID, u)
	})
}

func (s *handler) apiPlanUsage(w http.ResponseWriter, r *http.Request) {
	s.apiPlanStep(w, r, auth.PointsRead, http.StatusOK, nil, func(p *points.Plan) (any, error) {
		return s.Points.PlanUsage(r.Context(), p.ID)
	})
}

func (s *handler) apiPlanRuleAdd(w http.ResponseWriter, r *http.Request) {
	var in points.RuleInput
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusCreated, &in, func(p *points.Plan) (any, error) {
		return s.Points.AddRule(r.Context(), p.ID, in)
	})
}

func (s *handler) apiPlanRuleUpdate(w http.ResponseWriter, r *http.Request) {
	var u points.RuleUpdate
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusOK, &u, func(p *points.Plan) (any, error) {
		rule, err := web.ScopedRule(r, p)
		if err != nil {
			return nil, err
		}
		return s.Points.UpdateRule(r.Context(), rule.ID, u)
	})
}

func (s *handler) apiPlanSubmit(w http.ResponseWriter, r *http.Request) {
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusOK, nil, func(p *points.Plan) (any, error) {
		return s.Points.SubmitPlan(r.Context(), p.ID)
	})
}

func (s *handler) apiPlanDecide(w http.ResponseWriter, r *http.Request) {
	var b decisionBody
	s.apiPlanStep(w, r, auth.PlanApprove, http.StatusOK, &b, func(p *points.Plan) (any, error) {
		if b.Approve {
			return s.Points.ApprovePlan(r.Context(), p.ID)
		}
		return s.Points.ReturnPlan(r.Context(), p.ID, b.Note)
	})
}

func (s *handler) apiPlanCancel(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Reason string `json:"reason"`
	}
	s.apiPlanStep(w, r, auth.PlanApprove, http.StatusOK, &b, func(p *points.Plan) (any, error) {
		return s.Points.CancelPlan(r.Context(), p.ID, b.Reason)
	})
}

func (s *handler) apiPlanChanges(w http.ResponseWriter, r *http.Request) {
	s.apiPlanStep(w, r, auth.PointsRead, http.StatusOK, nil, func(p *points.Plan) (any, error) {
		cs, err := s.Points.PlanChanges(r.Context(), p.ID)
		if cs == nil {
			cs = []points.PlanChange{}
		}
		return map[string]any{"items": cs}, err
	})
}

func (s *handler) apiPlanChangePropose(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Revision points.PlanRevision `json:"revision"`
		Reason   string              `json:"reason"`
	}
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusCreated, &b, func(p *points.Plan) (any, error) {
		return s.Points.ProposePlanChange(r.Context(), p.ID, b.Revision, b.Reason)
	})
}

func (s *handler) apiPlanChangeDecide(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.ScopedPlanChange(r, auth.PlanApprove)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b decisionBody
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	out, err := s.Points.DecidePlanChange(r.Context(), c.ID, b.Approve, b.Note)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, out)
}
