package site

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"estateclub/internal/auth"
	"estateclub/internal/browsertest"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// On a phone, a supervisor opens an import's conflicts, which fit the
// screen, ticks one and applies it.
func TestBrowserImportConflictsOnAPhone(t *testing.T) {
	e := newEnvOn(t, dbtest.Open(t, db.SQLite))
	e.mustStaff(t, "hz-spec", auth.CitySpecialist, "HZ")
	e.mustStaff(t, "hz-boss", auth.CitySupervisor, "HZ")
	lin, job := mustConflictImport(t, e)

	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	run(chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("login"), "hz-boss"),
		chromedp.SendKeys(chromedp.ID("password"), testPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("count-city")),
		chromedp.Navigate(e.ts.URL+"/members/import/conflicts?job="+job),
		chromedp.WaitVisible(chromedp.ID("conflicts-table")))
	browsertest.Screenshot(t, ctx, "import-conflicts-phone")
	// A phone zooms a too wide page out, and innerWidth grows with it.
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > document.documentElement.clientWidth || window.innerWidth > 390"))
	if err != nil || wide {
		t.Errorf("the conflicts page scrolls sideways on a phone (%v)", err)
	}
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#conflicts-table tbody tr")))
	if err != nil || !strings.Contains(row, "林**") || !strings.Contains(row, "张**") || strings.Contains(row, "张三丰") {
		t.Fatalf("conflict row %q (%v)", row, err)
	}
	run(chromedp.Click(chromedp.CSS(`#conflicts-table input[name="id"]`)),
		chromedp.Click(chromedp.ID("conflicts-apply")),
		chromedp.WaitVisible(chromedp.CSS(".flash")))
	if flash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".flash"))); flash != "已采用所选冲突的导入值" {
		t.Errorf("after applying: %q", flash)
	}
	if m, err := e.srv.Members.Get(context.Background(), lin.ID); err != nil || m.Name != "张三丰" {
		t.Errorf("the member after applying: %+v %v", m, err)
	}
}
