package browsertest_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"estateclub/internal/browsertest"
)

// recorder is a testing.TB that records the errors reported to it instead
// of failing, so that a page's problems can be checked while the real test
// stays green. Everything else (TempDir, Logf, Fatal, Skip) goes to the real
// test. Its cleanups run at close, or at the real test's end.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{TB: t}
	t.Cleanup(func() { r.close() })
	return r
}

func (r *recorder) Errorf(format string, args ...any) { r.Error(fmt.Sprintf(format, args...)) }

func (r *recorder) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprint(args...))
}

// Failed counts what the recorder took in, as a test does.
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors) > 0 || r.TB.Failed()
}

func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

// close runs the cleanups, last first, as the end of a test does, and
// returns the errors reported until then.
func (r *recorder) close() []string {
	for {
		r.mu.Lock()
		n := len(r.cleanups)
		if n == 0 {
			defer r.mu.Unlock()
			return append([]string(nil), r.errors...)
		}
		f := r.cleanups[n-1]
		r.cleanups = r.cleanups[:n-1]
		r.mu.Unlock()
		f()
	}
}

const strictCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"

// onePixel is a 1x1 transparent GIF.
const onePixel = "GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"

// mustProblemSite serves the pages of the tests below; any other path is
// 404. closedPort is the address of a port nobody listens on.
func mustProblemSite(t *testing.T) (srv *httptest.Server, closedPort string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort = l.Addr().String()
	l.Close()

	html := func(body string) string {
		return `<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>自测</title>` + body
	}
	pages := map[string]string{
		"/clean": html(`<link rel="stylesheet" href="/app.css"><script src="/app.js"></script>` +
			`<h1>客户会</h1><img src="/logo.gif" alt="">`),
		"/script-error":     html(`<script src="/script-error.js"></script>`),
		"/script-error.js":  `undefinedFunction()`,
		"/rejection":        html(`<script src="/rejection.js"></script>`),
		"/rejection.js":     `Promise.reject(new Error("承诺被拒绝"))`,
		"/console-error":    html(`<script src="/console-error.js"></script>`),
		"/console-error.js": `console.error("坏了", 42)`,
		"/csp":              html(`<script>document.title = "不该运行"</script>`),
		"/missing-image":    html(`<img src="/nope.png" alt="">`),
		"/missing-script":   html(`<script src="/nope.js"></script>`),
		"/refused":          html(`<script src="http://` + closedPort + `/x.js"></script>`),
		"/server-error":     html(`<script src="/boom.js"></script>`),
		"/boom.js":          `fetch("/boom").then(r => { document.title = String(r.status) })`,
		"/handled-404":      html(`<script src="/handled-404.js"></script>`),
		"/handled-404.js":   `fetch("/nope.json").then(r => { document.title = String(r.status) })`,
		"/cut-off":          html(`<script src="/cut-off.js"></script><a id=slow href="/hang-page">慢</a>`),
		"/links":            html(`<a id=download href="/export.csv">导出</a> <a id=nothing href="/no-content">无内容</a>`),
		"/favicon.ico":      "",
		"/app.js":           `document.documentElement.dataset.ok = "1"`,
		// Requests that never end, sent once the page has loaded.
		"/cut-off.js": `addEventListener("load", () => {
			fetch("/hang");
			const img = new Image();
			img.src = "/hang.gif";
			document.body.append(img);
		})`,
		"/app.css":    `h1 { color: #333 }`,
		"/logo.gif":   onePixel,
		"/export.csv": "卡号,积分\n1,2\n",
		"/no-content": "",
		"/boom":       "",
		"/hang":       "",
		"/hang.gif":   "",
		"/hang-page":  "",
	}
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		switch {
		case !ok:
			http.NotFound(w, r)
			return
		case strings.HasPrefix(r.URL.Path, "/hang"):
			// Answers only when the browser gives up (or much later).
			select {
			case <-r.Context().Done():
			case <-time.After(30 * time.Second):
			}
			return
		case r.URL.Path == "/boom":
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		case r.URL.Path == "/no-content":
			w.WriteHeader(http.StatusNoContent)
			return
		case r.URL.Path == "/export.csv":
			w.Header().Set("Content-Disposition", `attachment; filename="export.csv"`)
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		case strings.HasSuffix(r.URL.Path, ".js"):
			w.Header().Set("Content-Type", "text/javascript")
		case strings.HasSuffix(r.URL.Path, ".css"):
			w.Header().Set("Content-Type", "text/css")
		case strings.HasSuffix(r.URL.Path, ".gif"):
			w.Header().Set("Content-Type", "image/gif")
		case r.URL.Path == "/favicon.ico":
			w.Header().Set("Content-Type", "image/x-icon")
		case r.URL.Path == "/refused":
			// No CSP, which would block the script before the refusal.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Content-Security-Policy", strictCSP)
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, closedPort
}

// Each broken page fails the test that opens it, with the page's URL and
// what went wrong; a clean page, and what only looks like a problem, pass.
func TestPageProblemsFailTheTest(t *testing.T) {
	srv, closedPort := mustProblemSite(t)
	browser := browsertest.New(t)
	for _, c := range []struct {
		name, path string
		steps      []chromedp.Action[chromedp.Void]
		want       string // in the one error; "" for none
	}{
		{name: "clean page", path: "/clean"},
		{name: "script error", path: "/script-error", want: "browser exception in /script-error: Uncaught ReferenceError: undefinedFunction is not defined"},
		{name: "promise rejection", path: "/rejection", want: "browser exception in /rejection: Uncaught (in promise) Error: 承诺被拒绝"},
		{name: "console error", path: "/console-error", want: "browser console error in /console-error: console.error: 坏了 42"},
		{name: "CSP violation", path: "/csp", want: "browser log error in /csp: security: Executing inline script violates the following Content Security Policy directive 'script-src 'self''"},
		{name: "missing image", path: "/missing-image", want: "browser bad status in /missing-image: 404 Not Found: /nope.png (Image)"},
		{name: "missing script", path: "/missing-script", want: "browser bad status in /missing-script: 404 Not Found: /nope.js (Script)"},
		{name: "refused load", path: "/refused", want: "browser failed load in /refused: net::ERR_CONNECTION_REFUSED: http://" + closedPort + "/x.js (Script)"},
		{name: "server error of a fetch", path: "/server-error", steps: []chromedp.Action[chromedp.Void]{waitFor(`document.title === "500"`)},
			want: "browser bad status in /server-error: 500 Internal Server Error: /boom (Fetch)"},
		{name: "404 a script handles", path: "/handled-404", steps: []chromedp.Action[chromedp.Void]{
			waitFor(`document.title === "404"`)}},
		{name: "loads cut off by going on", path: "/cut-off", steps: []chromedp.Action[chromedp.Void]{
			chromedp.Sleep(300 * time.Millisecond), chromedp.Click(chromedp.ID("slow")),
			chromedp.Sleep(300 * time.Millisecond), chromedp.Navigate(srv.URL + "/clean")}},
		{name: "download and no content", path: "/links", steps: []chromedp.Action[chromedp.Void]{
			chromedp.Click(chromedp.ID("download")), chromedp.Sleep(500 * time.Millisecond),
			chromedp.Click(chromedp.ID("nothing")), chromedp.Sleep(500 * time.Millisecond),
			chromedp.WaitVisible(chromedp.ID("download"))}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := newRecorder(t)
			tab := browsertest.Tab(rec, browser)
			mustDo(t, tab, append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(srv.URL + c.path)}, c.steps...)...)
			errs := rec.close()
			want := strings.ReplaceAll(c.want, " /", " "+srv.URL+"/")
			page := " in " + srv.URL + c.path + ": "
			switch {
			case c.want == "" && len(errs) > 0:
				t.Errorf("%s failed its test:\n%s", c.path, strings.Join(errs, "\n"))
			case c.want != "" && (len(errs) == 0 || !strings.HasPrefix(errs[0], want)):
				t.Errorf("%s reported:\n%s\nwant first\n%s", c.path, strings.Join(errs, "\n"), want)
			}
			// What follows from the first (a script refused for its 404
			// page) may come too, but only from this page.
			for _, e := range errs {
				if !strings.Contains(e, page) {
					t.Errorf("%s reported %q, not about %s", c.path, e, c.path)
				}
			}
		})
	}
}

