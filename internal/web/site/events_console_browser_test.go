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
	"estateclub/internal/web"
)

// The console's events pages in real Chromium, on a laptop (1366×768) and
// a phone (390×844): the list with its charts, the month calendar (a grid
// of weeks on the laptop, a list of the days with events on the phone)
// and the event page with its registrations. Nothing scrolls sideways.
func TestBrowserEventsConsole(t *testing.T) {
	e := newEnvOn(t, dbtest.Open(t, db.SQLite))
	ev := mustSiteEvent(t, e, "SH", event.Target{}, func(p *event.Proposal) {
		p.Theme, p.Venue = "滨江府业主新年音乐会与亲子手工市集", "滨江会所一楼宴会厅（东侧入口）"
		p.Budget = []event.BudgetLine{{Category: event.BudgetEvents, Item: "乐团演出费", AmountFen: 1200000}}
	})
	for i, name := range []string{"林一", "周二", "吴三"} {
		m := mustNamedMember(t, e, "SH-PD", name, fmt.Sprintf("1391235800%d", i))
		mustRegistered(t, e, ev.ID, m.ID)
	}
	e.mustStaff(t, "ev-browser", auth.CitySupervisor, "SH")
	staff := e.mustLogin(t, "ev-browser")
	month := ev.StartsAt.In(web.ChinaTime).Format("2006-01")

	ctx := browsertest.New(t, browsertest.WithViewport(1366, 768, false))
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	base, _ := url.Parse(e.ts.URL)
	run(chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		for _, ck := range staff.http.Jar.Cookies(base) {
			if _, err := cdp.Call(ctx, tgt, network.SetCookie, network.SetCookieParams{Name: ck.Name, Value: ck.Value, URL: e.ts.URL + "/"}); err != nil {
				return err
			}
		}
		return nil
	}))
	fits := func(what string, width int) {
		t.Helper()
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(
			"document.documentElement.scrollWidth > document.documentElement.clientWidth || window.innerWidth > %d", width)))
		if err != nil || wide {
			t.Errorf("%s scrolls sideways at %d px (%v)", what, width, err)
		}
	}
	visibleDays := func() int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](
			"[...document.querySelectorAll('#ev-calendar td')].filter(td => td.offsetParent !== null).length"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	for _, vp := range []struct {
		w, h   int
		mobile bool
		name   string
	}{{1366, 768, false, "1366"}, {390, 844, true, "390"}} {
		run(browsertest.Resize(vp.w, vp.h, vp.mobile))
		// The list, from the console's menu.
		run(chromedp.Navigate(e.ts.URL+"/"), chromedp.WaitReady(chromedp.ID("nav-events")))
		if href, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.getElementById('nav-events').getAttribute('href')")); href != "/activities" {
			t.Errorf("the menu's events entry: %q", href)
		}
		run(chromedp.Navigate(e.ts.URL+"/activities"), chromedp.WaitVisible(chromedp.ID("events")))
		list, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("events")))
		if !strings.Contains(list, ev.Theme) || !strings.Contains(list, "报名中") {
			t.Errorf("the list at %s: %q", vp.name, list)
		}
		fits("the events list", vp.w)
		browsertest.Screenshot(t, ctx, "ev-list-"+vp.name)

		// The calendar: the event on its day.
		run(chromedp.Navigate(e.ts.URL+"/activities/calendar?month="+month), chromedp.WaitVisible(chromedp.ID(fmt.Sprintf("cal-ev-%d", ev.ID))))
		fits("the calendar", vp.w)
		days := visibleDays()
		if vp.mobile && days != 1 {
			t.Errorf("the calendar on a phone lists %d days, want only the day with the event", days)
		}
		if !vp.mobile && days < 28 {
			t.Errorf("the calendar on a laptop shows %d days, want the month's grid", days)
		}
		browsertest.Screenshot(t, ctx, "ev-calendar-"+vp.name)

		// The event page with its registrations.
		run(chromedp.Navigate(fmt.Sprintf("%s/activities/%d", e.ts.URL, ev.ID)), chromedp.WaitVisible(chromedp.ID("regs")))
		regs, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("regs")))
		for _, name := range []string{"林一", "周二", "吴三"} {
			if !strings.Contains(regs, name) {
				t.Errorf("the registrations at %s lack %s: %q", vp.name, name, regs)
			}
		}
		if n, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("n-registered"))); n != "3" {
			t.Errorf("registered: %q", n)
		}
		fits("the event page", vp.w)
		browsertest.Screenshot(t, ctx, "ev-show-"+vp.name)
	}
}
