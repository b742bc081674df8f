package web

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/lead"
)

// AssignableLeads reads the leads of an assignment and checks that the
// caller may assign each of them.
func (s *Server) AssignableLeads(r *http.Request, raw []string) ([]int64, error) {
	var ids []int64
	for _, v := range raw {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apperr.Field("leads", "线索编号不正确", "a lead id is not valid")
		}
		l, err := s.Leads.Get(r.Context(), id)
		if err != nil {
			return nil, err
		}
		if err := AuthorizeAt(r, auth.LeadAssign, l.NodePath); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, apperr.Field("leads", "请选择线索", "choose the leads")
	}
	return ids, nil
}

// AssignLeads gives leads to a consultant by hand, or by the rotation or
// the rules (mode).
func (s *Server) AssignLeads(r *http.Request, ids []int64, mode lead.AssignMode, to int64, reason string) ([]lead.Assignment, error) {
	if mode != lead.ByHand {
		return s.Leads.AssignBy(r.Context(), ids, mode, reason)
	}
	if to == 0 {
		return nil, apperr.Field("to", "请选择置业顾问", "choose a consultant")
	}
	return s.Leads.Assign(r.Context(), ids, to, reason)
}

// Handover moves every lead of a departing consultant within the caller's reach: the departing consultant, who takes
// the leads (0: each project's rotation) and why.
func (s *Server) Handover(r *http.Request, from, to int64, reason string) ([]lead.Assignment, error) {
	if from == 0 {
		return nil, apperr.Field("from", "请选择离职的置业顾问", "choose the departing consultant")
	}
	st, err := s.Auth.StaffByID(r.Context(), from)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !Principal(r).Sees(st.NodePath)) {
		return nil, apperr.Field("from", "该员工不存在", "no such staff member")
	}
	if err != nil {
		return nil, err
	}
	return s.Leads.Handover(r.Context(), lead.Handover{From: from, To: to, Within: Principal(r).Paths(auth.LeadAssign), Reason: reason})
}

// ScopedClaim finds the claim {claim} among those the caller may decide.
func (s *Server) ScopedClaim(r *http.Request) (*lead.Claim, error) {
	id, err := strconv.ParseInt(r.PathValue("claim"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	claims, _, err := s.Leads.ClaimPage(r.Context(), lead.ClaimFilter{Within: Principal(r).Paths(auth.LeadAssign), ID: id})
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return nil, NotFoundErr
	}
	return &claims[0], nil
}
