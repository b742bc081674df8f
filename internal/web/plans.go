package web

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/auth"
	"estateclub/internal/points"
)

// Point plans (积分计划) in the console and the API: a specialist drafts a
// plan and its rules and submits it; the group supervisor approves or
// returns it; an approved plan changes only through a change request
// someone else approves; either can cancel it.

// ScopedPlan loads the plan named by {plan}. Reading needs perm at a node
// the plan reaches (a plan above the caller awards their members) or
// below them; changing it needs perm at the plan's own node.
func (s *Server) ScopedPlan(r *http.Request, perm auth.Permission) (*points.Plan, error) {
	id, err := strconv.ParseInt(r.PathValue("plan"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	p, err := s.Points.Plan(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if perm == auth.PointsRead {
		if reaches(Principal(r).Paths(perm), p.NodePath) {
			return p, nil
		}
		return nil, NotFoundErr
	}
	if err := AuthorizeAt(r, perm, p.NodePath); err != nil {
		if !reaches(Principal(r).Paths(auth.PointsRead), p.NodePath) {
			return nil, NotFoundErr
		}
		return nil, err
	}
	return p, nil
}

// reaches reports whether a plan at path reaches one of paths or lies below it.
func reaches(paths []string, path string) bool {
	for _, q := range paths {
		if strings.HasPrefix(path, q) || strings.HasPrefix(q, path) {
			return true
		}
	}
	return false
}

// ScopedRule is the rule {rule} of the plan {plan}.
func ScopedRule(r *http.Request, p *points.Plan) (*points.Rule, error) {
	id, err := strconv.ParseInt(r.PathValue("rule"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	for i := range p.Rules {
		if p.Rules[i].ID == id {
			return &p.Rules[i], nil
		}
	}
	return nil, NotFoundErr
}

// ScopedPlanChange loads the change {revision} and checks perm at its plan.
func (s *Server) ScopedPlanChange(r *http.Request, perm auth.Permission) (*points.PlanChange, *points.Plan, error) {
	id, err := strconv.ParseInt(r.PathValue("revision"), 10, 64)
	if err != nil {
		return nil, nil, NotFoundErr
	}
	c, err := s.Points.PlanChangeByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	r.SetPathValue("plan", strconv.FormatInt(c.PlanID, 10))
	p, err := s.ScopedPlan(r, perm)
	if err != nil {
		return nil, nil, err
	}
	return c, p, nil
}
