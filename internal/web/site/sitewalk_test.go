package site

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/demo"
	"estateclub/internal/pii"
	"estateclub/internal/web"
)

// The site walk: the demo club (internal/demo) behind a real Server, and
// every page each demo account reaches by following links from its home
// page, fetched in Chinese and in English. The rules every page must keep
// (no link to a page the viewer cannot open, no raw codes, English pages
// in English, nothing wider than a phone) are checks over the walked
// pages; TestSiteWalk runs each as a subtest.

// walkLimitPerShape bounds how many URLs of one shape (route pattern and
// query keys) a walk fetches: the tenth member page adds nothing the
// first three did not show.
const walkLimitPerShape = 3

// walkLimitPages bounds one account's walk.
const walkLimitPages = 600

// walkedPage is one page a walk fetched.
type walkedPage struct {
	Path    string // path and query
	Pattern string // the route pattern that served it ("GET /members/{member}")
	From    string // the page whose link led here ("" for the start)
	Status  int
	HTML    bool   // the answer is an HTML page
	Body    string // the page (HTML answers only)
}

// walker is one demo account, signed in.
type walker struct {
	Login  string // a staff login, or "member" for the portal's demo member
	Portal bool
	c      *client
	// Pages are the pages walked, per language ("zh-CN", "en").
	Pages map[string][]walkedPage
	// Probed are the links the walk did not follow (more of a shape it
	// had already seen enough of), fetched once for their status.
	Probed []walkedPage
}

// demoSite is the demo club served for a walk.
type demoSite struct {
	e       *testEnv
	Walkers []*walker
}

// siteCheck is one rule every walked page keeps.
type siteCheck struct {
	name string
	fn   func(t *testing.T, s *demoSite)
}

// siteChecks are the rules TestSiteWalk checks, in order.
var siteChecks = []siteCheck{
	{"links", checkLinks},
}

func TestSiteWalk(t *testing.T) {
	for _, engine := range dbtest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			s := newDemoSite(t, engine)
			s.walk(t)
			for _, c := range siteChecks {
				t.Run(c.name, func(t *testing.T) { c.fn(t, s) })
			}
		})
	}
}

