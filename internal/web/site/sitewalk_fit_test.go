package site

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"estateclub/internal/browsertest"
	"estateclub/internal/db"
)

// Every page fits its screen (item 3 of issue 12): each walked page, one
// per route pattern and account, is opened in Chromium signed in as the
// account that walked it, in Chinese and in English, and laid out at a
// phone's and a laptop's size. Nothing may scroll sideways (a wide table
// scrolls inside its own box), no element may cut its text off, and every
// checkbox and radio sits beside its label. With ESTATECLUB_SCREENSHOTS set,
// every view is saved there as account_size_lang_page.png.

func init() { siteChecks = append(siteChecks, siteCheck{"fit", checkFit}) }

// screenSize is one viewport the pages must fit.
type screenSize struct {
	name          string
	width, height int
	mobile        bool
}

var fitSizes = []screenSize{
	{"phone", 390, 844, true},
	{"laptop", 1366, 768, false},
}

// fitReport is what the page says about its own layout (fitScript).
type fitReport struct {
	Path        string   `json:"path"`
	Lang        string   `json:"lang"`
	ScrollWidth int      `json:"scrollWidth"` // the root element's
	ClientWidth int      `json:"clientWidth"` // the window's, zoom aside
	InnerWidth  int      `json:"innerWidth"`  // the window's, zoom included
	Wide        []string `json:"wide"`        // the outermost elements past the right edge
	Clipped     []string `json:"clipped"`     // elements that hide part of their text
	Apart       []string `json:"apart"`       // labels whose checkbox or radio is not beside the text
}

// fitScript measures the page. The window's width is the root element's
// client width: on a phone, Chromium zooms a page that is too wide out
// until it fits, and window.innerWidth grows with it. An element sticking
// out on the right is named only when no ancestor scrolls or clips it. A
// clipped element is one whose overflow is hidden or clipped while its
// content is larger than its box and holds text (form fields excepted:
// they scroll their own value). A checkbox or radio is apart from its
// label when the middle of the box is not on the first line of the
// label's text.
const fitScript = `(() => {
  const vw = document.documentElement.clientWidth;
  const name = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim()) s += "." + el.className.trim().split(/\s+/).join(".");
    const text = (el.innerText || el.textContent || "").trim().replace(/\s+/g, " ");
    return s + (text ? " «" + text.slice(0, 40) + "»" : "");
  };
  const hides = v => v === "hidden" || v === "clip";
  const boxed = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [], clipped = [], apart = [];
  const tooWide = document.documentElement.scrollWidth > vw;
  for (const el of document.body.querySelectorAll("*")) {
    if (tooWide) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.right > vw + 0.5 && getComputedStyle(el).visibility !== "hidden") {
        const pr = el.parentElement.getBoundingClientRect();
        if ((el.parentElement === document.body || pr.right <= vw + 0.5) && !boxed(el)) wide.push(name(el) + " right=" + Math.round(r.right));
      }
    }
    // Reading sizes is cheap once the page is laid out; styles only for the few that overflow.
    const overW = el.scrollWidth > el.clientWidth + 1, overH = el.scrollHeight > el.clientHeight + 1;
    if (!overW && !overH || /^(INPUT|TEXTAREA|SELECT|OPTION)$/.test(el.tagName)) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility === "hidden") continue;
    const overX = overW && (hides(cs.overflowX) || cs.textOverflow === "ellipsis");
    const overY = overH && hides(cs.overflowY);
    if ((overX || overY) && (el.innerText || "").trim()) {
      clipped.push(name(el) + " " + el.scrollWidth + "x" + el.scrollHeight + " in " + el.clientWidth + "x" + el.clientHeight);
    }
  }
  for (const box of document.querySelectorAll("label input[type=checkbox], label input[type=radio]")) {
    if (!box.getClientRects().length) continue;
    const label = box.closest("label");
    const texts = document.createTreeWalker(label, NodeFilter.SHOW_TEXT,
      {acceptNode: n => n.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP});
    const text = texts.nextNode();
    if (!text) continue;
    const range = document.createRange();
    range.selectNodeContents(text);
    const line = range.getClientRects()[0], b = box.getBoundingClientRect();
    const mid = (b.top + b.bottom) / 2;
    if (line && (mid < line.top || mid > line.bottom)) apart.push(name(label));
  }
  return {path: location.pathname + location.search, lang: document.documentElement.lang,
    scrollWidth: document.documentElement.scrollWidth, clientWidth: vw, innerWidth: window.innerWidth,
    wide: wide.slice(0, 5), clipped: clipped.slice(0, 5), apart: apart.slice(0, 5)};
})()`

