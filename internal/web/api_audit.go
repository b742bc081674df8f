package web

import (
	"fmt"
	"net/http"
	"slices"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/org"
)

// auditFilter reads the audit log filters shared by the console and the API.
// Dates are days in China time, both ends included.
func auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	p := principal(r)
	paths := p.Paths(auth.AuditRead)
	f := audit.Filter{ActorLogin: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object_type"),
		ObjectID: q.Get("object_id"), ScopePaths: paths,
		// Entries with no org scope (sign-ins of unknown logins…) are for group-wide readers.
		Unscoped: slices.Contains(paths, rootPath)}
	if f.Unscoped {
		f.ScopePaths = nil
	}
	var err error
	if f.From, f.To, err = dayRange(q, "from", "to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, apperr.Field("to", "结束日期不能早于开始日期", "the end date is before the start date")
	}
	return f, nil
}

// rootPath is the org path of the group node.
var rootPath = fmt.Sprintf("/%d/", org.RootID)

func (s *Server) apiAuditList(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := auditFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	entries, total, err := audit.List(r.Context(), s.db, f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(entries, total, pg))
}
