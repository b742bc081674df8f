package console

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// The staff side of requests and complaints (诉求): the queue of the
// caller's scope with its filters and its Excel export. A request's page
// and its actions are requests_show.go, intake requests_new.go, the
// settings requests_settings.go, the staff's notices requests_notices.go.

// requestRow is a request in the queue with its member, masked and
// linked only if the caller may open the member's page.
type requestRow struct {
	request.Request
	Member ref
	Dept   string // the department in the page's language
	Left   string // working time left, or how late, in words ("" no clock runs)
	Late   bool
}

type requestsData struct {
	Rows     []requestRow
	Total    int
	Pager    web.Pager
	Query    url.Values
	Statuses []request.Status
	Kinds    []request.Kind
	Subkinds []subkindOption
	Channels []request.Channel
	CanNew   bool
}

// subkindOption is a choice of the queue's subkind filter.
type subkindOption struct {
	Code    request.Subkind
	Label   string
	Retired bool // in every kind that has it
}

// allSubkinds lists every subkind code once, in the kinds' order, retired
// ones too: the queue still finds the requests that have them.
func allSubkinds(c *request.Catalogue, lang string) []subkindOption {
	var out []subkindOption
	for _, kd := range c.Kinds {
		for _, sd := range kd.Subkinds {
			i := slices.IndexFunc(out, func(o subkindOption) bool { return o.Code == sd.Code })
			if i < 0 {
				out = append(out, subkindOption{Code: sd.Code, Label: c.AnySubkindLabel(sd.Code, lang), Retired: sd.Retired})
			} else if !sd.Retired {
				out[i].Retired = false
			}
		}
	}
	return out
}

// departmentNames maps each department's id to its name in lang.
func (s *handler) departmentNames(ctx context.Context, lang string) (map[int64]string, error) {
	ds, err := s.Requests.Departments(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(ds))
	for _, d := range ds {
		out[d.ID] = d.Label(lang)
	}
	return out, nil
}

// hours shows working hours with at most one decimal: 3.5, 2.
func hours(h float64) string {
	return strconv.FormatFloat(math.Round(h*10)/10, 'f', -1, 64)
}

// timeLeft says how much working time a request has left, or how late it
// is ("" when no clock runs).
func (s *handler) timeLeft(ctx context.Context, lang string, q *request.Request) (string, bool, error) {
	left, ok, err := s.Requests.TimeLeft(ctx, q)
	if err != nil || !ok {
		return "", false, err
	}
	if left < 0 {
		return s.Cat.T(lang, "requests.left_late", map[string]any{"H": hours(-left.Hours())}), true, nil
	}
	return s.Cat.T(lang, "requests.left", map[string]any{"H": hours(left.Hours())}), false, nil
}

// requestRows adds to each request its member, department and time left.
func (s *handler) requestRows(r *http.Request, list []request.Request) ([]requestRow, error) {
	ctx, lang := r.Context(), web.Lang(r)
	entries := make([]audit.Entry, len(list))
	for i, q := range list {
		entries[i] = audit.Entry{ObjectType: "member", ObjectID: strconv.FormatInt(q.MemberID, 10)}
	}
	n, err := s.loadAuditNames(ctx, lang, web.Principal(r), entries)
	if err != nil {
		return nil, err
	}
	depts, err := s.departmentNames(ctx, lang)
	if err != nil {
		return nil, err
	}
	rows := make([]requestRow, 0, len(list))
	for i := range list {
		row := requestRow{Request: list[i], Member: n.memberRef(s, entries[i].ObjectID)}
		if q := list[i]; q.DepartmentID != nil {
			row.Dept = depts[*q.DepartmentID]
		}
		if row.Left, row.Late, err = s.timeLeft(ctx, lang, &list[i]); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (s *handler) requestList(w http.ResponseWriter, r *http.Request) {
	d := requestsData{Query: r.URL.Query(), Statuses: request.Statuses, Kinds: request.Kinds,
		Subkinds: allSubkinds(s.Requests.Labels(r.Context()), web.Lang(r)),
		Channels: request.Channels, CanNew: web.Principal(r).Can(auth.RequestHandle)}
	pg, err := web.ReadPaging(r)
	var f request.Filter
	if err == nil {
		f, err = s.RequestFilter(r)
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
	if d.Rows, err = s.requestRows(r, list); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "requests", pgData)
}
