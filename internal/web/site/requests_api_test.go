package site

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// mustMemberRequest files a request as a member would in the portal.
func mustMemberRequest(t *testing.T, e *testEnv, memberID int64, k request.Kind, sub request.Subkind, text string) *request.Request {
	t.Helper()
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "member", Login: "member"})
	q, err := e.srv.Requests.Submit(ctx, request.NewRequest{MemberID: memberID, Kind: k, Subkind: sub, Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

type apiRequest struct {
	ID           int64            `json:"id"`
	No           string           `json:"no"`
	MemberID     int64            `json:"member_id"`
	Status       string           `json:"status"`
	DepartmentID *int64           `json:"department_id"`
	AssigneeID   *int64           `json:"assignee_id"`
	Late         bool             `json:"late"`
	TimeLeft     *int64           `json:"time_left_minutes"`
	Topic        string           `json:"topic"`
	Messages     []apiReqMsg      `json:"messages"`
	Files        []request.File   `json:"files"`
	Events       []map[string]any `json:"events"`
}

type apiReqMsg struct {
	Internal bool           `json:"internal"`
	Body     string         `json:"body"`
	Files    []request.File `json:"files"`
}

// specRequests calls every request operation: a supervisor sets up the
// departments, rules and due times; customer relations take down, take,
// assign, answer, transfer, resolve, reopen and merge; property staff see
// only their project's property complaints.
func specRequests(t *testing.T, e *testEnv, v *specValidator) {
	t.Helper()
	boss := e.mustStaff(t, "rq-boss", auth.GroupSupervisor, "GROUP")
	cr := e.mustStaff(t, "rq-cr", auth.CustomerRelations, "SH")
	prop := e.mustStaff(t, "rq-prop", auth.PropertyStaff, "SH-PD")
	e.mustStaff(t, "rq-sup", auth.CitySupervisor, "SH")
	e.mustStaff(t, "rq-hz", auth.CustomerRelations, "HZ")
	b, c, p, sup, hz := e.mustToken(t, boss.Login), e.mustToken(t, cr.Login), e.mustToken(t, prop.Login), e.mustToken(t, "rq-sup"), e.mustToken(t, "rq-hz")
	S := "/api/v1/requests/settings"

	// Settings.
	var crDept, propDept struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, v.check(b, specCall{method: "POST", path: S + "/departments", want: 201,
		body: map[string]any{"org": "SH", "code": "customer_relations", "staff_ids": []int64{cr.ID}}}), &crDept)
	mustSpecDecode(t, v.check(sup, specCall{method: "POST", path: S + "/departments", want: 201,
		body: map[string]any{"org": "SH-PD", "code": "property", "name": "物业服务中心", "name_en": "Property office", "staff_ids": []int64{}}}), &propDept)
	v.check(sup, specCall{method: "POST", path: S + "/departments", want: 400, lang: "en",
		body: map[string]any{"org": "SH-PD", "code": "property"}})
	v.check(sup, specCall{method: "POST", path: S + "/departments", want: 400, body: map[string]any{"org": "HZ", "code": "brand"}})
	v.check(c, specCall{method: "POST", path: S + "/departments", want: 403, body: map[string]any{"org": "SH", "code": "brand"}})
	v.check(sup, specCall{method: "PUT", path: fmt.Sprintf("%s/departments/%d", S, propDept.ID), want: 200,
		body: map[string]any{"org": "SH-PD", "code": "property", "name": "物业服务中心", "staff_ids": []int64{prop.ID}}})
	v.check(c, specCall{method: "GET", path: S + "/departments", want: 200})
	raw := v.check(b, specCall{method: "PUT", path: S + "/rules", want: 200,
		body: map[string]any{"org": "SH", "kind": "complaint", "department_id": crDept.ID}})
	var rule struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &rule)
	v.check(b, specCall{method: "PUT", path: S + "/rules", want: 200,
		body: map[string]any{"org": "SH-PD", "kind": "complaint", "subkind": "property", "department_id": propDept.ID}})
	v.check(b, specCall{method: "PUT", path: S + "/rules", want: 400,
		body: map[string]any{"org": "SH", "kind": "complaint", "subkind": "property", "department_id": propDept.ID}})
	v.check(c, specCall{method: "GET", path: S + "/rules", want: 200})
	v.check(c, specCall{method: "GET", path: S + "/sla", want: 200})
	v.check(b, specCall{method: "PUT", path: S + "/sla", want: 200, body: map[string]any{"items": []map[string]any{
		{"kind": "complaint", "respond_hours": 4, "resolve_hours": 24, "escalate_hours": 8}}}})
	raw = v.check(b, specCall{method: "PUT", path: S + "/sla", want: 400, body: map[string]any{"items": []map[string]any{}}})
	v.check(b, specCall{method: "PUT", path: S + "/sla", want: 400, lang: "en", badRequest: true, body: map[string]any{"items": []map[string]any{
		{"kind": "complaint", "respond_hours": 0, "resolve_hours": 24, "escalate_hours": 8}}}})
	v.check(sup, specCall{method: "PUT", path: S + "/sla", want: 404, body: map[string]any{"items": []map[string]any{
		{"kind": "complaint", "respond_hours": 4, "resolve_hours": 24, "escalate_hours": 8}}}})
	v.check(c, specCall{method: "GET", path: S + "/close-after", want: 200})
	v.check(b, specCall{method: "PUT", path: S + "/close-after", want: 200, body: map[string]any{"days": 10}})
	v.check(b, specCall{method: "PUT", path: S + "/close-after", want: 400, badRequest: true, body: map[string]any{"days": 0}})
	_ = raw

	// Intake (受理登记).
	m := mustActiveMember(t, e, "SH-PD")
	before := e.fix.Count(t, "SELECT count(*) FROM requests")
	var q1, q2 apiRequest
	mustSpecDecode(t, v.check(c, specCall{method: "POST", path: "/api/v1/requests", want: 201, body: map[string]any{
		"member_id": m.ID, "kind": "complaint", "subkind": "service", "channel": "phone", "text": "客服电话一直占线，无人接听",
		"files": []map[string]any{{"name": "通话截图.png", "data": pngPhoto(t)}, {"name": "话费单.pdf", "data": pdfFile()}}}}), &q1)
	if q1.Status != "assigned" || q1.DepartmentID == nil || *q1.DepartmentID != crDept.ID || q1.TimeLeft == nil ||
		len(q1.Files) != 2 || q1.Files[1].ContentType != "application/pdf" {
		t.Fatalf("taken down: %+v", q1)
	}
	// Files in base64: a sixth, or a program named .pdf, is refused with
	// the field named.
	six := make([]map[string]any, 6)
	for i := range six {
		six[i] = map[string]any{"name": fmt.Sprintf("p%d.png", i), "data": pngPhoto(t)}
	}
	for _, files := range [][]map[string]any{six, {{"name": "a.pdf", "data": []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")}}} {
		raw := v.check(c, specCall{method: "POST", path: "/api/v1/requests", want: 400, badRequest: len(files) > 5, body: map[string]any{
			"member_id": m.ID, "kind": "complaint", "subkind": "service", "channel": "phone", "text": "带附件的登记", "files": files}})
		if !strings.Contains(string(raw), `"field":"files"`) {
			t.Errorf("refused files: %s", raw)
		}
	}
	// A body over the route's bound is cut off as it is read, the files
	// named.
	raw = v.check(c, specCall{method: "POST", path: "/api/v1/requests", want: 413, lang: "en", body: map[string]any{
		"member_id": m.ID, "kind": "complaint", "subkind": "service", "channel": "phone", "text": "带附件的登记",
		"files": []map[string]any{{"name": "huge.pdf", "data": make([]byte, web.UploadJSONLimit/4*3+1)}}}})
	if !strings.Contains(string(raw), `"field":"files"`) || !strings.Contains(string(raw), "files: too large") {
		t.Errorf("a body over the upload limit: %s", raw)
	}
	mustSpecDecode(t, v.check(c, specCall{method: "POST", path: "/api/v1/requests", want: 201, body: map[string]any{
		"mobile": "13700001234", "name": "路人甲", "org": "SH-PD", "kind": "complaint", "subkind": "service", "channel": "email",
		"text": "同一件事：客服电话打不通"}}), &q2)
	if q2.MemberID == 0 || q2.MemberID == m.ID {
		t.Fatalf("a caller who is not a member: %+v", q2)
	}
	if nm, err := e.srv.Members.Get(context.Background(), q2.MemberID); err != nil || nm.Status != "default" {
		t.Fatalf("the caller was not enrolled as a default member: %+v %v", nm, err)
	}
	v.check(c, specCall{method: "POST", path: "/api/v1/requests", want: 400, badRequest: true, body: map[string]any{
		"member_id": m.ID, "kind": "complaint", "subkind": "service", "channel": "portal", "text": "门户来源不能由员工登记"}})
	v.check(c, specCall{method: "POST", path: "/api/v1/requests", want: 400, body: map[string]any{
		"member_id": m.ID, "mobile": "13700001234", "kind": "complaint", "subkind": "service", "channel": "phone", "text": "两者都填了"}})
	v.check(c, specCall{method: "POST", path: "/api/v1/requests", want: 400, body: map[string]any{
		"member_id": m.ID, "kind": "complaint", "subkind": "events", "channel": "phone", "text": "类别不属于投诉"}})
	v.check(p, specCall{method: "POST", path: "/api/v1/requests", want: 403, body: map[string]any{
		"member_id": m.ID, "kind": "complaint", "subkind": "service", "channel": "phone", "text": "物业不受理服务投诉"}})
	v.check(hz, specCall{method: "POST", path: "/api/v1/requests", want: 400, body: map[string]any{
		"member_id": m.ID, "kind": "complaint", "subkind": "service", "channel": "phone", "text": "杭州员工登记上海会员"}})
	if n := e.fix.Count(t, "SELECT count(*) FROM requests"); n != before+2 {
		t.Errorf("refused intakes left %d new requests, want 2", n-before)
	}

	// The queue.
	v.check(c, specCall{method: "GET", path: "/api/v1/requests?status=assigned&kind=complaint&subkind=service&channel=phone&department=mine&overdue=false&flagged=false&no=SQ&page=1&per_page=10", want: 200})
	v.check(c, specCall{method: "GET", path: "/api/v1/requests?mine=true", want: 200})
	v.check(c, specCall{method: "GET", path: "/api/v1/requests?status=lost", want: 400, badRequest: true})
	v.check(c, specCall{method: "GET", path: "/api/v1/requests?department=theirs", want: 400})
	q1p, q2p := fmt.Sprintf("/api/v1/requests/%d", q1.ID), fmt.Sprintf("/api/v1/requests/%d", q2.ID)
	v.check(hz, specCall{method: "GET", path: q1p, want: 404})
	v.check(p, specCall{method: "GET", path: q1p, want: 404, lang: "en"})

	// Handling.
	v.check(c, specCall{method: "POST", path: q1p + "/take", want: 200})
	v.check(sup, specCall{method: "POST", path: q1p + "/take", want: 409})
	v.check(sup, specCall{method: "POST", path: q1p + "/assign", want: 400, body: map[string]any{"staff_id": prop.ID}})
	v.check(sup, specCall{method: "POST", path: q1p + "/assign", want: 200, body: map[string]any{"staff_id": cr.ID}})
	v.check(c, specCall{method: "POST", path: q1p + "/replies", want: 201, body: map[string]any{"body": "已联系客服主管核实", "internal": true,
		"files": []map[string]any{{"name": "核实记录.pdf", "data": pdfFile()}}}})
	v.check(c, specCall{method: "POST", path: q1p + "/replies", want: 201, body: map[string]any{"body": "请问您拨打的是哪个号码？", "wait": true}})
	v.check(c, specCall{method: "POST", path: q1p + "/replies", want: 400, body: map[string]any{"body": "  "}})
	v.check(c, specCall{method: "POST", path: q1p + "/replies", want: 400, badRequest: true, body: map[string]any{"text": "字段名错了"}})
	v.check(c, specCall{method: "POST", path: q1p + "/transfer", want: 400, body: map[string]any{"department_id": crDept.ID, "reason": "同部门"}})
	v.check(c, specCall{method: "POST", path: q1p + "/transfer", want: 200, body: map[string]any{"department_id": propDept.ID, "reason": "物业客服热线"}})
	v.check(c, specCall{method: "POST", path: q1p + "/topic", want: 200, body: map[string]any{"topic": "客服热线"}})
	v.check(c, specCall{method: "POST", path: q2p + "/merge", want: 200, body: map[string]any{"into": q1.ID}})
	v.check(c, specCall{method: "POST", path: q2p + "/merge", want: 400, body: map[string]any{"into": q2.ID}})
	v.check(c, specCall{method: "POST", path: q2p + "/replies", want: 409, body: map[string]any{"body": "已合并的诉求不能再回复"}})
	v.check(c, specCall{method: "POST", path: q1p + "/resolve", want: 200, body: map[string]any{"answer": "已增加热线坐席，感谢反馈", "topic": "客服热线"}})
	v.check(c, specCall{method: "POST", path: q1p + "/resolve", want: 409, body: map[string]any{"answer": "再办结一次"}})
	v.check(c, specCall{method: "POST", path: q1p + "/reopen", want: 200, body: map[string]any{"reason": "会员来电表示仍然打不通"}})
	raw = v.check(c, specCall{method: "GET", path: q1p, want: 200})
	var got apiRequest
	mustSpecDecode(t, raw, &got)
	if got.Status != "in_progress" || got.Topic != "客服热线" || len(got.Messages) < 3 || !got.Messages[0].Internal ||
		len(got.Messages[0].Files) != 1 {
		t.Errorf("the request after handling: %s", raw)
	}
	// Files download in the caller's scope, audited.
	filePath := fmt.Sprintf("%s/files/%d", q1p, q1.Files[1].ID)
	if body := v.check(c, specCall{method: "GET", path: filePath, want: 200}); string(body) != string(pdfFile()) {
		t.Errorf("the PDF: %q", body)
	}
	v.check(c, specCall{method: "GET", path: fmt.Sprintf("%s/files/%d", q1p, got.Messages[0].Files[0].ID), want: 200})
	v.check(hz, specCall{method: "GET", path: filePath, want: 404})
	v.check(c, specCall{method: "GET", path: fmt.Sprintf("%s/files/%d", q2p, q1.Files[1].ID), want: 404})
	if n := e.fix.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'request.file_download'"); n != 2 {
		t.Errorf("downloads audited %d times, want 2", n)
	}

	// PIPL requests.
	cp := mustMemberRequest(t, e, m.ID, request.Privacy, request.SubDataCopy, "请提供我的个人信息副本")
	del := mustMemberRequest(t, e, m.ID, request.Privacy, request.SubAccountDeletion, "请注销我的账户")
	v.check(c, specCall{method: "POST", path: fmt.Sprintf("/api/v1/requests/%d/copy", cp.ID), want: 200})
	v.check(c, specCall{method: "POST", path: q1p + "/copy", want: 409})
	v.check(c, specCall{method: "POST", path: fmt.Sprintf("/api/v1/requests/%d/approve-deletion", del.ID), want: 403})
	v.check(b, specCall{method: "POST", path: fmt.Sprintf("/api/v1/requests/%d/approve-deletion", del.ID), want: 200})

	// Notices, and the rule deleted. Property staff were not told of the
	// service complaint transferred to their department (they cannot open
	// it); they are told of a property complaint routed there.
	mustMemberRequest(t, e, mustActiveMember(t, e, "SH-PD").ID, request.Complaint, request.SubProperty, "地库 B2 漏水")
	raw = v.check(p, specCall{method: "GET", path: "/api/v1/notices?unread=true&page=1&per_page=20", want: 200, lang: "en"})
	var notes struct {
		Items []struct {
			ID   int64  `json:"id"`
			Text string `json:"text"`
		} `json:"items"`
		Unread int `json:"unread"`
	}
	mustSpecDecode(t, raw, &notes)
	if notes.Unread == 0 || len(notes.Items) == 0 || !strings.Contains(notes.Items[0].Text, "department") || strings.Contains(string(raw), q1.No) {
		t.Fatalf("property staff's notices: %s", raw)
	}
	v.check(p, specCall{method: "POST", path: "/api/v1/notices/read", want: 204, body: map[string]any{"ids": []int64{notes.Items[0].ID}}})
	v.check(c, specCall{method: "POST", path: "/api/v1/notices/read", want: 204})
	v.check(c, specCall{method: "GET", path: "/api/v1/notices?unread=maybe", want: 400, badRequest: true})
	if n, err := e.srv.Notices.Unread(context.Background(), cr.ID); err != nil || n != 0 {
		t.Errorf("customer relations' unread notices after marking all: %d %v", n, err)
	}
	v.check(c, specCall{method: "DELETE", path: fmt.Sprintf("%s/rules/%d", S, rule.ID), want: 403})
	v.check(b, specCall{method: "DELETE", path: fmt.Sprintf("%s/rules/%d", S, rule.ID), want: 204})
	v.check(b, specCall{method: "DELETE", path: fmt.Sprintf("%s/rules/%d", S, rule.ID), want: 404})
}

// TestRequestsAPIScope: property staff list and act on their projects'
// property complaints only; customer relations of another city see none.
func TestRequestsAPIScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "scope-prop", auth.PropertyStaff, "SH-PD")
		e.mustStaff(t, "scope-hz", auth.CustomerRelations, "HZ")
		p, hz := e.mustToken(t, "scope-prop"), e.mustToken(t, "scope-hz")
		m := mustActiveMember(t, e, "SH-PD")
		leak := mustMemberRequest(t, e, m.ID, request.Complaint, request.SubProperty, "楼道漏水，墙面发霉")
		svc := mustMemberRequest(t, e, m.ID, request.Complaint, request.SubService, "活动报名无人回复")

		var list struct {
			Items []apiRequest `json:"items"`
			Total int          `json:"total"`
		}
		mustStatus(t, p.json("GET", "/api/v1/requests", nil, &list), http.StatusOK)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != leak.ID {
			t.Errorf("property staff's queue: %+v", list)
		}
		mustStatus(t, hz.json("GET", "/api/v1/requests", nil, &list), http.StatusOK)
		if list.Total != 0 {
			t.Errorf("Hangzhou's queue holds Shanghai requests: %+v", list)
		}
		mustAPIError(t, p.json("POST", fmt.Sprintf("/api/v1/requests/%d/take", svc.ID), nil, nil), http.StatusNotFound, "not_found")
		mustAPIError(t, hz.json("POST", fmt.Sprintf("/api/v1/requests/%d/take", leak.ID), nil, nil), http.StatusNotFound, "not_found")
		var got apiRequest
		mustStatus(t, p.json("POST", fmt.Sprintf("/api/v1/requests/%d/take", leak.ID), nil, &got), http.StatusOK)
		if got.Status != "in_progress" || got.AssigneeID == nil {
			t.Errorf("taken by property staff: %+v", got)
		}
		if q, _ := e.srv.Requests.Get(context.Background(), svc.ID); q.AssigneeID != nil || q.Status != request.Open {
			t.Errorf("the refused take changed the service complaint: %+v", q)
		}
	})
}

