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

// AuditFilter reads the audit log filters shared by the console and the API.
// Dates are days in China time, both ends included.
func AuditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	p := Principal(r)
	paths := p.Paths(auth.AuditRead)
	f := audit.Filter{ActorLogin: q.Get("actor"), Action: q.Get("action"), ObjectType: q.Get("object_type"),
		ObjectID: q.Get("object_id"), ScopePaths: paths,
		// Entries with no org scope (sign-ins of unknown logins…) are for group-wide readers.
		Unscoped: slices.Contains(paths, RootPath)}
	if f.Unscoped {
		f.ScopePaths = nil
	}
	var err error
	if f.From, f.To, err = DayRange(q, "from", "to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, apperr.Field("to", "结束日期不能早于开始日期", "the end date is before the start date")
	}
	return f, nil
}

// RootPath is the org path of the group node.
var RootPath = fmt.Sprintf("/%d/", org.RootID)
