package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"estateclub/internal/browsertest"
	"estateclub/internal/demo"
)

// On a phone, a consultant registers a walk-in; registering the same
// mobile again shows who owns the customer and until when, as it is typed
// (script) and after submitting (the form alone), and creates nothing.
func TestBrowserLeadRegistrationPhone(t *testing.T) {
	s := startServer(t, "--demo", "--data-dir", t.TempDir())
	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	const mobile = "13712345678"
	mustDo(t, ctx,
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.ID("login"), "pd.consultant"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitReady(chromedp.ID("nav-lead-new")), // in the menu, folded on a phone
		chromedp.Navigate(s.URL+"/leads/new"),
		chromedp.WaitVisible(chromedp.ID("lead-form")),
	)
	if mustRun(t, ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth")) {
		t.Errorf("the registration form scrolls sideways on a phone")
	}
	browsertest.Screenshot(t, ctx, "lead-new-phone")
	mustDo(t, ctx,
		chromedp.SendKeys(chromedp.ID("mobile"), mobile),
		chromedp.WaitVisible(chromedp.ID("check-new")),
		chromedp.SendKeys(chromedp.ID("surname"), "欧阳"), // a surname the demo leads do not use
		chromedp.Click(chromedp.CSS(`input[name="gender"][value="female"]`)),
		chromedp.Click(chromedp.ID("lead-submit")),
		chromedp.WaitVisible(chromedp.ID("lead-details")),
	)
	if st := mustRun(t, ctx, chromedp.Text(chromedp.ID("lead-status"))); st != "C 类（一般）" {
		t.Errorf("new lead status %q", st)
	}
	browsertest.Screenshot(t, ctx, "lead-registered-phone")

	// 无意向 needs a surname: "先生" typed as the name is none, and the
	// form comes back naming the field, with what was typed.
	mustDo(t, ctx,
		chromedp.Navigate(s.URL+"/leads/new"),
		chromedp.WaitVisible(chromedp.ID("lead-form")),
		chromedp.SendKeys(chromedp.ID("mobile"), "13712345670"),
		chromedp.WaitVisible(chromedp.ID("check-new")),
		chromedp.Click(chromedp.CSS(`input[name="gender"][value="male"]`)),
		chromedp.SetValue(chromedp.ID("media"), "网络"),
		chromedp.Click(chromedp.CSS(`#lead-form details summary`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="name"]`), "先生"),
		chromedp.SetValue(chromedp.CSS(`select[name="status"]`), "none"),
		chromedp.SetValue(chromedp.CSS(`select[name="lost_reason"]`), "价格"),
		chromedp.Click(chromedp.ID("lead-submit")),
		chromedp.WaitVisible(chromedp.ID("form-error")),
	)
	if msg := mustRun(t, ctx, chromedp.Text(chromedp.ID("form-error"))); !strings.Contains(msg, "「无意向」须填写姓氏") {
		t.Errorf("no intent without a surname on a phone: %q", msg)
	}
	if v := mustRun(t, ctx, chromedp.Value(chromedp.ID("mobile"))); v != "13712345670" {
		t.Errorf("the refused form lost the mobile: %q", v)
	}
	browsertest.Screenshot(t, ctx, "lead-required-phone")

	// Again: the check shows the owner as the number is typed.
	mustDo(t, ctx,
		chromedp.Navigate(s.URL+"/leads/new"),
		chromedp.WaitVisible(chromedp.ID("lead-form")),
		chromedp.SendKeys(chromedp.ID("mobile"), mobile),
		chromedp.WaitVisible(chromedp.ID("check-known")),
	)
	owner := mustRun(t, ctx, chromedp.Text(chromedp.ID("check-owner-name")))
	until := mustRun(t, ctx, chromedp.Text(chromedp.ID("check-until")))
	if !strings.Contains(owner, "钱程") || !strings.HasPrefix(until, time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, 30).Format("2006年1月2日")) {
		t.Errorf("check as typed: owner %q, protected until %q", owner, until)
	}
	browsertest.Screenshot(t, ctx, "lead-check-known-phone")
	// Submitting anyway creates nothing and shows the same answer.
	// The form shows the answer already: clear it first, so that what is
	// read next is the POST's page, not the old one as it unloads.
	mustRun(t, ctx, chromedp.Evaluate[bool](`document.getElementById("check-result").replaceChildren(), true`))
	mustDo(t, ctx, chromedp.Click(chromedp.ID("lead-submit")), chromedp.WaitVisible(chromedp.ID("check-open")))
	if owner := mustRun(t, ctx, chromedp.Text(chromedp.ID("check-owner-name"))); !strings.Contains(owner, "钱程") {
		t.Errorf("after submitting a known mobile: owner %q", owner)
	}
	if mustRun(t, ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > window.innerWidth")) {
		t.Errorf("the answer scrolls sideways on a phone")
	}
	browsertest.Screenshot(t, ctx, "lead-duplicate-phone")
	mustDo(t, ctx, chromedp.Navigate(s.URL+"/leads?q=%E6%AC%A7%E9%98%B3"), chromedp.WaitVisible(chromedp.ID("lead-table")))
	if n := mustRun(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#lead-table a[href^='/leads/']").length`)); n != 1 {
		t.Errorf("leads named 欧阳 after two registrations: %d, want 1", n)
	}
}
