package console

import (
	"net/http"
	"strings"

	"estateclub/internal/audit"
	"estateclub/internal/lead"
	"estateclub/internal/web"
)

// leadHistoryRow is one line of a lead's history as the page shows it:
// who and what in words; the change itself is shown by the phrase book's
// leadChange, except a lead that became a member, named by Member.
type leadHistoryRow struct {
	lead.Change
	Actor  ref
	What   string
	Member string // the member's masked name and number
}

// leadHistory turns a lead's history into words for the viewer.
func (s *handler) leadHistory(r *http.Request, changes []lead.Change) ([]leadHistoryRow, error) {
	entries := make([]audit.Entry, 0, len(changes))
	var memberIDs []string
	for _, c := range changes {
		entries = append(entries, audit.Entry{ActorKind: c.ActorKind, ActorLogin: c.ActorLogin})
		if c.Action == "member" {
			memberIDs = append(memberIDs, strings.TrimPrefix(c.New, "#"))
		}
	}
	for _, id := range memberIDs {
		entries = append(entries, audit.Entry{ObjectType: "member", ObjectID: id})
	}
	l := web.Lang(r)
	n, err := s.loadAuditNames(r.Context(), l, web.Principal(r), entries)
	if err != nil {
		return nil, err
	}
	out := make([]leadHistoryRow, len(changes))
	for i, c := range changes {
		row := leadHistoryRow{Change: c, Actor: s.actorRef(n, c.ActorKind, c.ActorLogin)}
		action, field, isField := strings.Cut(c.Action, ":")
		if isField {
			row.What = s.Cat.T(l, "lead.hist.field", map[string]any{"Field": s.fieldLabel(n, field)})
		} else if id := "lead.hist." + action; s.Cat.Has(l, id) {
			row.What = s.Cat.T(l, id)
		} else {
			row.What = s.Cat.T(l, "audit.other")
		}
		if action == "member" {
			row.Member = n.memberRef(s, strings.TrimPrefix(c.New, "#")).Label
		}
		out[i] = row
	}
	return out, nil
}
