package site

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"estateclub/internal/browsertest"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/sms"
	"estateclub/internal/survey"
)

// On a phone, a member opens the survey link texted to her, taps a rating
// and a recommendation score, writes a comment and submits, once.
func TestBrowserSurveyOnAPhone(t *testing.T) {
	e := newEnvOn(t, dbtest.Open(t, db.SQLite))
	ctx0 := actorCtx("fixture")
	v := mustPortalSurvey(t, e)
	m, _, err := e.srv.Members.Apply(ctx0, member.Application{NodeCode: "SH-PD", Name: "李问卷", Mobile: "13912340002",
		Consent: member.Consent{SMS: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Members.Review(ctx0, m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Surveys.Send(ctx0, v.ID, []int64{m.ID}, true); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := e.srv.SMS.Messages(context.Background(), sms.Filter{Mobile: "13912340002", Limit: 1})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("no text: %v", err)
	}
	_, link, _ := strings.Cut(msgs[0].Text, "/m/s/")
	link = "/m/s/" + strings.Fields(link)[0]

	ctx := browsertest.New(t, browsertest.WithViewport(390, 844, true))
	run := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	run(chromedp.Navigate(e.ts.URL+link), chromedp.WaitVisible(chromedp.ID("survey-form")))
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("document.documentElement.scrollWidth > document.documentElement.clientWidth || window.innerWidth > 390"))
	if err != nil || wide {
		t.Errorf("the survey scrolls sideways on a phone (%v)", err)
	}
	// Every rating and NPS button is a big tap target.
	small, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll('.scale span')].filter(s => { const r = s.getBoundingClientRect(); return r.height < 44 || r.width < 40 }).length`))
	if err != nil || small != 0 {
		t.Errorf("%d score buttons smaller than 44×40 px (%v)", small, err)
	}
	run(chromedp.Click(chromedp.CSS(`#question-1 .scale label:nth-child(4) span`)), // rating 4
		chromedp.Click(chromedp.CSS(`#question-2 .scale label:nth-child(10) span`)), // NPS 9
		chromedp.Click(chromedp.CSS(`#question-3 label.choice:nth-of-type(2)`)),     // 二期
		chromedp.SendKeys(chromedp.CSS(`#question-4 textarea`), "保安很负责"))
	browsertest.Screenshot(t, ctx, "survey-phone")
	run(chromedp.Click(chromedp.ID("survey-submit")), chromedp.WaitVisible(chromedp.ID("survey-done")))
	browsertest.Screenshot(t, ctx, "survey-phone-done")
	sum, err := e.srv.Surveys.Summary(context.Background(), v.ID, survey.SummaryFilter{})
	if err != nil || sum.Answered != 1 || *sum.Questions[0].Average != 4 || *sum.Questions[1].Average != 9 ||
		sum.Questions[2].Options[1].Count != 1 || sum.Questions[3].Texts[0].Text != "保安很负责" {
		t.Fatalf("summary %+v %v", sum, err)
	}
}
