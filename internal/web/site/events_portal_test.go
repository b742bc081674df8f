package site

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/event"
)

// siteEvent is an event the tests publish, with the staff who ran it.
type siteEvent struct {
	*event.Event
	proposer, boss *auth.Staff
	within         *event.Scope
}

// mustSiteEvent proposes, approves and publishes an event at the city
// node (to its members unless target says otherwise), starting a week
// after the server's clock, registration closing a day before; edit
// changes the proposal first.
func mustSiteEvent(t *testing.T, e *testEnv, city string, target event.Target, edit func(*event.Proposal)) *siteEvent {
	t.Helper()
	n := fixtureMobiles.Add(1)
	node, err := e.srv.Org.ByCode(context.Background(), city)
	if err != nil {
		t.Fatal(err)
	}
	// The service takes the scope it is given: the staff need no role here.
	se := &siteEvent{proposer: e.mustStaff(t, fmt.Sprintf("ev-spec-%d", n), "", city),
		boss: e.mustStaff(t, fmt.Sprintf("ev-boss-%d", n), "", city), within: event.Within([]string{node.Path})}
	start := e.d.Clock().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	p := event.Proposal{NodeID: node.ID, Kind: event.Leisure, Organiser: event.Host, Theme: fmt.Sprintf("业主亲子游园会 %d", n),
		StartsAt: start, EndsAt: start.Add(3 * time.Hour), Deadline: start.Add(-24 * time.Hour), Venue: "滨江会所",
		Agenda: "14:00 签到\n14:30 游园", Capacity: 30, CompanionsMax: 1, PointMode: event.FixedPoints, PointAmount: 20}
	if edit != nil {
		edit(&p)
	}
	ctx := staffCtx(se.proposer)
	ev, err := e.srv.Events.Propose(ctx, p, se.proposer.ID, se.within)
	if err == nil {
		_, err = e.srv.Events.Submit(ctx, ev.ID, se.within)
	}
	if err == nil {
		_, err = e.srv.Events.Review(staffCtx(se.boss), ev.ID, event.ReviewInput{ReviewerID: se.boss.ID, Approve: true, Unplanned: se.within.Paths}, se.within)
	}
	if err == nil {
		ev, err = e.srv.Events.Publish(ctx, ev.ID, target, se.within)
	}
	if err != nil {
		t.Fatal(err)
	}
	se.Event = ev
	return se
}

// regOf is the member's registration for the event (nil if none).
func regOf(t *testing.T, e *testEnv, eventID, memberID int64) *event.Registration {
	t.Helper()
	regs, _, err := e.srv.Events.Registrations(context.Background(), eventID, event.RegFilter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range regs {
		if regs[i].MemberID == memberID {
			return &regs[i]
		}
	}
	return nil
}

// mustRefusedPage posts a form that must be refused with status want and
// a page showing every text of want; it returns the page.
func mustRefusedPage(t *testing.T, c *client, path string, form url.Values, status int, want ...string) string {
	t.Helper()
	res := c.postForm(path, form)
	page := readBody(res)
	if res.StatusCode != status {
		t.Fatalf("POST %s: %d, want %d\n%.1500s", path, res.StatusCode, status, page)
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Fatalf("POST %s does not show %q:\n%s", path, w, page)
		}
	}
	return page
}

// TestEventsPortal: a member sees only the events published to them,
// registers with companions up to the limit, registers twice as once,
// joins the waiting list of a full event with her position, is promoted
// when someone cancels and told; other members' events are 404.
func TestEventsPortal(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		sh := mustSiteEvent(t, e, "SH", event.Target{}, func(p *event.Proposal) { p.Capacity = 2 })
		hz := mustSiteEvent(t, e, "HZ", event.Target{}, nil)
		first, me := mustPortalMember(t, e, "13912347001")
		second, her := mustPortalMember(t, e, "13912347002")
		shPath, hzPath := fmt.Sprintf("/m/events/%d", sh.ID), fmt.Sprintf("/m/events/%d", hz.ID)

		page := mustSmallPage(t, me, "/m/events", sh.Theme, `id="my-events"`)
		if strings.Contains(page, hz.Theme) {
			t.Error("a Shanghai member sees a Hangzhou event")
		}
		mustSmallPage(t, me, "/m/", `href="/m/events"`)
		for _, res := range []*http.Response{me.get(hzPath), me.postForm(hzPath+"/register", nil), me.postForm(hzPath+"/cancel", nil)} {
			if res.Body.Close(); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s: %d, want 404", res.Request.Method, res.Request.URL.Path, res.StatusCode)
			}
		}
		if regOf(t, e, hz.ID, first.ID) != nil {
			t.Fatal("registered for an event not published to her")
		}

		// The detail, and companions above the limit: a message, nothing changed.
		mustSmallPage(t, me, shPath, sh.Theme, "滨江会所", `id="ev-seats"`, `id="ev-deadline"`, "14:30 游园", `id="register-form"`)
		mustRefusedPage(t, me, shPath+"/register", url.Values{"companions": {"2"}}, http.StatusBadRequest, "最多可带 1 位同行人")
		if regOf(t, e, sh.ID, first.ID) != nil {
			t.Fatal("a refused registration was kept")
		}
		if loc := mustSeeOther(t, me.postForm(shPath+"/register", url.Values{"companions": {"1"}}), shPath); !strings.Contains(loc, "m.ev.flash.registered") {
			t.Errorf("registered: to %s", loc)
		}
		mustSmallPage(t, me, shPath, "您已报名成功", "同行 1 人", `id="ev-cancel"`, `id="ev-qr"`)
		// Twice is once, shown, not an error page.
		if loc := mustSeeOther(t, me.postForm(shPath+"/register", url.Values{"companions": {"0"}}), shPath); !strings.Contains(loc, "m.ev.flash.already") {
			t.Errorf("registered again: to %s", loc)
		}
		mustSmallPage(t, me, shPath+"?flash=m.ev.flash.already", "您已报名本活动，无需重复报名", "您已报名成功")
		if r := regOf(t, e, sh.ID, first.ID); r == nil || r.Companions != 1 || r.Status != event.Registered {
			t.Fatalf("registration after twice: %+v", r)
		}

		// Full (2 seats taken): the second member joins the waiting list.
		mustSmallPage(t, her, shPath, `id="ev-full"`, "加入候补")
		mustSeeOther(t, her.postForm(shPath+"/register", nil), shPath)
		mustSmallPage(t, her, shPath, "您在候补名单第 1 位")
		mustSmallPage(t, her, "/m/events/mine", sh.Theme, "候补第 1 位")

		// The first cancels: the second is promoted and told.
		mustSeeOther(t, me.postForm(shPath+"/cancel", nil), shPath)
		if r := regOf(t, e, sh.ID, second.ID); r == nil || r.Status != event.Registered {
			t.Fatalf("not promoted: %+v", r)
		}
		mustSmallPage(t, her, "/m/events", "您已从候补转为正式报名")
		if page := mustSmallPage(t, her, "/m/events"); strings.Contains(page, "您已从候补转为正式报名") {
			t.Error("the notice shows twice")
		}
		mustSmallPage(t, her, shPath, "您已报名成功")
		mustSmallPage(t, me, "/m/events/mine", sh.Theme, "已取消")

		// English.
		mustSeeOther(t, me.postForm("/lang", url.Values{"lang": {"en"}, "next": {shPath}}), shPath)
		mustSmallPage(t, me, shPath, "Register", "Seats left")
		mustSmallPage(t, me, "/m/events", "Events", "My events")
	})
}

