package web

import (
	"fmt"
	"net/http"
	"slices"
	"time"

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
	for _, d := range []struct {
		field string
		dst   *time.Time
		next  bool
	}{{"from", &f.From, false}, {"to", &f.To, true}} {
		v := q.Get(d.field)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", v, chinaTime)
		if err != nil {
			return f, apperr.Field(d.field, "日期格式须为 YYYY-MM-DD", "dates must look like YYYY-MM-DD")
		}
		if d.next {
			t = t.AddDate(0, 0, 1)
		}
		*d.dst = t
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