func checkFit(t *testing.T, s *demoSite) {
	if s.e.d.Dialect() != db.SQLite {
		t.Skip("layout does not depend on the engine: checked on SQLite")
	}
	start := time.Now()
	var spent fitTimes
	first := fitSizes[0]
	browser := browsertest.New(t, browsertest.WithViewport(first.width, first.height, first.mobile),
		browsertest.WithTimeout(15*time.Minute))
	views := 0
	t.Run("accounts", func(t *testing.T) {
		for _, w := range s.Walkers {
			pages := onePagePerPattern(w.Pages["zh-CN"])
			views += len(pages) * len(fitSizes) * 2
			t.Run(w.Login, func(t *testing.T) {
				t.Parallel()
				s.checkAccountFits(t, w, pages, browsertest.Tab(t, browser), &spent)
			})
		}
	})
	t.Logf("%d views (account, page, size, language) measured in %v; the tabs spent %v loading pages, %v measuring, %v on screenshots",
		views, time.Since(start).Round(time.Millisecond), spent.load.get(), spent.measure.get(), spent.shot.get())
}

// fitTimes adds up where the tabs spend their time.
type fitTimes struct{ load, measure, shot atomicDuration }

type atomicDuration struct{ n atomic.Int64 }

func (d *atomicDuration) since(t time.Time) { d.n.Add(int64(time.Since(t))) }

func (d *atomicDuration) get() time.Duration {
	return time.Duration(d.n.Load()).Round(time.Millisecond)
}

// checkAccountFits opens the account's pages in its own tab, once per
// language, and measures each at every size.
func (s *demoSite) checkAccountFits(t *testing.T, w *walker, pages []walkedPage, tab context.Context, spent *fitTimes) {
	if err := chromedp.Do(tab, s.copyCookies(w)); err != nil {
		t.Fatalf("%s: cookies into Chromium: %v", w.Login, err)
	}
	shots := os.Getenv("ESTATECLUB_SCREENSHOTS")
	for _, lang := range []string{"zh-CN", "en"} {
		s.setLanguage(t, w, lang, tab)
		for _, p := range pages {
			began := time.Now()
			err := chromedp.Do(tab, chromedp.Navigate(s.e.ts.URL+p.Path))
			spent.load.since(began)
			if err != nil {
				t.Errorf("%s (%s): open %s: %v", w.Login, lang, p.Path, err)
				continue
			}
			for _, sz := range fitSizes {
				where := fmt.Sprintf("%s, %s %dx%d, %s: %s", w.Login, sz.name, sz.width, sz.height, lang, p.Path)
				began := time.Now()
				r, err := measureFit(tab, sz)
				spent.measure.since(began)
				if err != nil {
					t.Errorf("%s: %v", where, err)
					continue
				}
				if r.Path != p.Path || r.Lang != lang {
					t.Errorf("%s: Chromium shows %s in %q (not signed in, or the language did not switch)", where, r.Path, r.Lang)
					continue
				}
				if r.ScrollWidth > r.ClientWidth || r.InnerWidth > sz.width {
					t.Errorf("%s: the page is %d px wide in a %d px window; sticking out: %s",
						where, r.ScrollWidth, sz.width, strings.Join(r.Wide, "; "))
				}
				if len(r.Clipped) > 0 {
					t.Errorf("%s: text cut off in %s", where, strings.Join(r.Clipped, "; "))
				}
				if len(r.Apart) > 0 {
					t.Errorf("%s: a checkbox or radio is not beside its label: %s", where, strings.Join(r.Apart, "; "))
				}
				if shots != "" {
					began := time.Now()
					name := strings.Join([]string{w.Login, sz.name, lang, patternFileName(p.Pattern)}, "_")
					if _, err := browsertest.SaveScreenshot(tab, shots, name); err != nil {
						t.Error(err)
					}
					spent.shot.since(began)
				}
			}
		}
	}
	s.setLanguage(t, w, "zh-CN", tab)
}

// measureFit lays the open page out at the size and runs fitScript on it.
func measureFit(tab context.Context, sz screenSize) (fitReport, error) {
	if err := chromedp.Do(tab, browsertest.Resize(sz.width, sz.height, sz.mobile)); err != nil {
		return fitReport{}, err
	}
	return chromedp.Run(tab, chromedp.Evaluate[fitReport](fitScript))
}

