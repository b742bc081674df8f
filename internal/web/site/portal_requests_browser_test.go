package site

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"estateclub/internal/auth"
	"estateclub/internal/browsertest"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/request"
)

// On a 390×844 phone, a member reads the club's question on her complaint,
// answers it, and once it is resolved confirms the solution; the page never
// scrolls sideways.
func TestBrowserPortalRequestOnAPhone(t *testing.T) {
	e := newEnvOn(t, dbtest.Open(t, db.SQLite))
	cr := e.mustStaff(t, "phone-cr", auth.CustomerRelations, "SH")
	sc := staffCtx(cr)
	m, me := mustPortalMember(t, e, "13955556666")
	q := mustMemberRequest(t, e, m.ID, request.Complaint, request.SubProperty, "地下车库B2层积水，车辆进出困难，请尽快处理排水问题")
	if _, err := e.srv.Requests.Reply(sc, q.ID, cr.ID, request.Reply{Body: "您好，请问积水是在哪个出入口附近？方便的话请描述一下具体位置，我们安排物业当天处理。", Wait: true}, nil); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	// The fixed tab bar covers the bottom of the screen: a button is
	// brought to its middle before a click, as a thumb scrolls it there.
	click := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](
				"document.getElementById('"+id+"').scrollIntoView({block: 'center'})")); err != nil {
				return err
			}
			return chromedp.Do(ctx, chromedp.Click(chromedp.ID(id)))
		})
	}
	fits := func(what string) {
		t.Helper()
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > document.documentElement.clientWidth || window.innerWidth > 390"))
		if err != nil || wide {
			t.Errorf("%s scrolls sideways on a phone (%v)", what, err)
		}
	}
	// The member's portal session goes from the Go client into Chromium.
	base, _ := url.Parse(e.ts.URL)
	run(chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		for _, c := range me.http.Jar.Cookies(base) {
			if _, err := cdp.Call(ctx, tgt, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: e.ts.URL + "/"}); err != nil {
				return err
			}
		}
		return nil
	}))
	page := fmt.Sprintf("%s/m/requests/%d", e.ts.URL, q.ID)
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("reply-form")))
	fits("the waiting request")
	browsertest.Screenshot(t, ctx, "m-request-waiting-390")
	if status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("request-status"))); status != "待会员回复" {
		t.Errorf("status %q", status)
	}

	// Files chosen on the phone, with long names, keep the form within
	// the screen; the reply carries them.
	dir := t.TempDir()
	long := filepath.Join(dir, "地下车库B2层三号楼旁边入口坡道下方积水现场照片及物业报修记录单（第一页）.pdf")
	other := filepath.Join(dir, "scan_2026_12_07_basement_parking_B2_flooding_entrance_ramp_near_building_3.pdf")
	for _, f := range []string{long, other} {
		if err := os.WriteFile(f, pdfFile(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run(chromedp.SetUploadFiles(chromedp.ID("reply-files"), []string{long, other}))
	fits("the reply form with two files chosen")
	run(chromedp.SendKeys(chromedp.ID("reply-text"), "3号楼旁边的入口，坡道下面一整片都是水"),
		click("reply-submit"),
		chromedp.WaitVisible(chromedp.ID("flash")))
	if flash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("flash"))); !strings.Contains(flash, "已发送") {
		t.Errorf("after replying: %q", flash)
	}
	replies, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("replies")))
	if !strings.Contains(replies, "坡道下面一整片都是水") {
		t.Errorf("the member's reply is not on the page: %q", replies)
	}
	if !strings.Contains(replies, filepath.Base(long)) || !strings.Contains(replies, filepath.Base(other)) {
		t.Errorf("the reply's files are not on the page: %q", replies)
	}
	fits("the request after the reply")

	// The form for a new request, files chosen.
	run(chromedp.Navigate(e.ts.URL+"/m/requests"), chromedp.WaitVisible(chromedp.ID("files")))
	fits("the request form")
	run(chromedp.SetUploadFiles(chromedp.ID("files"), []string{long, other}))
	fits("the request form with two files chosen")
	browsertest.Screenshot(t, ctx, "m-request-form-files-390")

	if _, err := e.srv.Requests.Resolve(sc, q.ID, cr.ID, "物业已疏通B2层排水沟并加装了一台抽水泵，今后雨天会安排专人巡查。", "车库积水", nil); err != nil {
		t.Fatal(err)
	}
	run(chromedp.Navigate(page), chromedp.WaitVisible(chromedp.ID("confirm-form")))
	fits("the resolved request")
	browsertest.Screenshot(t, ctx, "m-request-resolved-390")
	run(click("confirm-submit"), chromedp.WaitVisible(chromedp.ID("flash")))
	if status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("request-status"))); status != "已关闭" {
		t.Errorf("after confirming, status %q", status)
	}
	browsertest.Screenshot(t, ctx, "m-request-closed-390")
	if got, err := e.srv.Requests.Get(context.Background(), q.ID); err != nil || got.Status != request.Closed {
		t.Errorf("the request after confirming: %+v %v", got, err)
	}
}
