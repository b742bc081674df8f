package site

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/survey"
)

func TestConsoleSurveys(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sv-rel", auth.CustomerRelations, "SH")
		e.mustStaff(t, "sv-hz", auth.CitySpecialist, "HZ")
		e.mustStaff(t, "sv-audit", auth.Auditor, "GROUP")
		rel, hz, aud := e.mustLogin(t, "sv-rel"), e.mustLogin(t, "sv-hz"), e.mustLogin(t, "sv-audit")
		mustPage(t, rel, "/surveys", `href="/surveys/new"`, `href="/surveys"`)
		mustPage(t, rel, "/surveys/new", `id="survey-form"`, `name="q3.kind"`)

		// A choice question with one option is refused, the form kept.
		form := url.Values{"title": {"业主满意度"}, "node": {"SH"}, "purpose": {"general"},
			"q1.kind": {"single"}, "q1.text": {"您住在哪一期"}, "q1.options": {"一期"}, "q1.required": {"1"},
			"q2.kind": {"rating"}, "q2.text": {"总体满意度"}, "q2.required": {"1"},
			"q3.kind": {"text"}, "q3.text": {""}}
		r := rel.postForm("/surveys", form)
		if page := readBody(r); r.StatusCode != http.StatusBadRequest || !strings.Contains(page, "第 1 题须有 2–20 个选项") || !strings.Contains(page, "您住在哪一期") {
			t.Fatalf("bad survey: %d\n%s", r.StatusCode, page)
		}
		form.Set("q1.options", "一期\r\n二期\r\n")
		r = rel.postForm("/surveys", form)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d\n%s", r.StatusCode, readBody(r))
		}
		r.Body.Close()
		var id int64
		if _, err := fmt.Sscanf(r.Header.Get("Location"), "/surveys/%d", &id); err != nil {
			t.Fatal(r.Header.Get("Location"))
		}
		path := fmt.Sprint("/surveys/", id)
		v, err := e.srv.Surveys.Get(context.Background(), id)
		if err != nil || len(v.Questions) != 2 || v.Questions[0].Options[1] != "二期" || v.NodePath != e.fix.Path("SH") {
			t.Fatalf("stored %+v %v", v, err)
		}
		// Another city neither sees nor changes it; the auditor reads only.
		if r := hz.get(path); r.StatusCode != http.StatusNotFound {
			t.Fatalf("HZ read: %d", r.StatusCode)
		}
		if r := hz.postForm(path+"/open", nil); r.StatusCode != http.StatusNotFound {
			t.Fatalf("HZ open: %d", r.StatusCode)
		}
		mustPage(t, aud, path, `id="survey-title"`)
		if r := aud.postForm(path+"/open", nil); r.StatusCode != http.StatusForbidden {
			t.Fatalf("auditor open: %d", r.StatusCode)
		}
		// Edit the draft, then open it.
		form.Set("title", "业主满意度 2026")
		form.Set("q3.text", "其他意见")
		if r := rel.postForm(path, form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("edit: %d\n%s", r.StatusCode, readBody(r))
		}
		if r := rel.postForm(path+"/open", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("open: %d\n%s", r.StatusCode, readBody(r))
		}
		if r := rel.postForm(path, form); r.StatusCode != http.StatusConflict {
			t.Fatalf("edit an open survey: %d", r.StatusCode)
		}
		mustPage(t, rel, path, `id="send-form"`, "业主满意度 2026")
		if v, err = e.srv.Surveys.Get(context.Background(), id); err != nil || len(v.Questions) != 3 {
			t.Fatalf("edited %+v %v", v, err)
		}

		// Send: preview the filter's count, then by pasted member numbers.
		a, b := mustActiveMember(t, e, "SH-PD"), mustActiveMember(t, e, "SH-PD")
		far := mustActiveMember(t, e, "HZ-XH")
		r = rel.postForm(path+"/send", url.Values{"action": {"preview"}, "status": {"active"}})
		if page := readBody(r); r.StatusCode != http.StatusOK || !strings.Contains(page, "符合条件的会员：2 人") {
			t.Fatalf("preview: %d\n%s", r.StatusCode, page)
		}
		r = rel.postForm(path+"/send", url.Values{"action": {"send"}, "numbers": {far.MemberNo}})
		if page := readBody(r); r.StatusCode != http.StatusBadRequest || !strings.Contains(page, "不在问卷范围内") {
			t.Fatalf("a member outside the scope: %d\n%s", r.StatusCode, page)
		}
		// The send is counted here and runs as a job; its page follows it.
		send := url.Values{"action": {"send"}, "numbers": {a.MemberNo + "\n" + b.MemberNo}, "key": {"double-click"}}
		loc := mustSeeOther(t, rel.postForm(path+"/send", send), path+"/sends/")
		// A double click posts the form's key twice: one job, the same page.
		if again := mustSeeOther(t, rel.postForm(path+"/send", send), path+"/sends/"); again != loc {
			t.Fatalf("a double-clicked send queued another job: %s then %s", loc, again)
		}
		mustPage(t, rel, loc, `id="send-progress"`, "已处理 0 / 2 人", `http-equiv="refresh"`)
		if r := hz.get(loc); r.StatusCode != http.StatusNotFound {
			t.Fatalf("HZ reads the send: %d", r.StatusCode)
		}
		if n := runSurveySends(t, e); n != 1 {
			t.Fatalf("%d send jobs ran, want 1", n)
		}
		if page := mustPage(t, rel, loc, "已新邀请 2 人", "已处理 2 / 2 人", `id="send-back"`); strings.Contains(page, `http-equiv="refresh"`) {
			t.Fatal("a finished send's page still reloads")
		}
		mustPage(t, aud, loc, "已新邀请 2 人")
		// Sending to the same members again invites nobody twice.
		loc = mustSeeOther(t, rel.postForm(path+"/send", url.Values{"action": {"send"}, "numbers": {a.MemberNo}}), path+"/sends/")
		runSurveySends(t, e)
		mustPage(t, rel, loc, "已新邀请 0 人，1 人此前已邀请")
		if r := rel.get(path + "/sends/999999"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("an unknown send: %d", r.StatusCode)
		}
		for i, m := range []int64{a.ID, b.ID} {
			inv, err := e.srv.Surveys.InviteFor(context.Background(), m, "", 0)
			if err != nil || inv == nil {
				t.Fatal(err)
			}
			one := 1
			ans := []survey.Answer{{QuestionID: v.Questions[0].ID, Choices: []int{i}}, {QuestionID: v.Questions[1].ID, Value: &one}}
			if i == 1 {
				five := 5
				ans[1].Value = &five
			}
			if err := e.srv.Surveys.Answer(context.Background(), inv.ID, m, ans); err != nil {
				t.Fatal(err)
			}
		}
		page := mustPage(t, aud, path+"/summary", "<svg", `id="response-rate">100%`, `class="average">3<`, "评分分布")
		if n := strings.Count(page, `class="chart card"`); n != 2 {
			t.Errorf("%d charts, want 2", n)
		}
		r = aud.get(path + "/summary.xlsx")
		body := readBody(r)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("xlsx: %d %s", r.StatusCode, body)
		}
		x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := x.GetRows("答卷")
		if len(rows) != 3 || rows[1][1] != a.MemberNo || rows[1][5] != "一期" || rows[2][6] != "5" {
			t.Fatalf("xlsx rows %q", rows)
		}
		if es := e.fix.Audit(t, audit.Filter{Action: "survey.export"}); len(es) != 1 {
			t.Fatalf("%d export audit entries", len(es))
		}
		if r := rel.postForm(path+"/close", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("close: %d", r.StatusCode)
		}
		mustPage(t, rel, "/surveys?status=closed", "业主满意度 2026")
	})
}

