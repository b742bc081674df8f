package console

import (
	"net/http"
	"strconv"

	"estateclub/internal/notify"
	"estateclub/internal/web"
)

// The signed-in staff member's notices (提醒): requests routed to their
// department, assigned to them, escalated, rated low … newest first, with
// the page that handles each; marked read one by one or all at once.

type noticesData struct {
	Notices []notify.Notice
	Unread  int
	Total   int
	Pager   web.Pager
	All     bool // read ones too
}

func (s *handler) notices(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := noticesData{All: r.URL.Query().Get("all") == "1"}
	d.Notices, d.Unread, err = s.Notices.List(r.Context(), web.Principal(r).Staff.ID, !d.All, pg.Offset(), pg.PerPage)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Total = d.Unread
	if d.All {
		d.Total = pg.Offset() + len(d.Notices)
		if len(d.Notices) == pg.PerPage {
			d.Total++ // one more page at least
		}
	}
	d.Pager = web.NewPager(r, pg, d.Total, len(d.Notices), d.All)
	s.Render(w, r, http.StatusOK, "notices", web.Page{Title: s.Cat.T(web.Lang(r), "notices.title"), Nav: "notices", Data: d})
}

// noticesRead marks the notice posted as id read, or all of them; it then
// goes to the notice's page when asked (open).
func (s *handler) noticesRead(w http.ResponseWriter, r *http.Request) {
	var ids []int64
	if v := r.PostFormValue("id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			s.Fail(w, r, web.NotFoundErr)
			return
		}
		ids = []int64{id}
	}
	if err := s.Notices.MarkRead(r.Context(), web.Principal(r).Staff.ID, ids); err != nil {
		s.Fail(w, r, err)
		return
	}
	web.Redirect(w, r, "/notices", "flash.notices.read")
}