// newDemoSite fills a fresh database of the engine with the demo club and
// serves it.
func newDemoSite(t *testing.T, engine db.Dialect) *demoSite {
	t.Helper()
	d := dbtest.Open(t, engine)
	keys, err := pii.NewKeys(bytes.Repeat([]byte{42}, pii.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	logs := io.Discard
	if os.Getenv("ESTATECLUB_TEST_LOG") != "" {
		logs = os.Stderr
	}
	srv, err := New(web.Config{Version: "test", Keys: keys}, d, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := demo.Seed(context.Background(), d, keys, nil); err != nil {
		t.Fatalf("demo: %v", err)
	}
	t.Logf("%s: demo filled in %v", engine, time.Since(start).Round(time.Millisecond))
	e := &testEnv{t: t, d: d, srv: srv}
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	return &demoSite{e: e}
}

// walk signs in every demo account and walks its pages in both languages,
// two accounts at a time.
func (s *demoSite) walk(t *testing.T) {
	t.Helper()
	start := time.Now()
	for _, l := range demo.Logins {
		s.Walkers = append(s.Walkers, &walker{Login: l.Login, Pages: map[string][]walkedPage{}})
	}
	s.Walkers = append(s.Walkers, &walker{Login: "member", Portal: true, Pages: map[string][]walkedPage{}})
	t.Run("walk", func(t *testing.T) {
		for _, w := range s.Walkers {
			t.Run(w.Login, func(t *testing.T) {
				t.Parallel()
				if w.Portal {
					w.c, _ = mustPortalSignIn(t, s.e, demo.PortalMobile)
					s.walkBothLanguages(t, w, "/m/", func(lang string) {
						u, _ := url.Parse(s.e.ts.URL)
						w.c.http.Jar.SetCookies(u, []*http.Cookie{{Name: "lang", Value: lang, Path: "/"}})
					})
					return
				}
				w.c = s.mustDemoLogin(t, w.Login)
				s.walkBothLanguages(t, w, "/", func(lang string) {
					res := w.c.postForm("/account/locale", url.Values{"lang": {lang}, "next": {"/account"}})
					if res.StatusCode != http.StatusSeeOther {
						t.Fatalf("%s: set language %s: %d", w.Login, lang, res.StatusCode)
					}
					res.Body.Close()
				})
			})
		}
	})
	total, probed := 0, 0
	for _, w := range s.Walkers {
		total += len(w.Pages["zh-CN"])
		probed += len(w.Probed)
	}
	t.Logf("walked %d pages per language and probed %d more links as %d accounts in %v",
		total, probed, len(s.Walkers), time.Since(start).Round(time.Millisecond))
}

// walkBothLanguages walks from start in Chinese, then fetches the same
// pages in English; setLang switches the account's language.
func (s *demoSite) walkBothLanguages(t *testing.T, w *walker, start string, setLang func(string)) {
	t.Helper()
	setLang("zh-CN")
	w.Pages["zh-CN"] = s.crawl(t, w, start)
	setLang("en")
	en := make([]walkedPage, 0, len(w.Pages["zh-CN"]))
	for _, p := range w.Pages["zh-CN"] {
		q := s.fetch(t, w.c, p.Path)
		q.From = p.From
		en = append(en, q)
	}
	w.Pages["en"] = en
	setLang("zh-CN")
}

// crawl follows the same-site links of HTML pages breadth first.
func (s *demoSite) crawl(t *testing.T, w *walker, start string) []walkedPage {
	t.Helper()
	type todo struct{ path, from string }
	queue := []todo{{start, ""}}
	seen := map[string]bool{start: true}
	shapes := map[string]int{}
	var pages []walkedPage
	var probes []todo
	for len(queue) > 0 && len(pages) < walkLimitPages {
		next := queue[0]
		queue = queue[1:]
		p := s.fetch(t, w.c, next.path)
		p.From = next.from
		pages = append(pages, p)
		if !p.HTML {
			continue
		}
		for _, link := range pageLinks(p.Body) {
			target, ok := s.sameSite(next.path, link)
			if !ok || seen[target] || skipLink(target, w.Portal) {
				continue
			}
			seen[target] = true
			shape := s.shape(target)
			if shapes[shape] >= walkLimitPerShape {
				probes = append(probes, todo{target, next.path})
				continue
			}
			shapes[shape]++
			queue = append(queue, todo{target, next.path})
		}
	}
	for _, pr := range probes {
		p := s.fetch(t, w.c, pr.path)
		p.From, p.Body = pr.from, ""
		w.Probed = append(w.Probed, p)
	}
	if len(pages) >= walkLimitPages {
		t.Errorf("%s: the walk stopped at %d pages; raise walkLimitPages or narrow the shapes", w.Login, walkLimitPages)
	}
	return pages
}

// fetch gets one page, following redirects within the site.
func (s *demoSite) fetch(t *testing.T, c *client, path string) walkedPage {
	t.Helper()
	p := walkedPage{Path: path}
	for hops := 0; ; hops++ {
		res := c.get(p.Path)
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("GET %s: %v", p.Path, err)
		}
		p.Status, p.Pattern = res.StatusCode, s.pattern(p.Path)
		if loc := res.Header.Get("Location"); res.StatusCode/100 == 3 && loc != "" && hops < 5 {
			target, ok := s.sameSite(p.Path, loc)
			if !ok {
				t.Errorf("GET %s redirects off the site to %q", p.Path, loc)
				return p
			}
			p.Path = target
			continue
		}
		ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
		if p.HTML = ct == "text/html"; p.HTML {
			p.Body = string(body)
		}
		return p
	}
}

// pattern names the route that serves path.
func (s *demoSite) pattern(path string) string {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	_, pattern := s.e.srv.Mux.Handler(req)
	return pattern
}

// shape is a URL's route pattern with its query's keys.
func (s *demoSite) shape(path string) string {
	u, _ := url.Parse(path)
	keys := make([]string, 0, len(u.Query()))
	for k := range u.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return s.pattern(path) + "?" + strings.Join(keys, "&")
}

// sameSite resolves a link on the page at base and reports whether it
// stays on this server.
func (s *demoSite) sameSite(base, link string) (string, bool) {
	b, _ := url.Parse(s.e.ts.URL + base)
	u, err := b.Parse(link)
	if err != nil || u.Host != b.Host || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	u.Fragment = ""
	return u.RequestURI(), true
}

// skipLink leaves out links that end the session or leave the surface.
func skipLink(path string, portal bool) bool {
	u, _ := url.Parse(path)
	switch {
	case strings.HasSuffix(u.Path, "/logout"):
		return true
	case portal != strings.HasPrefix(u.Path, "/m/") && u.Path != "/m":
		return true // the portal walk stays in the portal, the console walk out of it
	}
	return false
}

// pageLinks lists the href of every <a> of an HTML page.
func pageLinks(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil
	}
	var links []string
	var visit func(*html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" {
			for _, a := range n.Attr {
				if a.Key == "href" && a.Val != "" && !strings.HasPrefix(a.Val, "#") {
					links = append(links, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	return links
}

// mustDemoLogin signs a demo account in with the demo password.
func (s *demoSite) mustDemoLogin(t *testing.T, login string) *client {
	t.Helper()
	c := s.e.anon(t)
	res := c.postForm("/login", url.Values{"login": {login}, "password": {demo.Password}, "next": {"/account"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d: %s", login, res.StatusCode, readBody(res))
	}
	res.Body.Close()
	page := readBody(c.get("/account"))
	m := csrfRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on /account for %s", login)
	}
	c.csrf = m[1]
	return c
}

// checkLinks: every link on every page opens for the account that sees
// it (item 5 of issue 12): no 403, no 404, no server error.
func checkLinks(t *testing.T, s *demoSite) {
	for _, w := range s.Walkers {
		for lang, pages := range w.Pages {
			for _, p := range pages {
				if p.Status != http.StatusOK {
					t.Errorf("%s (%s): %s answers %d; linked from %s", w.Login, lang, p.Path, p.Status, p.From)
				}
			}
		}
		for _, p := range w.Probed {
			if p.Status != http.StatusOK {
				t.Errorf("%s: %s answers %d; linked from %s", w.Login, p.Path, p.Status, p.From)
			}
		}
	}
}

func (p walkedPage) String() string { return fmt.Sprintf("%s (%d)", p.Path, p.Status) }
