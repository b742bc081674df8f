package web

import (
	"net/http"
	"net/url"

	"estateclub/internal/audit"
)

type auditData struct {
	Entries []audit.Entry
	Total   int
	Page    paging
	Pager   pager
	Query   url.Values
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := auditData{Page: pg, Query: r.URL.Query()}
	p := page{Title: s.cat.T(lang(r), "nav.audit"), Nav: "audit"}
	f, err := auditFilter(r)
	if err == nil {
		f.Offset, f.Limit = pg.offset(), pg.PerPage
		d.Entries, d.Total, err = audit.List(r.Context(), s.db, f)
		d.Pager = newPager(r, pg, d.Total, 0, false)
	}
	p.Data = d
	if err != nil {
		s.formError(w, r, "audit", p, err)
		return
	}
	s.render(w, r, http.StatusOK, "audit", p)
}
