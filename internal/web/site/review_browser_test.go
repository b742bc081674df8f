package site

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"estateclub/internal/auth"
	"estateclub/internal/browsertest"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// On a phone, a supervisor ticks a page of the review queue at once, then
// chooses every matching application across pages, confirms the count
// and sees the batch's result.
func TestBrowserReviewSelectAllOnAPhone(t *testing.T) {
	e := newEnvOn(t, dbtest.Open(t, db.SQLite))
	e.mustStaff(t, "sh-sup", auth.CitySupervisor, "SH")
	sh := mustPending(t, e, "SH-PD", 30, 45)
	hz := mustPending(t, e, "HZ-XH", 31, 4)

	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	sideways := func(what string) {
		t.Helper()
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth"))
		if err != nil || wide {
			t.Errorf("%s scrolls sideways on a phone (%v)", what, err)
		}
	}
	run(chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("login"), "sh-sup"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("count-members")),
		chromedp.Navigate(e.ts.URL+"/members/review?per_page=20"),
		chromedp.WaitVisible(chromedp.CSS("#review-table tbody tr")))
	sideways("the review queue")

	// "Select this page" ticks the page's 20 rows.
	run(chromedp.Click(chromedp.ID("select-page")))
	ticked, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#review-table input[name="id"]:checked').length`))
	if err != nil || ticked != 20 {
		t.Fatalf("select this page ticked %d rows (%v), want 20", ticked, err)
	}
	pager, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("nav.pager")))
	if err != nil || !strings.Contains(pager, "共 45 条") || !strings.Contains(pager, "第 1 / 3 页") {
		t.Errorf("pager %q (%v)", pager, err)
	}
	browsertest.Screenshot(t, ctx, "review-queue-phone")

	// Every matching application, across the three pages.
	run(chromedp.Click(chromedp.ID("select-all-matching")),
		chromedp.Click(chromedp.ID("approve-selected")),
		chromedp.WaitVisible(chromedp.ID("confirm-question")))
	q, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("confirm-question")))
	if err != nil || q != "通过 45 条申请？" {
		t.Fatalf("confirmation %q (%v)", q, err)
	}
	sideways("the confirmation")
	browsertest.Screenshot(t, ctx, "review-confirm-phone")
	if n := pendingIn(t, e, sh); n != 45 {
		t.Fatalf("%d pending before confirming: something was applied without confirmation", n)
	}

	run(chromedp.Click(chromedp.ID("confirm-batch")), chromedp.WaitVisible(chromedp.ID("job")))
	runReviewJobs(t, e)
	run(chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("job-result")))
	res, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("job-result")))
	if err != nil || res != "已通过 45 条。" {
		t.Errorf("job result %q (%v)", res, err)
	}
	sideways("the batch's result")
	browsertest.Screenshot(t, ctx, "review-result-phone")
	if pendingIn(t, e, sh) != 0 || pendingIn(t, e, hz) != 4 {
		t.Errorf("after the batch: SH-PD %d/0 pending, HZ-XH %d/4 pending", pendingIn(t, e, sh), pendingIn(t, e, hz))
	}
}
