package web

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
)

// MemberFilter reads the member list filters shared by the console and the API.
func (s *Server) MemberFilter(r *http.Request) (member.Filter, error) {
	q := r.URL.Query()
	f := member.Filter{Within: Principal(r).Paths(auth.MemberRead), Q: q.Get("q"), Tier: q.Get("tier"),
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
	if f.Tier != "" && TierLabel("en", f.Tier) == f.Tier {
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
		n, err := s.Org.ByCode(r.Context(), v)
		if err != nil || !Principal(r).CanAt(auth.MemberRead, n.Path) {
			return f, apperr.Field("org", "组织节点 "+v+" 不存在", "org node "+v+" does not exist")
		}
		f.Within = []string{n.Path}
	}
	var err error
	if f.JoinedFrom, f.JoinedTo, err = DayRange(q, "joined_from", "joined_to"); err != nil {
		return f, err
	}
	return f, nil
}

// SubmitMember checks where the caller enrols and submits the application.
func (s *Server) SubmitMember(r *http.Request, a member.Application, application bool) (*member.Member, member.Outcome, error) {
	if _, err := s.NodeForWrite(r, "org", a.NodeCode, auth.MemberWrite); err != nil {
		return nil, "", err
	}
	if a.RecruiterID == nil {
		id := Principal(r).Staff.ID
		a.RecruiterID = &id
	} else if _, err := s.Auth.StaffByID(r.Context(), *a.RecruiterID); apperr.Is(err, apperr.NotFound) {
		// Not a foreign-key failure (500) later: the caller named no one.
		return nil, "", apperr.Field("recruiter_id", "招募员工不存在", "no staff account has this recruiter_id")
	} else if err != nil {
		return nil, "", err
	}
	// One person is one member in the whole group, but a caller changes
	// members only within their scope: merging into a member they cannot
	// change would overwrite that member's profile from outside it.
	a.MergeWithin = Principal(r).Paths(auth.MemberWrite)
	if application {
		return s.Members.Apply(r.Context(), a)
	}
	return s.Members.Enrol(r.Context(), a)
}

// ScopedMember loads the member named by {member} and checks perm at its node.
func (s *Server) ScopedMember(r *http.Request, perm auth.Permission) (*member.Member, error) {
	id, err := strconv.ParseInt(r.PathValue("member"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	m, err := s.Members.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := AuthorizeAt(r, perm, m.NodePath); err != nil {
		return nil, err
	}
	return m, nil
}

// TierScope is where tier settings live: the group, for group-level holders.
func TierScope(r *http.Request) error { return AuthorizeAt(r, auth.TierApprove, RootPath) }

// ScopedTierChange loads the change named by {change} within the caller's tier.approve scope.
func (s *Server) ScopedTierChange(r *http.Request) (*member.TierChange, error) {
	id, err := strconv.ParseInt(r.PathValue("change"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	c, path, err := s.Members.TierChangeByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return c, AuthorizeAt(r, auth.TierApprove, path)
}

// changeValue shows a value of a member's change history in words: codes
// of statuses, tiers, genders and channels by their names in lang, any
// other value (already masked or free text) as it is.
func changeValue(lang, field, v string) string {
	var l string
	switch field {
	case "status":
		l = member.Status(v).Label(lang)
	case "tier":
		if l = TierLabel(lang, v); l == v {
			l = ""
		}
	case "gender":
		l = GenderLabel(lang, v)
	case "channel":
		l = member.Channel(v).Label(lang)
	}
	if l == "" {
		return v
	}
	return l
}
