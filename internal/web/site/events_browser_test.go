package site

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"estateclub/internal/auth"
	"estateclub/internal/browsertest"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/event"
)

// On a 390×844 phone, a member finds an event in the portal, registers
// with a companion and sees her check-in code; then a specialist, on the
// check-in page on her own phone, types the member's card number (headless
// Chromium has no camera) and sees her checked in with the points and the
// running count. No page scrolls sideways.
func TestBrowserEventsOnAPhone(t *testing.T) {
	e := newEnvOn(t, dbtest.Open(t, db.SQLite))
	ev := mustSiteEvent(t, e, "SH", event.Target{}, func(p *event.Proposal) {
		p.Theme, p.Agenda = "滨江府业主秋季亲子游园会", "14:00 签到\n14:30 亲子游园与手工市集\n16:30 抽奖"
	})
	m, me := mustPortalMember(t, e, "13955557777")
	c := mustIssued(t, e, m.ID, "SH")
	e.mustStaff(t, "phone-checker", auth.CitySpecialist, "SH")
	staff := e.mustLogin(t, "phone-checker")

	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	run := func(ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	click := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
				"document.getElementById('"+id+"').scrollIntoView({block: 'center'})")); err != nil {
				return err
			}
			return chromedp.Do(ctx, chromedp.Click(chromedp.ID(id)))
		})
	}
	fits := func(ctx context.Context, what string) {
		t.Helper()
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > document.documentElement.clientWidth || window.innerWidth > 390"))
		if err != nil || wide {
			t.Errorf("%s scrolls sideways on a phone (%v)", what, err)
		}
	}
	base, _ := url.Parse(e.ts.URL)
	signIn := func(ctx context.Context, cl *client) {
		run(ctx, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			for _, ck := range cl.http.Jar.Cookies(base) {
				if _, err := cdp.Call(ctx, tgt, network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: e.ts.URL + "/"}); err != nil {
					return err
				}
			}
			return nil
		}))
	}

	// The member: the events list, the event, registration.
	signIn(ctx, me)
	run(ctx, chromedp.Navigate(e.ts.URL+"/m/"), chromedp.WaitVisible(chromedp.ID("nav-events")), click("nav-events"),
		chromedp.WaitVisible(chromedp.ID("events")))
	fits(ctx, "the events list")
	browsertest.Screenshot(t, ctx, "m-events-390")
	list, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("events")))
	if !strings.Contains(list, "滨江府业主秋季亲子游园会") || !strings.Contains(list, "报名中") {
		t.Errorf("the list: %q", list)
	}
	run(ctx, chromedp.Navigate(fmt.Sprintf("%s/m/events/%d", e.ts.URL, ev.ID)), chromedp.WaitVisible(chromedp.ID("register-form")))
	fits(ctx, "the event")
	browsertest.Screenshot(t, ctx, "m-event-390")
	run(ctx, chromedp.SetValue(chromedp.ID("companions"), "1"), click("ev-register"), chromedp.WaitVisible(chromedp.ID("flash")))
	if flash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("flash"))); flash != "报名成功" {
		t.Errorf("after registering: %q", flash)
	}
	if status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("reg-status"))); !strings.Contains(status, "报名成功") {
		t.Errorf("registration: %q", status)
	}
	run(ctx, chromedp.WaitVisible(chromedp.ID("card-qr")))
	fits(ctx, "the event after registering")
	browsertest.Screenshot(t, ctx, "m-event-registered-390")
	if r := regOf(t, e, ev.ID, m.ID); r == nil || r.Status != event.Registered || r.Companions != 1 {
		t.Fatalf("registration: %+v", r)
	}

	// The specialist's phone: the card number typed.
	sctx := browsertest.Tab(t, ctx)
	signIn(sctx, staff)
	page := fmt.Sprintf("%s/activities/%d/checkin", e.ts.URL, ev.ID)
	run(sctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("card-form")))
	fits(sctx, "the check-in page")
	scanShown, _ := chromedp.Run(sctx, chromedp.Evaluate[bool]("!document.getElementById('scan').hidden"))
	detector, _ := chromedp.Run(sctx, chromedp.Evaluate[bool]("'BarcodeDetector' in window"))
	if scanShown != detector {
		t.Errorf("the camera card shows %v where BarcodeDetector is %v", scanShown, detector)
	}
	browsertest.Screenshot(t, sctx, "checkin-390")
	run(sctx, chromedp.SendKeys(chromedp.ID("card-number"), c.Number), click("card-submit"), chromedp.WaitVisible(chromedp.ID("checkin-done")))
	done, _ := chromedp.Run(sctx, chromedp.Text(chromedp.ID("checkin-done")))
	if !strings.Contains(done, "签到成功") || !strings.Contains(done, "陈晓") || !strings.Contains(done, "已发放 20 积分") {
		t.Errorf("after check-in: %q", done)
	}
	if n, _ := chromedp.Run(sctx, chromedp.Text(chromedp.ID("count-in"))); n != "1" {
		t.Errorf("checked in: %q", n)
	}
	fits(sctx, "the check-in page after a check-in")
	browsertest.Screenshot(t, sctx, "checkin-done-390")
	// The same card again: already checked in.
	run(sctx, chromedp.SendKeys(chromedp.ID("card-number"), c.Number), click("card-submit"), chromedp.WaitVisible(chromedp.ID("checkin-problem")))
	if p, _ := chromedp.Run(sctx, chromedp.Text(chromedp.ID("problem-text"))); !strings.Contains(p, "已于") {
		t.Errorf("a second check-in: %q", p)
	}
	browsertest.Screenshot(t, sctx, "checkin-again-390")

	// The member's page says she attended.
	run(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("reg-status")))
	if status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("reg-status"))); !strings.Contains(status, "签到") {
		t.Errorf("the member's page after check-in: %q", status)
	}
}
