package api

import (
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/web"
	"net/http"
)

func (s *handler) apiMemberList(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f, err := s.MemberFilter(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := s.Members.List(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	out := web.NewList(list, total, pg)
	out.TotalIsLowerBound = total > member.CountCap
	web.WriteJSON(w, http.StatusOK, out)
}

func (s *handler) apiMemberCreate(application bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var a member.Application
		if err := web.DecodeJSON(r, &a); err != nil {
			s.APIError(w, r, err)
			return
		}
		m, out, err := s.SubmitMember(r, a, application)
		if err != nil {
			s.APIError(w, r, err)
			return
		}
		status := http.StatusCreated
		if out == member.Merged {
			status = http.StatusOK
		}
		web.WriteJSON(w, status, map[string]any{"outcome": out, "member": m})
	}
}

func (s *handler) apiMemberGet(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberRead)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

func (s *handler) apiMemberUpdate(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberWrite)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var u member.Update
	if err := web.DecodeJSON(r, &u); err != nil {
		s.APIError(w, r, err)
		return
	}
	if m, err = s.Members.Update(r.Context(), m.ID, u); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

func (s *handler) apiMemberReveal(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberReveal)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(r, &b); err != nil {
			s.APIError(w, r, err)
			return
		}
	}
	p, err := s.Members.Reveal(r.Context(), m.ID, b.Reason)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, p)
}

func (s *handler) apiMemberReview(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberReview)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Approve bool   `json:"approve"`
		Reason  string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if m, err = s.Members.Review(r.Context(), m.ID, b.Approve, b.Reason); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, m)
}

func (s *handler) apiMemberHistory(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberRead)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	h, err := s.Members.History(r.Context(), m.ID)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(h, len(h), web.Paging{Page: 1, PerPage: max(len(h), 1)}))
}

func (s *handler) apiMemberProperty(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberWrite)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var in member.PropertyInput
	if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if _, err := s.NodeForWrite(r, "project", in.ProjectCode, auth.MemberWrite); err != nil {
		s.APIError(w, r, err)
		return
	}
	if m, err = s.Members.AddProperty(r.Context(), m.ID, in); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, m)
}

func (s *handler) apiTierChangeRequest(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberWrite)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Tier   string `json:"tier"`
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	c, err := s.Members.RequestTierChange(r.Context(), m.ID, b.Tier, b.Reason)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, c)
}

func (s *handler) apiTierList(w http.ResponseWriter, r *http.Request) {
	t, err := s.Members.Tiers(r.Context())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	months, err := s.Members.EvaluationMonths(r.Context())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": t, "evaluation_months": months})
}

func (s *handler) apiTierPeriod(w http.ResponseWriter, r *http.Request) {
	if err := web.TierScope(r); err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Months int `json:"evaluation_months"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := s.Members.SetEvaluationMonths(r.Context(), b.Months); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"evaluation_months": b.Months})
}

func (s *handler) apiTierUpdate(w http.ResponseWriter, r *http.Request) {
	if err := web.TierScope(r); err != nil {
		s.APIError(w, r, err)
		return
	}
	var u member.TierUpdate
	if err := web.DecodeJSON(r, &u); err != nil {
		s.APIError(w, r, err)
		return
	}
	t, err := s.Members.UpdateTier(r.Context(), r.PathValue("tier"), u)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, t)
}

func (s *handler) apiTierChanges(w http.ResponseWriter, r *http.Request) {
	list, err := s.Members.TierChanges(r.Context(), 0, web.Principal(r).Paths(auth.TierApprove))
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, len(list), web.Paging{Page: 1, PerPage: max(len(list), 1)}))
}

func (s *handler) apiTierDecide(w http.ResponseWriter, r *http.Request) {
	c, err := s.ScopedTierChange(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if c, err = s.Members.DecideTierChange(r.Context(), c.ID, b.Approve, b.Note); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}