// copyCookies signs the tab in: the walker's session cookie goes from its
// Go client's jar into Chromium.
func (s *demoSite) copyCookies(w *walker) chromedp.Action[chromedp.Void] {
	u, _ := url.Parse(s.e.ts.URL)
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		for _, c := range w.c.http.Jar.Cookies(u) {
			if _, err := cdp.Call(ctx, tgt, network.SetCookie, network.SetCookieParams{
				Name: c.Name, Value: c.Value, URL: s.e.ts.URL + "/",
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

// setLanguage switches the account to lang: a staff account's language is
// kept on the account, the portal's in a cookie.
func (s *demoSite) setLanguage(t *testing.T, w *walker, lang string, tab context.Context) {
	t.Helper()
	if !w.Portal {
		res := w.c.postForm("/account/locale", url.Values{"lang": {lang}, "next": {"/account"}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: set language %s: %d", w.Login, lang, res.StatusCode)
		}
		return
	}
	err := chromedp.Do(tab, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, network.SetCookie, network.SetCookieParams{
			Name: "lang", Value: lang, URL: s.e.ts.URL + "/",
		})
		return err
	}))
	if err != nil {
		t.Fatalf("%s: language cookie: %v", w.Login, err)
	}
}

// onePagePerPattern keeps the first page answered for each route pattern.
func onePagePerPattern(pages []walkedPage) []walkedPage {
	seen := map[string]bool{}
	var out []walkedPage
	for _, p := range pages {
		if p.Status != http.StatusOK || !p.HTML || seen[p.Pattern] {
			continue
		}
		seen[p.Pattern] = true
		out = append(out, p)
	}
	return out
}

// patternFileName makes a route pattern a file name: "GET /members/{member}"
// becomes "members-member", "GET /" "home", "GET /m/{$}" "m-home".
func patternFileName(pattern string) string {
	_, path, _ := strings.Cut(pattern, " ")
	name := strings.NewReplacer("{", "", "}", "", "$", "", ".", "", "/", "-").Replace(path)
	switch name = strings.Trim(name, "-"); name {
	case "":
		return "home"
	case "m":
		return "m-home"
	}
	return name
}

func TestPatternFileName(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /":                        "home",
		"GET /m/{$}":                   "m-home",
		"GET /members/{member}":        "members-member",
		"GET /points/plans/{plan}/new": "points-plans-plan-new",
	} {
		if got := patternFileName(pattern); got != want {
			t.Errorf("patternFileName(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// The fit measurement names what sticks out, what is cut off and which
// box is apart from its label, and lets a wide table scroll in its box.
func TestFitScriptFindsFaults(t *testing.T) {
	page := func(body string) string {
		return `<!doctype html><html lang="zh-CN"><meta name="viewport" content="width=device-width, initial-scale=1"><body style="margin:0">` + body
	}
	pages := map[string]string{
		"/wide":    page(`<div id="wide" style="width:500px">宽</div>`),
		"/clipped": page(`<p id="cut" style="width:100px;overflow:hidden;white-space:nowrap">这一行字很长很长很长很长很长很长很长</p>`),
		"/apart":   page(`<label id="apart" style="display:flex;flex-direction:column"><input type="checkbox"> 试运行</label>`),
		"/fits": page(`<div style="overflow-x:auto"><table style="width:900px"><tr><td>表格在自己的框里滚动</td></tr></table></div>` +
			`<label><input type="checkbox"> 试运行</label><p style="overflow:hidden">短</p>`),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, pages[r.URL.Path])
	}))
	t.Cleanup(srv.Close)
	tab := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	measure := func(path string) fitReport {
		t.Helper()
		if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatal(err)
		}
		r, err := measureFit(tab, fitSizes[0])
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := measure("/wide"); r.ScrollWidth < 500 || r.ClientWidth != 390 || len(r.Wide) != 1 || !strings.HasPrefix(r.Wide[0], "div#wide") {
		t.Errorf("a 500 px div: %+v", r)
	}
	if r := measure("/clipped"); len(r.Clipped) != 1 || !strings.HasPrefix(r.Clipped[0], "p#cut") {
		t.Errorf("text cut off: %+v", r)
	}
	if r := measure("/apart"); len(r.Apart) != 1 || !strings.HasPrefix(r.Apart[0], "label#apart") {
		t.Errorf("a checkbox above its label: %+v", r)
	}
	if r := measure("/fits"); r.ScrollWidth > r.ClientWidth || len(r.Wide)+len(r.Clipped)+len(r.Apart) > 0 {
		t.Errorf("a page that fits: %+v", r)
	}
}
