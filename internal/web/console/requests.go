package console

import (
	"net/http"
	"net/url"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// The staff side of requests and complaints (诉求): the queue of the
// caller's scope and a request's page, read-only for now; handling
// (routing, replies, due times) builds on these pages.

// requestRow is a request in the queue with its member, masked and
// linked only if the caller may open the member's page.
type requestRow struct {
	request.Request
	Member ref
	Late   bool
}

type requestsData struct {
	Rows     []requestRow
	Total    int
	Pager    web.Pager
	Query    url.Values
	Statuses []request.Status
	Kinds    []request.Kind
}

// requestFilter reads the queue's filters from the URL.
func requestFilter(r *http.Request) (request.Filter, error) {
	q := r.URL.Query()
	f := request.Filter{Scope: web.RequestScope(r, auth.RequestRead)}
	if v := request.Status(q.Get("status")); v != "" {
		if v.Label("zh-CN") == "" {
			return f, apperr.Field("status", "状态不正确", "unknown status")
		}
		f.Status = v
	}
	if v := request.Kind(q.Get("kind")); v != "" {
		if v.Label("zh-CN") == "" {
			return f, apperr.Field("kind", "类型不正确", "unknown kind")
		}
		f.Kind = v
	}
	switch q.Get("overdue") {
	case "":
	case "1":
		f.Overdue = true
	default:
		return f, apperr.Field("overdue", "overdue 须为 1", "overdue must be 1")
	}
	return f, nil
}

func (s *handler) requestList(w http.ResponseWriter, r *http.Request) {
	d := requestsData{Query: r.URL.Query(), Statuses: request.Statuses, Kinds: request.Kinds}
	pg, err := web.ReadPaging(r)
	var f request.Filter
	if err == nil {
		f, err = requestFilter(r)
	}
	var list []request.Request
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		list, d.Total, err = s.Requests.List(r.Context(), f)
	}
	pgData := web.Page{Title: s.Cat.T(web.Lang(r), "requests.title"), Nav: "requests", Data: &d}
	if err != nil {
		s.FormError(w, r, "requests", pgData, err)
		return
	}
	d.Pager = web.NewPager(r, pg, d.Total, len(list), false)
	// The members' names, in one query for the page.
	entries := make([]audit.Entry, len(list))
	for i, q := range list {
		entries[i] = audit.Entry{ObjectType: "member", ObjectID: strconv.FormatInt(q.MemberID, 10)}
	}
	n, err := s.loadAuditNames(r.Context(), web.Lang(r), web.Principal(r), entries)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	now := s.DB.Clock()
	for i, q := range list {
		d.Rows = append(d.Rows, requestRow{Request: q, Member: n.memberRef(s, entries[i].ObjectID),
			Late: !q.Status.Done() && q.DueAt != nil && q.DueAt.Before(now)})
	}
	s.Render(w, r, http.StatusOK, "requests", pgData)
}

// loadRequest reads the request of the path within the caller's scope:
// one outside it is not found.
func (s *handler) loadRequest(r *http.Request) (*request.Request, error) {
	id, err := strconv.ParseInt(r.PathValue("request"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	q, err := s.Requests.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !web.RequestScope(r, auth.RequestRead).Allows(q) {
		return nil, web.NotFoundErr
	}
	return q, nil
}

type requestData struct {
	Q          *request.Request
	Member     *member.Member
	MemberName string
	MemberLink bool
	Late       bool
}

func (s *handler) requestShow(w http.ResponseWriter, r *http.Request) {
	q, err := s.loadRequest(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	m, err := s.Members.Get(r.Context(), q.MemberID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := requestData{Q: q, Member: m, MemberName: pii.MaskName(m.Name), MemberLink: web.Principal(r).CanAt(auth.MemberRead, m.NodePath),
		Late: !q.Status.Done() && q.DueAt != nil && q.DueAt.Before(s.DB.Clock())}
	s.Render(w, r, http.StatusOK, "request_show", web.Page{Title: q.No, Nav: "requests", Data: d})
}

func (s *handler) requestPhoto(w http.ResponseWriter, r *http.Request) {
	q, err := s.loadRequest(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.WriteRequestPhoto(w, r, q.ID)
}
