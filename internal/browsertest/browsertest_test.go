package browsertest_test

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"estateclub/internal/browsertest"
)

const page = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>客户会 · 自测</title></head>
<body><h1>客户会</h1>
<button id=b onclick="document.getElementById('o').textContent='已点击'">点我</button>
<p id=o></p>
<button id=e onclick="console.error('出错了', 42); undefinedFunction()">报错</button>
</body></html>`

func mustServe(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func mustDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func mustRun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// mustPNGWidth decodes the screenshot at path and returns its width.
func mustPNGWidth(t *testing.T, path string) int {
	t.Helper()
	buf, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	return cfg.Width
}

func TestClickChinesePage(t *testing.T) {
	url := mustServe(t)
	ctx := browsertest.New(t)
	mustDo(t, ctx, chromedp.Navigate(url), chromedp.Click(chromedp.ID("b")))

	if got := mustRun(t, ctx, chromedp.Text(chromedp.ID("o"))); got != "已点击" {
		t.Errorf("text after click = %q, want 已点击", got)
	}
	if got := mustRun(t, ctx, chromedp.Title()); got != "客户会 · 自测" {
		t.Errorf("title = %q", got)
	}
	if got := mustRun(t, ctx, chromedp.Evaluate[[]int]("[innerWidth, innerHeight]")); got[0] != browsertest.DefaultWidth || got[1] != browsertest.DefaultHeight {
		t.Errorf("viewport = %dx%d, want %dx%d", got[0], got[1], browsertest.DefaultWidth, browsertest.DefaultHeight)
	}
	// The button's errors are provoked on purpose: declared, they are logged
	// (see -v) and must not break the tab.
	browsertest.Expect(t, ctx, browsertest.ConsoleError, "出错了 42")
	browsertest.Expect(t, ctx, browsertest.Exception, "undefinedFunction is not defined")
	mustDo(t, ctx, chromedp.Click(chromedp.ID("e")))

	path := browsertest.Screenshot(t, ctx, "desktop")
	if w := mustPNGWidth(t, path); w != browsertest.DefaultWidth {
		t.Errorf("screenshot width = %d, want %d", w, browsertest.DefaultWidth)
	}
}

func TestPhoneViewport(t *testing.T) {
	url := mustServe(t)
	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	mustDo(t, ctx, chromedp.Navigate(url))

	if got := mustRun(t, ctx, chromedp.Evaluate[int]("window.innerWidth")); got != 390 {
		t.Errorf("innerWidth = %d, want 390", got)
	}
	if !mustRun(t, ctx, chromedp.Evaluate[bool]("matchMedia('(pointer: coarse)').matches")) {
		t.Error("phone viewport has no touch pointer")
	}
	path := browsertest.Screenshot(t, ctx, "phone")
	if w := mustPNGWidth(t, path); w != 390 {
		t.Errorf("screenshot width = %d, want 390", w)
	}
}

func TestScreenshotFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shots", "nested")
	t.Setenv("ESTATECLUB_SCREENSHOTS", dir)
	ctx := browsertest.New(t)
	mustDo(t, ctx, chromedp.Navigate(mustServe(t)))

	path := browsertest.Screenshot(t, ctx, "folder")
	if want := filepath.Join(dir, "folder.png"); path != want {
		t.Errorf("path = %s, want %s", path, want)
	}
	if !strings.HasSuffix(path, ".png") || mustPNGWidth(t, path) == 0 {
		t.Errorf("bad screenshot %s", path)
	}
}

// Two tabs of one browser keep their own cookies (each is signed in as
// its own user) and both have the browser's viewport.
func TestTabsKeepTheirOwnCookies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("set"); v != "" {
			http.SetCookie(w, &http.Cookie{Name: "who", Value: v, Path: "/"})
		}
		who := "nobody"
		if c, err := r.Cookie("who"); err == nil {
			who = c.Value
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, `<!doctype html><meta name="viewport" content="width=device-width"><p id=who>`+who+`</p>`)
	}))
	t.Cleanup(srv.Close)

	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	a, b := browsertest.Tab(t, ctx), browsertest.Tab(t, ctx)
	mustDo(t, a, chromedp.Navigate(srv.URL+"/?set=wang"))
	mustDo(t, b, chromedp.Navigate(srv.URL+"/?set=li"))
	mustDo(t, a, chromedp.Navigate(srv.URL+"/"))
	mustDo(t, b, chromedp.Navigate(srv.URL+"/"))
	if got := mustRun(t, a, chromedp.Text(chromedp.ID("who"))); got != "wang" {
		t.Errorf("tab a is %q, want wang", got)
	}
	if got := mustRun(t, b, chromedp.Text(chromedp.ID("who"))); got != "li" {
		t.Errorf("tab b is %q, want li", got)
	}
	if got := mustRun(t, b, chromedp.Evaluate[int]("window.innerWidth")); got != 390 {
		t.Errorf("tab b is %d wide, want 390", got)
	}
}