// TestEventsPortalRefusals: after the deadline and for a cancelled event,
// the member reads why on the event's page and nothing changes.
func TestEventsPortalRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		clock := useFakeClock(e)
		ev := mustSiteEvent(t, e, "SH", event.Target{}, nil)
		gone := mustSiteEvent(t, e, "SH", event.Target{}, nil)
		m, me := mustPortalMember(t, e, "13912347011")
		path, gonePath := fmt.Sprintf("/m/events/%d", ev.ID), fmt.Sprintf("/m/events/%d", gone.ID)

		mustSeeOther(t, me.postForm(gonePath+"/register", nil), gonePath)
		if _, err := e.srv.Events.Cancel(staffCtx(gone.proposer), gone.ID, "场地临时检修", gone.within); err != nil {
			t.Fatal(err)
		}
		mustSmallPage(t, me, gonePath, "活动已取消：", "场地临时检修")
		mustRefusedPage(t, me, gonePath+"/register", nil, http.StatusConflict, "已取消，不能报名")
		mustSmallPage(t, me, "/m/events", "很抱歉，您报名的活动已取消")

		clock.Add(6*24*time.Hour + time.Hour) // past the deadline (and the session's idle time)
		me, _ = mustPortalSignIn(t, e, "13912347011")
		page := mustSmallPage(t, me, path, "报名已截止")
		if strings.Contains(page, `id="register-form"`) {
			t.Error("the form is offered after the deadline")
		}
		mustRefusedPage(t, me, path+"/register", nil, http.StatusConflict, "报名已于")
		if r := regOf(t, e, ev.ID, m.ID); r != nil {
			t.Fatalf("registered after the deadline: %+v", r)
		}
	})
}

// TestEventsPortalSurvey: after the event, the attendee's page says she
// attended and leads to the satisfaction survey on the portal's survey
// pages.
func TestEventsPortalSurvey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		clock := useFakeClock(e)
		ev := mustSiteEvent(t, e, "SH", event.Target{}, nil)
		m, _ := mustPortalMember(t, e, "13912347021")
		mustRegistered(t, e, ev.ID, m.ID)
		ctx := staffCtx(ev.proposer)
		if _, err := e.srv.Events.CheckIn(ctx, ev.ID, event.CheckInInput{MemberID: m.ID, StaffID: ev.proposer.ID}, ev.within); err != nil {
			t.Fatal(err)
		}
		clock.Add(8 * 24 * time.Hour) // after the event
		if _, err := e.srv.Events.MarkHeld(ctx, ev.ID, ev.within); err != nil {
			t.Fatal(err)
		}
		if n, err := e.srv.Events.SendSurvey(ctx, ev.ID, ev.within); err != nil || n != 1 {
			t.Fatalf("survey: %d, %v", n, err)
		}
		me, _ := mustPortalSignIn(t, e, "13912347021")
		path := fmt.Sprintf("/m/events/%d", ev.ID)
		page := mustSmallPage(t, me, path, "已于", `id="ev-survey-link"`)
		if strings.Contains(page, `id="ev-cancel"`) || strings.Contains(page, `id="ev-qr"`) {
			t.Error("an attended event offers cancelling or the check-in code")
		}
		link := regexp.MustCompile(`href="(/m/surveys/\d+)" id="ev-survey-link"`).FindStringSubmatch(page)
		if link == nil {
			t.Fatalf("no survey link:\n%s", page)
		}
		mustSmallPage(t, me, link[1], `id="survey-form"`)
		mustSmallPage(t, me, "/m/events/mine", ev.Theme, "已签到")
	})
}
