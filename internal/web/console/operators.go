package console

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/audit"
	"estateclub/internal/web"
)

// Operators on every page (issue 12, item 1): a page's rows store who
// proposed, approved, recorded … as a login ("sh.specialist", the demo's
// "demo", "system", "member#12"). A page collects the logins of its rows,
// loads their names in one read (operatorsFor), and its template names
// each through the audit log's resolver:
//
//	{{template "ref" ($.Data.Ops.Ref .ApprovedBy)}}
//
// so that staff show as name with the login quieter beside it, system
// actors in words and members by masked name, in the page's language.

// operators are the people one page names, loaded for its viewer and
// language. A nil *operators still names: logins as typed.
type operators struct {
	s *handler
	n *AuditNames
}

// operatorsFor loads the staff and members the logins name, in one read.
func (s *handler) operatorsFor(r *http.Request, logins ...string) (*operators, error) {
	entries := make([]audit.Entry, 0, len(logins))
	for _, l := range uniq(logins) {
		entries = append(entries, audit.Entry{ActorKind: operatorKind(l), ActorLogin: l})
	}
	n, err := s.loadAuditNames(r.Context(), web.Lang(r), web.Principal(r), entries)
	if err != nil {
		return nil, err
	}
	return &operators{s: s, n: n}, nil
}

// operatorKind tells from a stored login who acted: a member ("member#12"),
// the system ("system", the demo's "demo", a command's "cli:admin", the
// benchmark's "bench…") or a staff member.
func operatorKind(login string) string {
	switch {
	case memberActorID(login) != "":
		return "member"
	case login == "" || login == "system" || login == "demo" || strings.HasPrefix(login, "bench") ||
		strings.HasPrefix(login, "cli:"):
		return "system"
	}
	return "staff"
}

// Ref names the operator a row stores by login.
func (o *operators) Ref(login string) ref {
	if o == nil {
		if login == "" {
			return ref{}
		}
		return ref{Label: login, LabelTyped: true}
	}
	return o.s.actorRef(o.n, operatorKind(login), login)
}

// ForMember names the operator of a row about one member: the member
// themself ("会员本人") when the login is that member's.
func (o *operators) ForMember(login string, memberID int64) ref {
	if o != nil && memberActorID(login) == strconv.FormatInt(memberID, 10) {
		return ref{Label: o.s.Cat.T(o.n.Lang, "word.actor.self")}
	}
	return o.Ref(login)
}
