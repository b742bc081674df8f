package api

import (
	"net/http"

	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/web"
)

func (s *handler) memberList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := s.MemberFilter(r.Request)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := s.Members.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	out := web.NewList(list, total, pg)
	out.TotalIsLowerBound = total > member.CountCap
	return out, nil
}

// memberCreate enrols a member (application false) or files an
// application for review (true); a duplicate merges into the member.
func (s *handler) memberCreate(application bool) func(r *request[member.Application]) (any, error) {
	return func(r *request[member.Application]) (any, error) {
		m, out, err := s.SubmitMember(r.Request, r.Body, application)
		if err != nil {
			return nil, err
		}
		body := map[string]any{"outcome": out, "member": m}
		if out == member.Merged {
			return body, nil
		}
		return created(body), nil
	}
}

func (s *handler) memberGet(_ *request[none], m *member.Member) (any, error) { return m, nil }

func (s *handler) memberUpdate(r *request[member.Update], m *member.Member) (any, error) {
	return s.Members.Update(r.Context(), m.ID, r.Body)
}

type revealBody struct {
	Reason string `json:"reason"`
}

func (s *handler) memberReveal(r *request[optional[revealBody]], m *member.Member) (any, error) {
	return s.Members.Reveal(r.Context(), m.ID, r.Body.V.Reason)
}

type reviewBody struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

func (s *handler) memberReview(r *request[reviewBody], m *member.Member) (any, error) {
	return s.Members.Review(r.Context(), m.ID, r.Body.Approve, r.Body.Reason)
}

func (s *handler) memberHistory(r *request[none], m *member.Member) (any, error) {
	h, err := s.Members.History(r.Context(), m.ID)
	if err != nil {
		return nil, err
	}
	return whole(h), nil
}

func (s *handler) memberProperty(r *request[member.PropertyInput], m *member.Member) (any, error) {
	if _, err := s.NodeForWrite(r.Request, "project", r.Body.ProjectCode, auth.MemberWrite); err != nil {
		return nil, err
	}
	m, err := s.Members.AddProperty(r.Context(), m.ID, r.Body)
	if err != nil {
		return nil, err
	}
	return created(m), nil
}

type tierChangeBody struct {
	Tier   string `json:"tier"`
	Reason string `json:"reason"`
}

func (s *handler) tierChangeRequest(r *request[tierChangeBody], m *member.Member) (any, error) {
	c, err := s.Members.RequestTierChange(r.Context(), m.ID, r.Body.Tier, r.Body.Reason)
	if err != nil {
		return nil, err
	}
	return created(c), nil
}

func (s *handler) tierList(r *request[none]) (any, error) {
	t, err := s.Members.Tiers(r.Context())
	if err != nil {
		return nil, err
	}
	months, err := s.Members.EvaluationMonths(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"items": t, "evaluation_months": months}, nil
}

type tierPeriodBody struct {
	Months int `json:"evaluation_months"`
}

// tiers is the loader of the routes that change the tier scheme: it
// checks the caller approves tiers group-wide before the body is read.
func (s *handler) tiers(r *http.Request, _ auth.Permission) (struct{}, error) {
	return struct{}{}, web.TierScope(r)
}

func (s *handler) tierPeriod(r *request[tierPeriodBody], _ struct{}) (any, error) {
	if err := s.Members.SetEvaluationMonths(r.Context(), r.Body.Months); err != nil {
		return nil, err
	}
	return map[string]any{"evaluation_months": r.Body.Months}, nil
}

func (s *handler) tierUpdate(r *request[member.TierUpdate], _ struct{}) (any, error) {
	return s.Members.UpdateTier(r.Context(), r.PathValue("tier"), r.Body)
}

func (s *handler) tierChanges(r *request[none]) (any, error) {
	list, err := s.Members.TierChanges(r.Context(), 0, r.P.Paths(auth.TierApprove))
	if err != nil {
		return nil, err
	}
	return whole(list), nil
}

func (s *handler) tierDecide(r *request[decisionBody], c *member.TierChange) (any, error) {
	return s.Members.DecideTierChange(r.Context(), c.ID, r.Body.Approve, r.Body.Note)
}
