package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"estateclub/internal/browsertest"
	"estateclub/internal/card"
	"estateclub/internal/demo"
)

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

// The console in real headless Chromium: login → dashboard → English → logout.
func TestBrowserLoginSwitchLanguageLogout(t *testing.T) {
	for _, size := range []struct {
		name          string
		width, height int
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		t.Run(size.name, func(t *testing.T) {
			s := startServer(t, "--demo", "--data-dir", t.TempDir())
			ctx := browsertest.New(t, browsertest.WithViewport(size.width, size.height, size.mobile))
			mustDo(t, ctx, chromedp.Navigate(s.URL+"/"))
			// Signed out, / leads to the Chinese login page, whatever the browser's language.
			if title := mustRun(t, ctx, chromedp.Title()); !strings.Contains(title, "员工登录") {
				t.Fatalf("login page title %q", title)
			}
			mustDo(t, ctx,
				chromedp.SendKeys(chromedp.ID("login"), "sh.supervisor"),
				chromedp.SendKeys(chromedp.ID("password"), "club2026"),
				chromedp.Click(chromedp.ID("login-submit")),
				chromedp.WaitVisible(chromedp.ID("count-city")),
			)
			h1 := mustRun(t, ctx, chromedp.Text(chromedp.CSS("main h1")))
			if !strings.Contains(h1, "您好") {
				t.Fatalf("dashboard heading %q", h1)
			}
			// A city supervisor of Shanghai sees one city and its two projects.
			if n := mustRun(t, ctx, chromedp.Text(chromedp.ID("count-project"))); n != "2" {
				t.Fatalf("projects in scope = %s, want 2", n)
			}
			browsertest.Screenshot(t, ctx, "dashboard-zh-"+size.name)
			// Nothing may be wider than the screen.
			overflow := mustRun(t, ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth"))
			if overflow {
				t.Errorf("the dashboard scrolls sideways at %dpx", size.width)
			}

			// On a phone the language switch is in the folded menu.
			mustDo(t, ctx, openMenu, chromedp.Click(chromedp.ID("lang-switch")), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #count-city`)))
			h1 = mustRun(t, ctx, chromedp.Text(chromedp.CSS("main h1")))
			lang := mustRun(t, ctx, chromedp.Evaluate[string]("document.documentElement.lang"))
			if !strings.HasPrefix(h1, "Hello") || lang != "en" {
				t.Fatalf("after switching to English: lang=%q heading %q", lang, h1)
			}
			// The choice is kept: the next page is English too.
			mustDo(t, ctx, chromedp.Navigate(s.URL+"/org"), chromedp.WaitVisible(chromedp.ID("org-tree")))
			if h := mustRun(t, ctx, chromedp.Text(chromedp.CSS("main h1"))); h != "Organisation" {
				t.Fatalf("org page heading %q", h)
			}
			browsertest.Screenshot(t, ctx, "org-en-"+size.name)

			mustDo(t, ctx, openMenu, chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-submit")))
			flash := mustRun(t, ctx, chromedp.Text(chromedp.CSS(".flash")))
			if flash != "You have signed out" {
				t.Fatalf("after logout: %q", flash)
			}
			browsertest.Screenshot(t, ctx, "logged-out-"+size.name)
			// The old session is gone: the dashboard asks for a login again.
			mustDo(t, ctx, chromedp.Navigate(s.URL+"/"))
			if title := mustRun(t, ctx, chromedp.Title()); !strings.Contains(title, "sign-in") {
				t.Fatalf("after logout / shows %q", title)
			}
		})
	}
}

// openMenu opens the console's menu where it is folded behind its button
// (a phone), and does nothing where the menu is a row.
var openMenu = chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
	_, err := chromedp.Evaluate[bool](`(() => {
		const b = document.getElementById("menu-button");
		if (b && b.offsetParent !== null && b.getAttribute("aria-expanded") !== "true") b.click();
		return true;
	})()`)(ctx, t)
	return err
})

// On a phone, a city specialist looks a card up by its number, opens its
// holder and sees the card's QR code (an image the CSP must let through).
func TestBrowserCardLookup(t *testing.T) {
	s := startServer(t, "--demo", "--data-dir", t.TempDir())
	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	// The demo's first card: Shanghai's first batch, handed over on site.
	number := card.Number(card.DefaultPrefix, 1)
	mustDo(t, ctx,
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("login"), "sh.specialist"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("count-city")),
		chromedp.Navigate(s.URL+"/cards"),
		chromedp.WaitVisible(chromedp.ID("card-stock")),
		chromedp.SendKeys(chromedp.CSS(`#card-lookup input[name="number"]`), strings.ToLower(number)),
		chromedp.Click(chromedp.CSS(`#card-lookup button`)),
		chromedp.WaitVisible(chromedp.ID("card-found")),
	)
	if status := mustRun(t, ctx, chromedp.Text(chromedp.CSS("#card-found .badge"))); status != "已发卡" {
		t.Errorf("card %s is %q, want 已发卡", number, status)
	}
	if mustRun(t, ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth")) {
		t.Errorf("the card page scrolls sideways on a phone")
	}
	browsertest.Screenshot(t, ctx, "card-lookup-phone")
	mustDo(t, ctx, chromedp.Click(chromedp.ID("card-holder")), chromedp.WaitVisible(chromedp.ID("card-qr")))
	if !mustRun(t, ctx, chromedp.Poll[bool](`(() => { const i = document.getElementById("card-qr"); return i.complete && i.naturalWidth > 0; })()`,
		chromedp.WithPollingTimeout(10*time.Second))) {
		t.Errorf("the card's QR code did not load")
	}
	if mustRun(t, ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth")) {
		t.Errorf("the member page with its card scrolls sideways on a phone")
	}
	browsertest.Screenshot(t, ctx, "member-card-phone")
}
