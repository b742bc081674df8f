package console

import (
	"net/http"
	"net/url"
	"sort"

	"estateclub/internal/audit"
	"estateclub/internal/web"
)

type auditData struct {
	Rows    []auditRow
	Total   int
	Page    web.Paging
	Pager   web.Pager
	Query   url.Values
	Actions []actionGroup // the action filter's choices, in words
	Types   []option      // the object-type filter's choices
}

// actionGroup is one area's actions in the action filter: the whole area
// (value "member.") first, then each action.
type actionGroup struct {
	Label   string
	Area    string
	Actions []option
}

// option is one choice of a select: its value and its words.
type option struct{ Value, Label string }

func (s *handler) auditList(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	l := web.Lang(r)
	d := auditData{Page: pg, Query: r.URL.Query(), Actions: s.actionGroups(l), Types: s.objectTypes(l)}
	p := web.Page{Title: s.Cat.T(l, "nav.audit"), Nav: "audit"}
	f, err := web.AuditFilter(r)
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		var entries []audit.Entry
		entries, d.Total, err = audit.List(r.Context(), s.DB, f)
		if err == nil {
			d.Rows, err = s.auditRows(r.Context(), l, web.Principal(r), entries)
		}
		d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	}
	p.Data = d
	if err != nil {
		s.FormError(w, r, "audit", p, err)
		return
	}
	s.Render(w, r, http.StatusOK, "audit", p)
}

// actionGroups lists every action by area, in words.
func (s *handler) actionGroups(lang string) []actionGroup {
	var out []actionGroup
	for _, a := range audit.Actions {
		area := audit.Area(a)
		if len(out) == 0 || out[len(out)-1].Area != area {
			out = append(out, actionGroup{Area: area, Label: s.Cat.T(lang, "audit.area."+area)})
		}
		g := &out[len(out)-1]
		g.Actions = append(g.Actions, option{Value: a, Label: s.actionLabel(lang, a)})
	}
	return out
}

func (s *handler) objectTypes(lang string) []option {
	out := make([]option, 0, len(audit.ObjectTypes))
	for _, t := range audit.ObjectTypes {
		out = append(out, option{Value: t, Label: s.Cat.T(lang, "audit.type."+t)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out
}