// runSurveySends runs the queued survey sends and says how many.
func runSurveySends(t testing.TB, e *testEnv) int {
	t.Helper()
	r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "test", Handlers: e.srv.JobHandlers(), Log: e.srv.Log}
	for n := 0; ; n++ {
		ran, err := r.RunOne(context.Background(), []string{survey.SendJobKind})
		if err != nil {
			t.Fatal(err)
		}
		if !ran {
			return n
		}
	}
}

// The permission walk's {survey}: a draft of two questions at the scope's
// node, made fresh for every call.
func init() {
	pathFixtures["survey"] = func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		n, err := e.srv.Org.ByCode(context.Background(), sc.node)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.srv.Surveys.Create(actorCtx("fixture"), survey.NewSurvey{Title: "walk 满意度", NodeID: n.ID, Questions: []survey.Question{
			{Kind: survey.Rating, Text: "总体满意度", Required: true}, {Kind: survey.Text, Text: "意见"}}})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(v.ID)
	}
	// {send}: a send of the route's {survey} queued at its node.
	pathFixtures["send"] = func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		id, err := strconv.ParseInt(sc.filled["survey"], 10, 64)
		if err != nil {
			t.Fatalf("{send} needs {survey} before it: %v", err)
		}
		v, err := e.srv.Surveys.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		job, err := e.srv.Jobs.Enqueue(context.Background(), jobs.New{Kind: survey.SendJobKind, NodePath: v.NodePath,
			Params: fmt.Sprintf(`{"survey_id":%d,"count":1}`, v.ID), FileName: "walk"})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(job)
	}
}