// TestRequestsAPIConcurrentTake: two staff take the same request at once;
// one wins, the other is told who has it, and the request has one handler.
func TestRequestsAPIConcurrentTake(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		a := e.mustStaff(t, "take-a", auth.CustomerRelations, "SH")
		bb := e.mustStaff(t, "take-b", auth.CustomerRelations, "SH")
		clients := []*client{e.mustToken(t, a.Login), e.mustToken(t, bb.Login)}
		m := mustActiveMember(t, e, "SH-PD")
		for round := 0; round < 5; round++ {
			q := mustMemberRequest(t, e, m.ID, request.Complaint, request.SubService, fmt.Sprintf("第 %d 次：热线打不通", round))
			path := fmt.Sprintf("/api/v1/requests/%d/take", q.ID)
			statuses := make([]int, 2)
			bodies := make([]string, 2)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, cl := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					res := cl.json("POST", path, nil, nil)
					statuses[i], bodies[i] = res.StatusCode, readBody(res)
				}()
			}
			close(start)
			wg.Wait()
			won, lost := 0, 0
			for i, st := range statuses {
				switch st {
				case http.StatusOK:
					won++
				case http.StatusConflict:
					lost++
					if !strings.Contains(bodies[i], "conflict") {
						t.Errorf("the loser's answer: %s", bodies[i])
					}
				default:
					t.Errorf("take: %d %s", st, bodies[i])
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("round %d: %d won, %d lost: %v", round, won, lost, statuses)
			}
			got, err := e.srv.Requests.Get(context.Background(), q.ID)
			if err != nil || got.AssigneeID == nil || (*got.AssigneeID != a.ID && *got.AssigneeID != bb.ID) {
				t.Fatalf("after the race: %+v %v", got, err)
			}
			taken := 0
			for _, ev := range got.Events {
				if ev.Action == "taken" {
					taken++
				}
			}
			if taken != 1 {
				t.Errorf("round %d: %d \"taken\" lines in the history", round, taken)
			}
		}
	})
}
