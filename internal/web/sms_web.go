package web

import (
	"net/http"
	"net/url"

	"estateclub/internal/auth"
	"estateclub/internal/sms"
)

type outboxData struct {
	Items    []sms.Message
	Total    int
	Page     paging
	Pager    pager
	Query    url.Values
	Provider string
}

// smsOutbox lists the text messages the system sent (短信发件箱), newest
// first: with the built-in outbox provider this is where they are read.
// They carry sign-in codes, so only the group's auditing roles see them.
func (s *Server) smsOutbox(w http.ResponseWriter, r *http.Request) {
	if _, err := s.authorizeGroup(r, auth.AuditRead); err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := outboxData{Page: pg, Query: r.URL.Query(), Provider: s.sms.Provider.Name()}
	p := page{Title: s.cat.T(lang(r), "sms.title"), Nav: "sms"}
	d.Items, d.Total, err = s.sms.Messages(r.Context(), sms.Filter{Mobile: r.URL.Query().Get("mobile"), Offset: pg.offset(), Limit: pg.PerPage})
	d.Pager = newPager(r, pg, d.Total, 0, false)
	p.Data = d
	if err != nil {
		s.formError(w, r, "sms_outbox", p, err)
		return
	}
	s.render(w, r, http.StatusOK, "sms_outbox", p)
}
