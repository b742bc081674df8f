package web

import (
	"net/http"
	"net/url"
	"strconv"
)

// Pager is where a list stands, for the shared "pager" partial: the page,
// the total (or a lower bound of it) and the query that selected the rows,
// so that its links, a reload and a shared link give the same rows.
type Pager struct {
	Page    int
	PerPage int
	Total   int
	Pages   int
	// AtLeast: counting stopped early; Total is a lower bound and the
	// last page is not known (the next one is offered while pages are full).
	AtLeast bool
	// Full: this page holds PerPage rows (with AtLeast: there may be more).
	Full  bool
	Query url.Values
}

// NewPager describes page pg of a list of total rows, shown rows of them on
// this page; atLeast says total is a lower bound. The query keeps every
// filter of the request but the page and a one-off flash message.
func NewPager(r *http.Request, pg Paging, total, shown int, atLeast bool) Pager {
	q := url.Values{}
	for k, v := range r.URL.Query() {
		if k != "page" && k != "flash" {
			q[k] = v
		}
	}
	per := max(pg.PerPage, 1)
	return Pager{Page: pg.Page, PerPage: per, Total: total, Pages: max((total+per-1)/per, 1),
		AtLeast: atLeast, Full: shown >= per, Query: q}
}

// HasNext reports whether a next page can hold rows.
func (p Pager) HasNext() bool {
	if p.AtLeast {
		return p.Full
	}
	return p.Page < p.Pages
}

// Link is the query string of page n with the list's filters.
func (p Pager) Link(n int) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return "?"
	}
	return "?" + q.Encode()
}
