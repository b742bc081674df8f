package site

import (
	"context"
	"fmt"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/survey"
)

// specSurveys goes through the survey routes of the API, each answer
// checked against the OpenAPI document (part of TestOpenAPIResponses).
func specSurveys(t *testing.T, e *testEnv, v *specValidator) {
	t.Helper()
	e.mustStaff(t, "sv-api-rel", auth.CustomerRelations, "SH")
	e.mustStaff(t, "sv-api-hz", auth.CitySpecialist, "HZ")
	e.mustStaff(t, "sv-api-audit", auth.Auditor, "GROUP")
	rel, hz, aud := e.mustToken(t, "sv-api-rel"), e.mustToken(t, "sv-api-hz"), e.mustToken(t, "sv-api-audit")
	body := map[string]any{"title": "业主满意度", "org": "SH", "purpose": "general", "questions": []map[string]any{
		{"kind": "single", "text": "您住在哪一期", "required": true, "options": []string{"一期", "二期"}},
		{"kind": "nps", "text": "推荐意愿", "text_en": "Would you recommend us?", "required": true},
		{"kind": "text", "text": "其他意见", "required": false}}}
	raw := v.check(rel, specCall{method: "POST", path: "/api/v1/surveys", body: body, want: 201})
	var sv survey.Survey
	mustSpecDecode(t, raw, &sv)
	path := fmt.Sprint("/api/v1/surveys/", sv.ID)
	v.check(rel, specCall{method: "POST", path: "/api/v1/surveys", want: 400,
		body: map[string]any{"title": "", "org": "SH"}})
	// A node outside the caller's reach does not exist for them.
	v.check(rel, specCall{method: "POST", path: "/api/v1/surveys", want: 400,
		body: map[string]any{"title": "杭州", "org": "HZ"}})
	v.check(rel, specCall{method: "GET", path: "/api/v1/surveys?status=draft", want: 200})
	v.check(hz, specCall{method: "GET", path: path, want: 404})
	v.check(aud, specCall{method: "GET", path: path, want: 200})
	v.check(aud, specCall{method: "POST", path: path + "/open", want: 403})
	body["title"] = "业主满意度 2026"
	v.check(rel, specCall{method: "PUT", path: path, body: body, want: 200})
	m := mustActiveMember(t, e, "SH-PD")
	v.check(rel, specCall{method: "POST", path: path + "/send", body: map[string]any{"member_nos": []string{m.MemberNo}}, want: 409})
	v.check(rel, specCall{method: "POST", path: path + "/open", want: 200})
	v.check(rel, specCall{method: "PUT", path: path, body: body, want: 409})
	far := mustActiveMember(t, e, "HZ-XH")
	v.check(rel, specCall{method: "POST", path: path + "/send", body: map[string]any{"member_nos": []string{far.MemberNo}}, want: 400})
	sendBody := map[string]any{"member_nos": []string{m.MemberNo}, "text": true}
	raw = v.check(rel, specCall{method: "POST", path: path + "/send", body: sendBody, want: 202, header: map[string]string{"Idempotency-Key": "retry-1"}})
	// A retry with the same key answers the same send; nothing more queued.
	again := v.check(rel, specCall{method: "POST", path: path + "/send", body: sendBody, want: 202, header: map[string]string{"Idempotency-Key": "retry-1"}})
	var send struct {
		ID     int64              `json:"id"`
		Status string             `json:"status"`
		Count  int                `json:"count"`
		URL    string             `json:"url"`
		Result *survey.SendResult `json:"result"`
	}
	mustSpecDecode(t, raw, &send)
	if send.Status != "queued" || send.Count != 1 || send.URL != fmt.Sprintf("%s/sends/%d", path, send.ID) || send.Result != nil {
		t.Fatalf("queued send %+v", send)
	}
	var retried struct {
		ID int64 `json:"id"`
	}
	if mustSpecDecode(t, again, &retried); retried.ID != send.ID {
		t.Fatalf("a retried send queued job %d besides %d", retried.ID, send.ID)
	}
	v.check(hz, specCall{method: "GET", path: send.URL, want: 404})
	if n := runSurveySends(t, e); n != 1 {
		t.Fatalf("%d send jobs ran, want 1", n)
	}
	raw = v.check(aud, specCall{method: "GET", path: send.URL, want: 200})
	mustSpecDecode(t, raw, &send)
	if send.Status != "done" || send.Result == nil || send.Result.Invited != 1 {
		t.Fatalf("done send %+v", send)
	}
	v.check(rel, specCall{method: "GET", path: fmt.Sprintf("%s/sends/%d", path, send.ID+1000), want: 404})
	inv, err := e.srv.Surveys.InviteFor(context.Background(), m.ID, "", 0)
	if err != nil || inv == nil {
		t.Fatal(err)
	}
	got, err := e.srv.Surveys.Get(context.Background(), sv.ID)
	if err != nil {
		t.Fatal(err)
	}
	nine := 9
	if err := e.srv.Surveys.Answer(context.Background(), inv.ID, m.ID, []survey.Answer{{QuestionID: got.Questions[0].ID, Choices: []int{1}},
		{QuestionID: got.Questions[1].ID, Value: &nine}, {QuestionID: got.Questions[2].ID, Text: "很好"}}); err != nil {
		t.Fatal(err)
	}
	raw = v.check(aud, specCall{method: "GET", path: path + "/summary?from=2020-01-01&to=2099-12-31", want: 200})
	var sum survey.Summary
	mustSpecDecode(t, raw, &sum)
	if sum.Answered != 1 || sum.Questions[1].NPS == nil || sum.Questions[1].NPS.Score != 100 || sum.Questions[2].Texts[0].Text != "很好" {
		t.Fatalf("summary %+v", sum)
	}
	v.check(aud, specCall{method: "GET", path: path + "/summary?from=yesterday", want: 400, badRequest: true})
	v.check(rel, specCall{method: "POST", path: path + "/close", want: 200})
	v.check(rel, specCall{method: "POST", path: path + "/close", want: 409})
	v.check(rel, specCall{method: "GET", path: "/api/v1/surveys/999999", want: 404})
}
