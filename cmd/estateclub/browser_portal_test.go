package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"estateclub/internal/browsertest"
	"estateclub/internal/demo"
)

// outboxCode reads the newest sign-in code texted to mobile from the
// console's SMS outbox, as the group supervisor.
func outboxCode(t *testing.T, base, mobile string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := c.PostForm(base+"/login", url.Values{"login": {"supervisor"}, "password": {demo.Password}, "next": {"/"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = c.Get(base + "/sms/outbox?mobile=" + mobile)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`class="sms-text">(?:<span[^>]*>)?[^<]*?(\d{6})`).FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("outbox: %d, no code:\n%s", res.StatusCode, body)
	}
	return string(m[1])
}

// The member portal on a phone: sign in with the texted code → card with
// its QR code → points → redeem (tapped twice, ordered once) → sign out.
func TestBrowserPortal(t *testing.T) {
	s := startServer(t, "--demo", "--data-dir", t.TempDir())
	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	noOverflow := func(page string) {
		t.Helper()
		if mustRun(t, ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth")) {
			t.Errorf("the portal's %s page scrolls sideways on a phone", page)
		}
	}
	mustDo(t, ctx, chromedp.Navigate(s.URL+"/m/"), chromedp.WaitVisible(chromedp.ID("code-form")))
	browsertest.Screenshot(t, ctx, "portal-login")
	mustDo(t, ctx,
		chromedp.SendKeys(chromedp.ID("mobile"), demo.PortalMobile),
		chromedp.Click(chromedp.ID("send-code")),
		chromedp.WaitVisible(chromedp.ID("signin-form")),
	)
	// The code is read only once the page has asked for it.
	mustDo(t, ctx,
		chromedp.SendKeys(chromedp.ID("code"), outboxCode(t, s.URL, demo.PortalMobile)),
		chromedp.Click(chromedp.ID("signin")),
		chromedp.WaitVisible(chromedp.ID("member-card")),
	)
	if name := mustRun(t, ctx, chromedp.Text(chromedp.ID("member-name"))); name != "林晓雨" {
		t.Fatalf("signed in as %q", name)
	}
	reward := mustRun(t, ctx, chromedp.Text(chromedp.ID("reward-balance")))
	noOverflow("home")
	browsertest.Screenshot(t, ctx, "portal-home")

	mustDo(t, ctx, chromedp.Click(chromedp.ID("nav-card")), chromedp.WaitVisible(chromedp.ID("card-qr")))
	if !mustRun(t, ctx, chromedp.Poll[bool](`(() => { const i = document.getElementById("card-qr"); return i.complete && i.naturalWidth > 0; })()`,
		chromedp.WithPollingTimeout(10*time.Second))) {
		t.Errorf("the card's QR code did not load")
	}
	noOverflow("card")
	browsertest.Screenshot(t, ctx, "portal-card")

	mustDo(t, ctx, chromedp.Click(chromedp.ID("nav-points")), chromedp.WaitVisible(chromedp.ID("statement")))
	if lines := mustRun(t, ctx, chromedp.Text(chromedp.ID("statement"))); !strings.Contains(lines, "购房签约奖励") {
		t.Errorf("statement: %q", lines)
	}
	noOverflow("points")
	browsertest.Screenshot(t, ctx, "portal-points")

	// A double tap on 立即兑换 submits the same form twice: one order.
	mustDo(t, ctx, chromedp.Click(chromedp.ID("nav-rewards")), chromedp.WaitVisible(chromedp.CSS(".redeem-form button")))
	noOverflow("rewards")
	browsertest.Screenshot(t, ctx, "portal-rewards")
	mustRun(t, ctx, chromedp.Evaluate[bool](`(() => { const b = document.querySelector(".redeem-form button"); b.click(); b.click(); return true; })()`))
	mustDo(t, ctx, chromedp.WaitVisible(chromedp.ID("order-status")))
	browsertest.Screenshot(t, ctx, "portal-order")
	mustDo(t, ctx, chromedp.Click(chromedp.ID("nav-rewards")), chromedp.WaitVisible(chromedp.ID("orders")))
	if n := mustRun(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#orders li a").length`)); n != 1 {
		t.Fatalf("a double tap made %d orders", n)
	}
	mustDo(t, ctx, chromedp.Click(chromedp.CSS(".mnav a")), chromedp.WaitVisible(chromedp.ID("reward-balance")))
	if after := mustRun(t, ctx, chromedp.Text(chromedp.ID("reward-balance"))); after == reward {
		t.Errorf("the reward balance is still %s after redeeming", after)
	}
	mustDo(t, ctx, chromedp.Click(chromedp.ID("signout")), chromedp.WaitVisible(chromedp.ID("code-form")))
	browsertest.Screenshot(t, ctx, "portal-signed-out")
	mustDo(t, ctx, chromedp.Navigate(s.URL+"/m/points"), chromedp.WaitVisible(chromedp.ID("code-form")))
}
