package site

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"estateclub/internal/auth"
	"estateclub/internal/browsertest"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// menuState is what the console's menu looks like in the browser.
type menuState struct {
	Path        string `json:"path"`
	Button      bool   `json:"button"`   // the menu button is shown
	Expanded    string `json:"expanded"` // its aria-expanded
	Account     bool   `json:"account"`  // the sign-out button is shown
	Links       int    `json:"links"`    // menu entries
	Shown       int    `json:"shown"`    // menu entries drawn
	Inside      int    `json:"inside"`   // menu entries drawn inside the window
	ScrollWidth int    `json:"scrollWidth"`
	ClientWidth int    `json:"clientWidth"`
}

const menuScript = `(() => {
  const vw = document.documentElement.clientWidth;
  const button = document.getElementById("menu-button");
  const links = [...document.querySelectorAll("#nav a")];
  const shown = links.filter(a => a.getClientRects().length > 0);
  return {path: location.pathname, button: !!button && button.getClientRects().length > 0,
    expanded: button ? button.getAttribute("aria-expanded") : "",
    account: document.getElementById("logout").getClientRects().length > 0,
    links: links.length, shown: shown.length,
    inside: shown.filter(a => { const r = a.getBoundingClientRect(); return r.left >= 0 && r.right <= vw; }).length,
    scrollWidth: document.documentElement.scrollWidth, clientWidth: vw};
})()`

// On a phone the console's menu is folded behind a menu button that opens
// it as a panel with every entry on the screen; on a laptop it is a row
// with no button; without script it is simply open.
func TestBrowserConsoleMenu(t *testing.T) {
	e := newEnvOn(t, dbtest.Open(t, db.SQLite))
	e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	menu := func() menuState {
		t.Helper()
		m, err := chromedp.Run(ctx, chromedp.Evaluate[menuState](menuScript))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	run(chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("login"), "boss"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("menu-button")))

	m := menu()
	if m.Links < 10 || m.Shown != 0 || m.Account || m.Expanded != "false" {
		t.Errorf("phone, before the button: %+v; want the %d entries folded away", m, m.Links)
	}
	run(chromedp.Click(chromedp.ID("menu-button")))
	m = menu()
	if m.Shown != m.Links || m.Inside != m.Links || !m.Account || m.Expanded != "true" || m.ScrollWidth > m.ClientWidth {
		t.Errorf("phone, menu open: %+v; want every entry on the screen", m)
	}
	browsertest.Screenshot(t, ctx, "console-menu-phone-open")
	run(chromedp.Click(chromedp.ID("menu-button")))
	browsertest.Screenshot(t, ctx, "console-menu-phone-folded")
	run(chromedp.Click(chromedp.ID("menu-button")))
	run(chromedp.Evaluate[chromedp.Void](`document.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape"}))`))
	if m = menu(); m.Shown != 0 || m.Expanded != "false" {
		t.Errorf("phone, after Escape: %+v; want the menu folded", m)
	}
	run(chromedp.Click(chromedp.ID("menu-button")),
		chromedp.Click(chromedp.CSS(`#nav a[href="/members"]`)),
		chromedp.WaitVisible(chromedp.ID("member-table")))
	if m = menu(); m.Path != "/members" || m.Shown != 0 {
		t.Errorf("phone, after choosing 会员: %+v; want /members with the menu folded", m)
	}

	run(chromedp.EmulateViewport(1366, 768), chromedp.Reload())
	browsertest.Screenshot(t, ctx, "console-menu-laptop")
	if m = menu(); m.Button || m.Shown != m.Links || m.Inside != m.Links || !m.Account {
		t.Errorf("laptop: %+v; want no button and every entry on the screen", m)
	}

	run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			_, err := cdp.Call(ctx, tgt, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}),
		chromedp.Reload())
	browsertest.Screenshot(t, ctx, "console-menu-phone-no-script")
	if m = menu(); m.Button || m.Shown != m.Links || m.Inside != m.Links || !m.Account || m.ScrollWidth > m.ClientWidth {
		t.Errorf("phone without script: %+v; want no button and every entry on the screen", m)
	}
}
