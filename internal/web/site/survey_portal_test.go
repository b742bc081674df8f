package site

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"estateclub/internal/member"
	"estateclub/internal/sms"
	"estateclub/internal/survey"
)

// mustPortalSurvey opens a survey of a rating, an NPS and a text question.
func mustPortalSurvey(t *testing.T, e *testEnv) *survey.Survey {
	t.Helper()
	ctx := actorCtx("fixture")
	v, err := e.srv.Surveys.Create(ctx, survey.NewSurvey{Title: "物业服务满意度", Intro: "感谢参与", NodeID: e.fix.Nodes["SH"].ID,
		Questions: []survey.Question{
			{Kind: survey.Rating, Text: "总体满意度", TextEn: "Overall satisfaction", Required: true},
			{Kind: survey.NPS, Text: "推荐意愿", TextEn: "Would you recommend us?", Required: true},
			{Kind: survey.Single, Text: "您住在哪一期", TextEn: "Which phase do you live in?", Options: []string{"一期", "二期"}},
			{Kind: survey.Text, Text: "其他意见", TextEn: "Anything else?"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if v, err = e.srv.Surveys.Open(ctx, v.ID); err != nil {
		t.Fatal(err)
	}
	return v
}

// surveyForm is a full answer to mustPortalSurvey's survey.
func surveyForm(v *survey.Survey, rating, nps int, text string) url.Values {
	q := func(i int) string { return fmt.Sprintf("q%d", v.Questions[i].ID) }
	return url.Values{q(0): {fmt.Sprint(rating)}, q(1): {fmt.Sprint(nps)}, q(2): {"1"}, q(3): {text}}
}

func TestPortalSurvey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := actorCtx("fixture")
		v := mustPortalSurvey(t, e)
		m, _, err := e.srv.Members.Apply(ctx, member.Application{NodeCode: "SH-PD", Name: "王问卷", Mobile: "13912340001",
			Consent: member.Consent{SMS: true}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err = e.srv.Members.Review(ctx, m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		quiet := mustActiveMember(t, e, "SH-PD") // no SMS consent
		res, err := e.srv.Surveys.Send(ctx, v.ID, []int64{m.ID, quiet.ID}, true)
		if err != nil || res.Invited != 2 || res.Texted != 1 {
			t.Fatalf("send: %+v %v", res, err)
		}
		if msgs, _, _ := e.srv.SMS.Messages(context.Background(), sms.Filter{Mobile: mustMobileOf(t, e, quiet.ID)}); len(msgs) != 0 {
			t.Fatalf("a member without consent was texted: %+v", msgs)
		}
		msgs, _, err := e.srv.SMS.Messages(context.Background(), sms.Filter{Mobile: "13912340001", Limit: 1})
		if err != nil || len(msgs) != 1 {
			t.Fatalf("no text with the link: %v", err)
		}
		_, token, ok := strings.Cut(msgs[0].Text, "/m/s/")
		if !ok {
			t.Fatalf("no link in %q", msgs[0].Text)
		}
		token = strings.Fields(token)[0]

		// The link opens the survey without signing in.
		anon := e.anon(t)
		link := "/m/s/" + token
		page := mustSmallPage(t, anon, link, `id="survey-form"`, "物业服务满意度", `class="scale scale-11"`)
		if strings.Contains(page, "/m/surveys") {
			t.Error("the link's page points to the member's list, which needs signing in")
		}
		// A required question left out: the form comes back with what was chosen.
		bad := surveyForm(v, 4, 9, "电梯很干净")
		bad.Del(fmt.Sprintf("q%d", v.Questions[1].ID))
		r := anon.postForm(link, bad)
		if page := readBody(r); r.StatusCode != http.StatusBadRequest || !strings.Contains(page, "第 2 题为必答题") ||
			!strings.Contains(page, "电梯很干净") {
			t.Fatalf("missing answer: %d\n%s", r.StatusCode, page)
		}
		r = anon.postForm(link, surveyForm(v, 4, 9, "电梯很干净"))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("answer by link: %d\n%s", r.StatusCode, readBody(r))
		}
		r.Body.Close()
		mustSmallPage(t, anon, r.Header.Get("Location"), `id="survey-done"`, "感谢您的反馈")
		r = anon.postForm(link, surveyForm(v, 1, 0, ""))
		if page := readBody(r); r.StatusCode != http.StatusConflict || !strings.Contains(page, "您已提交过这份问卷") {
			t.Fatalf("second answer: %d\n%s", r.StatusCode, page)
		}
		if r := anon.get("/m/s/not-a-token"); r.StatusCode != http.StatusNotFound || !strings.Contains(readBody(r), "链接无效或已过期") {
			t.Fatalf("unknown link: %d", r.StatusCode)
		}

		// The other member answers in the portal.
		me, _ := mustPortalSignIn(t, e, mustMobileOf(t, e, quiet.ID))
		inv, err := e.srv.Surveys.InviteFor(context.Background(), quiet.ID, "", 0)
		if err != nil || inv == nil {
			t.Fatalf("invite: %v", err)
		}
		mustSmallPage(t, me, "/m/", `href="/m/surveys"`)
		mustSmallPage(t, me, "/m/surveys", fmt.Sprintf(`href="/m/surveys/%d"`, inv.ID), "待填写")
		mine := fmt.Sprintf("/m/surveys/%d", inv.ID)
		mustSmallPage(t, me, mine, `id="survey-form"`, `class="scale scale-5"`)
		r = me.postForm(mine, surveyForm(v, 2, 3, ""))
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/m/surveys?flash=") {
			t.Fatalf("answer: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		r.Body.Close()
		mustSmallPage(t, me, r.Header.Get("Location"), "已提交", "问卷已提交")
		mustSmallPage(t, me, mine, `id="survey-done"`)
		// Someone else's invite is not found.
		theirs, err := e.srv.Surveys.InviteFor(context.Background(), m.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if r := me.get(fmt.Sprintf("/m/surveys/%d", theirs.ID)); r.StatusCode != http.StatusNotFound {
			t.Fatalf("another member's invite: %d", r.StatusCode)
		}
		sum, err := e.srv.Surveys.Summary(context.Background(), v.ID, survey.SummaryFilter{})
		if err != nil || sum.Answered != 2 || *sum.Questions[0].Average != 3 || sum.Questions[3].Texts[0].Text != "电梯很干净" {
			t.Fatalf("summary %+v %v", sum, err)
		}
	})
}

// mustOwnerInvite invites a member to a fresh survey (the portal walk's
// owner, whose invite another member must not open).
func mustOwnerInvite(t *testing.T, e *testEnv, memberID int64) *survey.Invite {
	t.Helper()
	v := mustPortalSurvey(t, e)
	if _, err := e.srv.Surveys.Send(actorCtx("fixture"), v.ID, []int64{memberID}, false); err != nil {
		t.Fatal(err)
	}
	inv, err := e.srv.Surveys.InviteFor(context.Background(), memberID, "", 0)
	if err != nil || inv == nil {
		t.Fatalf("owner's invite: %v", err)
	}
	return inv
}