// waitFor waits until the expression is true in the page.
func waitFor(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(5*time.Second))(ctx, tgt)
		return err
	})
}

// A problem the test provokes on purpose is declared with Expect and then
// only logged; an expected problem that does not come fails the test, and
// Expect lets through nothing but the kind and text it names.
func TestExpect(t *testing.T) {
	srv, _ := mustProblemSite(t)
	browser := browsertest.New(t)
	open := func(t *testing.T, path string, expect ...string) []string {
		rec := newRecorder(t)
		tab := browsertest.Tab(rec, browser)
		for i := 0; i < len(expect); i += 2 {
			browsertest.Expect(rec, tab, browsertest.Kind(expect[i]), expect[i+1])
		}
		mustDo(t, tab, chromedp.Navigate(srv.URL+path))
		return rec.close()
	}
	t.Run("declared", func(t *testing.T) {
		if errs := open(t, "/missing-image", string(browsertest.BadStatus), "/nope.png"); len(errs) > 0 {
			t.Errorf("an expected 404 failed the test: %q", errs)
		}
	})
	t.Run("did not happen", func(t *testing.T) {
		errs := open(t, "/clean", string(browsertest.Exception), "承诺被拒绝")
		if len(errs) != 1 || !strings.Contains(errs[0], `browser exception containing "承诺被拒绝" was expected in `+srv.URL+"/clean") {
			t.Errorf("an expected problem that did not come: %q", errs)
		}
	})
	t.Run("another kind", func(t *testing.T) {
		// The 404 fails the test; that the failed load declared did not
		// come then goes without saying.
		errs := open(t, "/missing-image", string(browsertest.FailedLoad), "/nope.png")
		if len(errs) != 1 || !strings.Contains(errs[0], "browser bad status in") {
			t.Errorf("a failed load declared, a bad status came: %q", errs)
		}
	})
}

// New's own tab is watched as Tab's are.
func TestNewFailsOnScriptError(t *testing.T) {
	srv, _ := mustProblemSite(t)
	rec := newRecorder(t)
	ctx := browsertest.New(rec)
	mustDo(t, ctx, chromedp.Navigate(srv.URL+"/script-error"))
	errs := rec.close()
	if want := "browser exception in " + srv.URL + "/script-error: Uncaught ReferenceError: undefinedFunction is not defined"; len(errs) != 1 || !strings.HasPrefix(errs[0], want) {
		t.Errorf("reported %q, want one error starting with %q", errs, want)
	}
}
