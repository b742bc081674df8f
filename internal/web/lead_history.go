package web

import (
	"net/http"
	"regexp"
	"strings"

	"estateclub/internal/audit"
	"estateclub/internal/lead"
)

// leadHistoryRow is one line of a lead's history as the page shows it:
// who, what in words, and the change with codes in words.
type leadHistoryRow struct {
	lead.Change
	Actor    ref
	What     string
	Old, New string
}

var ownerRe = regexp.MustCompile(`^#(\d+) (.*)$`)

// leadHistory turns a lead's history into words for the viewer.
func (s *Server) leadHistory(r *http.Request, changes []lead.Change) ([]leadHistoryRow, error) {
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
	l := lang(r)
	n, err := s.loadAuditNames(r.Context(), l, principal(r), entries)
	if err != nil {
		return nil, err
	}
	out := make([]leadHistoryRow, len(changes))
	for i, c := range changes {
		row := leadHistoryRow{Change: c, Actor: s.actorRef(n, c.ActorKind, c.ActorLogin)}
		action, field, isField := strings.Cut(c.Action, ":")
		if isField {
			row.What = s.cat.T(l, "lead.hist.field", map[string]any{"Field": s.fieldLabel(n, field)})
		} else if id := "lead.hist." + action; s.cat.Has(l, id) {
			row.What = s.cat.T(l, id)
		} else {
			row.What = s.cat.T(l, "audit.other")
		}
		row.Old, row.New = s.leadHistoryValue(n, action, c.Old), s.leadHistoryValue(n, action, c.New)
		if action == "member" {
			row.New = n.memberRef(s, strings.TrimPrefix(c.New, "#")).Label
		}
		out[i] = row
	}
	return out, nil
}

// leadHistoryValue writes a value of a lead's history in words.
func (s *Server) leadHistoryValue(n *auditNames, action, v string) string {
	switch action {
	case "status", "registered", "claim_decided":
		if l := lead.Status(v).Label(n.lang); l != "" && l != v {
			return l
		}
	case "owner", "pool", "pool_claim", "claim":
		if m := ownerRe.FindStringSubmatch(v); m != nil {
			return m[2]
		}
		switch v {
		case "公共池":
			return s.cat.T(n.lang, "lead.hist.pool_owner")
		case "未分配":
			return s.cat.T(n.lang, "lead.hist.unassigned")
		}
	}
	if strings.HasPrefix(v, "#") && action == "claim" {
		return s.cat.T(n.lang, "lead.hist.claimant")
	}
	return s.auditString(n, "lead", action, v)
}
