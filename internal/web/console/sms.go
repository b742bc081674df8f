package console

import (
	"net/http"
	"net/url"

	"estateclub/internal/auth"
	"estateclub/internal/sms"
	"estateclub/internal/web"
)

type outboxData struct {
	Items    []sms.Message
	Total    int
	Page     web.Paging
	Pager    web.Pager
	Query    url.Values
	Provider string
}

// smsOutbox lists the text messages the system sent (短信发件箱), newest
// first: with the built-in outbox provider this is where they are read.
// They carry sign-in codes, so only the group's auditing roles see them.
func (s *handler) smsOutbox(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.AuditRead); err != nil {
		s.Fail(w, r, err)
		return
	}
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := outboxData{Page: pg, Query: r.URL.Query(), Provider: s.SMS.Provider.Name()}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "sms.title"), Nav: "sms"}
	d.Items, d.Total, err = s.SMS.Messages(r.Context(), sms.Filter{Mobile: r.URL.Query().Get("mobile"), Offset: pg.Offset(), Limit: pg.PerPage})
	d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	p.Data = d
	if err != nil {
		s.FormError(w, r, "sms_outbox", p, err)
		return
	}
	s.Render(w, r, http.StatusOK, "sms_outbox", p)
}
