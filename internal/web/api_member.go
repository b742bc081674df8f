package web

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
)

// memberFilter reads the member list filters shared by the console and the API.
func (s *Server) memberFilter(r *http.Request) (member.Filter, error) {
	q := r.URL.Query()
	f := member.Filter{Within: principal(r).Paths(auth.MemberRead), Q: q.Get("q"), Tier: q.Get("tier"),
		Tag: strings.TrimSpace(q.Get("tag")), Sort: q.Get("sort")}
	if err := s.cardHolderFilter(r, &f); err != nil {
		return f, err
	}
	if v := q.Get("status"); v != "" {
		f.Status = member.Status(v)
		if f.Status.Label("zh-CN") == "" {
			return f, apperr.Field("status", "会员状态不正确", "unknown member status")
		}
	}
	if f.Tier != "" && tierLabel("en", f.Tier) == f.Tier {
		return f, apperr.Field("tier", "会员等级不正确", "unknown tier")
	}
	if v := q.Get("channel"); v != "" {
		c, err := member.ParseChannel(v)
		if err != nil {
			return f, err
		}
		f.Channel = c
	}
	if v := q.Get("org"); v != "" {
		n, err := s.org.ByCode(r.Context(), v)
		if err != nil || !principal(r).CanAt(auth.MemberRead, n.Path) {
			return f, apperr.Field("org", "组织节点 "+v+" 不存在", "org node "+v+" does not exist")
		}
		f.Within = []string{n.Path}
	}
	var err error
	if f.JoinedFrom, f.JoinedTo, err = dayRange(q, "joined_from", "joined_to"); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) apiMemberList(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.memberFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	list, total, err := s.members.List(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := newList(list, total, pg)
	out.TotalIsLowerBound = total > member.CountCap
	writeJSON(w, http.StatusOK, out)
}

// submitMember checks where the caller enrols and submits the application.
func (s *Server) submitMember(r *http.Request, a member.Application, application bool) (*member.Member, member.Outcome, error) {
	if _, err := s.nodeForWrite(r, "org", a.NodeCode, auth.MemberWrite); err != nil {
		return nil, "", err
	}
	if a.RecruiterID == nil {
		id := principal(r).Staff.ID
		a.RecruiterID = &id
	} else if _, err := s.auth.StaffByID(r.Context(), *a.RecruiterID); apperr.Is(err, apperr.NotFound) {
		// Not a foreign-key failure (500) later: the caller named no one.
		return nil, "", apperr.Field("recruiter_id", "招募员工不存在", "no staff account has this recruiter_id")
	} else if err != nil {
		return nil, "", err
	}
	// One person is one member in the whole group, but a caller changes
	// members only within their scope: merging into a member they cannot
	// change would overwrite that member's profile from outside it.
	a.MergeWithin = principal(r).Paths(auth.MemberWrite)
	if application {
		return s.members.Apply(r.Context(), a)
	}
	return s.members.Enrol(r.Context(), a)
}

func (s *Server) apiMemberCreate(application bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var a member.Application
		if err := decodeJSON(r, &a); err != nil {
			s.apiError(w, r, err)
			return
		}
		m, out, err := s.submitMember(r, a, application)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		status := http.StatusCreated
		if out == member.Merged {
			status = http.StatusOK
		}
		writeJSON(w, status, map[string]any{"outcome": out, "member": m})
	}
}

// scopedMember loads the member named by {member} and checks perm at its node.
func (s *Server) scopedMember(r *http.Request, perm auth.Permission) (*member.Member, error) {
	id, err := strconv.ParseInt(r.PathValue("member"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	m, err := s.members.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := authorizeAt(r, perm, m.NodePath); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Server) apiMemberGet(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.MemberRead)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiMemberUpdate(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.MemberWrite)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var u member.Update
	if err := decodeJSON(r, &u); err != nil {
		s.apiError(w, r, err)
		return
	}
	if m, err = s.members.Update(r.Context(), m.ID, u); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiMemberReveal(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.MemberReveal)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &b); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	p, err := s.members.Reveal(r.Context(), m.ID, b.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiMemberReview(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.MemberReview)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Approve bool   `json:"approve"`
		Reason  string `json:"reason"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if m, err = s.members.Review(r.Context(), m.ID, b.Approve, b.Reason); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) apiMemberHistory(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.MemberRead)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	h, err := s.members.History(r.Context(), m.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(h, len(h), paging{Page: 1, PerPage: max(len(h), 1)}))
}

func (s *Server) apiMemberProperty(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.MemberWrite)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in member.PropertyInput
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.nodeForWrite(r, "project", in.ProjectCode, auth.MemberWrite); err != nil {
		s.apiError(w, r, err)
		return
	}
	if m, err = s.members.AddProperty(r.Context(), m.ID, in); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, m)
}

func (s *Server) apiTierChangeRequest(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.MemberWrite)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Tier   string `json:"tier"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.members.RequestTierChange(r.Context(), m.ID, b.Tier, b.Reason)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiTierList(w http.ResponseWriter, r *http.Request) {
	t, err := s.members.Tiers(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	months, err := s.members.EvaluationMonths(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": t, "evaluation_months": months})
}

func (s *Server) apiTierPeriod(w http.ResponseWriter, r *http.Request) {
	if err := tierScope(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Months int `json:"evaluation_months"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.members.SetEvaluationMonths(r.Context(), b.Months); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"evaluation_months": b.Months})
}

// tierScope is where tier settings live: the group, for group-level holders.
func tierScope(r *http.Request) error { return authorizeAt(r, auth.TierApprove, rootPath) }

func (s *Server) apiTierUpdate(w http.ResponseWriter, r *http.Request) {
	if err := tierScope(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var u member.TierUpdate
	if err := decodeJSON(r, &u); err != nil {
		s.apiError(w, r, err)
		return
	}
	t, err := s.members.UpdateTier(r.Context(), r.PathValue("tier"), u)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

func (s *Server) apiTierChanges(w http.ResponseWriter, r *http.Request) {
	list, err := s.members.TierChanges(r.Context(), 0, principal(r).Paths(auth.TierApprove))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(list, len(list), paging{Page: 1, PerPage: max(len(list), 1)}))
}

// scopedTierChange loads the change named by {change} within the caller's tier.approve scope.
func (s *Server) scopedTierChange(r *http.Request) (*member.TierChange, error) {
	id, err := strconv.ParseInt(r.PathValue("change"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	c, path, err := s.members.TierChangeByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return c, authorizeAt(r, auth.TierApprove, path)
}

func (s *Server) apiTierDecide(w http.ResponseWriter, r *http.Request) {
	c, err := s.scopedTierChange(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if c, err = s.members.DecideTierChange(r.Context(), c.ID, b.Approve, b.Note); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
