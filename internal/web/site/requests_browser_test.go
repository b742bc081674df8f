package site

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"estateclub/internal/browsertest"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/request"
)

// Customer relations at a desk (1366×768) open the queue, which fits the
// screen and shows the time left, then the request's page, take it and
// reply; screenshots of both are saved when ESTATECLUB_SCREENSHOTS is set.
func TestBrowserRequestQueueAndPage(t *testing.T) {
	e := newEnvOn(t, dbtest.Open(t, db.SQLite))
	f := mustRequestSetup(t, e)
	q := mustSubmitRequest(t, e, f.m.ID, request.Complaint, request.SubService, "前台接待态度很差，等了半小时。")
	mustSubmitRequest(t, e, f.m.ID, request.Suggestion, request.SubEvents, "希望多举办亲子活动。")

	ctx := browsertest.New(t, browsertest.WithViewport(1366, 768, false))
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	run(chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("login"), "sh-care"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("nav-notices")),
		chromedp.Navigate(e.ts.URL+"/requests"),
		chromedp.WaitVisible(chromedp.ID("requests")))
	browsertest.Screenshot(t, ctx, "requests-queue-1366")
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > document.documentElement.clientWidth"))
	if err != nil || wide {
		t.Errorf("the queue scrolls sideways at 1366 px (%v)", err)
	}
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(fmt.Sprintf("request-%d", q.ID))))
	if err != nil || !strings.Contains(row, q.No) || !strings.Contains(row, "工作小时") || !strings.Contains(row, "客户会") {
		t.Fatalf("queue row %q (%v)", row, err)
	}
	run(chromedp.Click(chromedp.CSS(fmt.Sprintf("#request-%d a[href='/requests/%d']", q.ID, q.ID))),
		chromedp.WaitVisible(chromedp.ID("request-take")),
		chromedp.Click(chromedp.ID("request-take")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		chromedp.SendKeys(chromedp.CSS("#reply-form textarea"), "您好，我们已联系前台主管核实。"),
		chromedp.Click(chromedp.ID("reply-send")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	browsertest.Screenshot(t, ctx, "request-page-1366")
	msgs, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("request-messages")))
	if err != nil || !strings.Contains(msgs, "您好，我们已联系前台主管核实。") {
		t.Errorf("messages %q (%v)", msgs, err)
	}
	if st, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("request-status"))); st != "处理中" {
		t.Errorf("status after the reply: %q", st)
	}
}
