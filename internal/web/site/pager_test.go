package site

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/web"
)

func TestPagerLinks(t *testing.T) {
	r := httptest.NewRequest("GET", "/members?q=%E5%BC%A0&status=pending&per_page=20&page=2&flash=flash.saved", nil)
	for _, tc := range []struct {
		name              string
		total, shown      int
		atLeast           bool
		pages             int
		next              bool
		lastLink, prevURL string
	}{
		{"middle page", 45, 20, false, 3, true, "?page=3&per_page=20&q=%E5%BC%A0&status=pending", "?per_page=20&q=%E5%BC%A0&status=pending"},
		{"last page", 40, 20, false, 2, false, "?page=2&per_page=20&q=%E5%BC%A0&status=pending", "?per_page=20&q=%E5%BC%A0&status=pending"},
		{"bounded count, full page", 1001, 20, true, 51, true, "", ""},
		{"bounded count, short page", 1001, 7, true, 51, false, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := web.NewPager(r, web.Paging{Page: 2, PerPage: 20}, tc.total, tc.shown, tc.atLeast)
			if p.Pages != tc.pages || p.HasNext() != tc.next {
				t.Errorf("pages %d next %v, want %d %v", p.Pages, p.HasNext(), tc.pages, tc.next)
			}
			if tc.lastLink != "" && p.Link(p.Pages) != tc.lastLink {
				t.Errorf("last page link %q, want %q", p.Link(p.Pages), tc.lastLink)
			}
			// Page 1 is the list's own URL without a page; the flash never follows.
			if tc.prevURL != "" && p.Link(1) != tc.prevURL {
				t.Errorf("first page link %q, want %q", p.Link(1), tc.prevURL)
			}
			if strings.Contains(p.Link(3), "flash") {
				t.Errorf("a pager link carries the flash: %q", p.Link(3))
			}
		})
	}
}

// Console lists page through the shared pager and keep their filters in
// its links; the last page is reachable.
func TestListsPageWithFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-sup", auth.CitySupervisor, "SH")
		for _, l := range []string{"a1", "a2", "a3"} {
			e.mustStaff(t, "pg-"+l, auth.SalesConsultant, "SH-PD")
		}
		mustPending(t, e, "SH-PD", 30, 5)
		c := e.mustLogin(t, "sh-sup")
		for _, tc := range []struct {
			path  string // with its filter, one row a page
			keep  string // a filter the links must keep
			total string
			pages int
		}{
			{"/staff?q=pg-&per_page=1", "q=pg-", "共 3 条", 3},
			{"/members?status=pending&org=SH-PD&per_page=2", "status=pending", "共 5 条", 3},
			{"/members/review?org=SH-PD&per_page=2", "org=SH-PD", "共 5 条", 3},
		} {
			body := mustStatus(t, c.get(tc.path), http.StatusOK)
			links := map[string]string{}
			for _, m := range pagerRe.FindAllStringSubmatch(body, -1) {
				links[m[2]] = html.UnescapeString(m[1])
			}
			last, err := url.ParseQuery(links["last"])
			if err != nil || !strings.Contains(links["next"], tc.keep) || !strings.Contains(links["last"], tc.keep) || last.Get("page") != itoa(tc.pages) {
				t.Errorf("%s: pager links %q", tc.path, links)
				continue
			}
			if !strings.Contains(body, tc.total) {
				t.Errorf("%s: no total %q", tc.path, tc.total)
			}
			end := mustStatus(t, c.get(strings.SplitN(tc.path, "?", 2)[0]+"?"+links["last"]), http.StatusOK)
			if strings.Contains(end, `class="pager-next"`) || !strings.Contains(end, "第 "+itoa(tc.pages)+" / "+itoa(tc.pages)+" 页") {
				t.Errorf("%s: the last page is not the last", tc.path)
			}
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }
