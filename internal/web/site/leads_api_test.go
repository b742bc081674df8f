package site

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/auth"
	"estateclub/internal/web"
)

// specLeads calls every lead operation: a consultant registers (and a
// colleague registers the same mobile again), follows up and records a
// deal; the manager assigns, hands over and decides a claim; the sales
// admin reconciles a day.
func specLeads(t *testing.T, e *testEnv, v *specValidator) {
	t.Helper()
	le := newLeadEnv(t, e, "api-")
	e.mustStaff(t, "lead-boss", auth.GroupSupervisor, "GROUP")
	wang, li, chen, xing, hz := e.mustToken(t, "api-wang"), e.mustToken(t, "api-li"), e.mustToken(t, "api-chen"), e.mustToken(t, "api-xing"), e.mustToken(t, "api-hz")
	boss := e.mustToken(t, "lead-boss")

	raw := v.check(wang, specCall{method: "POST", path: "/api/v1/leads", want: 201, body: map[string]any{
		"project": "SH-PD", "source": "visit", "mobile": "13600001111", "surname": "王", "gender": "female", "media": "网络", "owner_id": le.wang.ID}})
	var reg struct {
		Lead struct {
			ID int64 `json:"id"`
		} `json:"lead"`
	}
	mustSpecDecode(t, raw, &reg)
	lp := fmt.Sprintf("/api/v1/leads/%d", reg.Lead.ID)
	raw = v.check(li, specCall{method: "POST", path: "/api/v1/leads", want: 200, body: map[string]any{"project": "SH-PD", "source": "call", "mobile": "136-0000-1111"}})
	if !strings.Contains(string(raw), `"created":false`) || !strings.Contains(string(raw), "测试 api-wang") {
		t.Fatalf("a known mobile registered again: %s", raw)
	}
	v.check(li, specCall{method: "POST", path: "/api/v1/leads", want: 400, body: map[string]any{"project": "SH-PD", "source": "visit", "mobile": "123"}})
	v.check(hz, specCall{method: "POST", path: "/api/v1/leads", want: 400, body: map[string]any{"project": "SH-PD", "source": "visit", "mobile": "13600002222"}})
	raw = v.check(hz, specCall{method: "GET", path: "/api/v1/leads/check?mobile=13600001111", want: 200})
	if !strings.Contains(string(raw), `"visible":false`) || !strings.Contains(string(raw), `"owner_name":"测试 api-wang"`) {
		t.Fatalf("check from another city: %s", raw)
	}
	v.check(wang, specCall{method: "GET", path: "/api/v1/leads?owner=me&status=c&per_page=10", want: 200})
	v.check(wang, specCall{method: "GET", path: "/api/v1/leads?due=someday", want: 400, badRequest: true})
	v.check(wang, specCall{method: "GET", path: lp, want: 200})
	v.check(hz, specCall{method: "GET", path: lp, want: 404})
	v.check(wang, specCall{method: "PATCH", path: lp, want: 400, body: map[string]any{"status": "none"}})
	v.check(wang, specCall{method: "PATCH", path: lp, want: 200, body: map[string]any{"status": "a", "name": "王丽", "reason": "二次到访"}})
	v.check(wang, specCall{method: "POST", path: lp + "/follow-ups", want: 201, body: map[string]any{"channel": "wechat", "content": "发了户型图"}})
	v.check(wang, specCall{method: "GET", path: lp + "/follow-ups", want: 200})
	// A colleague may not work wang's lead (by_owner:false follow-ups were possible).
	v.check(li, specCall{method: "POST", path: lp + "/follow-ups", want: 403, body: map[string]any{"channel": "phone", "content": "帮忙回访"}})
	v.check(li, specCall{method: "PATCH", path: lp, want: 403, body: map[string]any{"status": "b", "reason": "顺手改"}})
	v.check(chen, specCall{method: "POST", path: lp + "/follow-ups", want: 201, body: map[string]any{"channel": "phone", "content": "经理回访"}})
	v.check(li, specCall{method: "POST", path: lp + "/contacts", want: 200, body: map[string]any{"kind": "visit"}})
	v.check(wang, specCall{method: "GET", path: lp + "/history", want: 200})
	v.check(li, specCall{method: "POST", path: lp + "/claims", want: 201, body: map[string]any{"reason": "客户说先找的我"}})
	raw = v.check(chen, specCall{method: "GET", path: "/api/v1/leads/claims?status=open", want: 200})
	var claims struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	mustSpecDecode(t, raw, &claims)
	if len(claims.Items) != 1 {
		t.Fatalf("open claims: %s", raw)
	}
	decide := fmt.Sprintf("/api/v1/leads/claims/%d/decision", claims.Items[0].ID)
	v.check(wang, specCall{method: "POST", path: decide, want: 403, body: map[string]any{"approve": true}})
	v.check(chen, specCall{method: "POST", path: decide, want: 200, body: map[string]any{"approve": false, "note": "首次到访为王"}})
	v.check(wang, specCall{method: "POST", path: lp + "/deals", want: 201, body: map[string]any{"kind": "subscription", "building": "2", "unit": "801"}})
	v.check(wang, specCall{method: "GET", path: lp + "/deals", want: 200})
	v.check(wang, specCall{method: "POST", path: lp + "/pool-claim", want: 409})

	// The manager.
	v.check(chen, specCall{method: "GET", path: "/api/v1/leads/workload", want: 200})
	v.check(chen, specCall{method: "GET", path: "/api/v1/leads/anomalies", want: 200})
	raw = v.check(wang, specCall{method: "POST", path: "/api/v1/leads", want: 201, body: map[string]any{"project": "SH-PD", "source": "call", "mobile": "13600003333"}})
	mustSpecDecode(t, raw, &reg)
	v.check(chen, specCall{method: "POST", path: "/api/v1/leads/assign", want: 200, body: map[string]any{"leads": []int64{reg.Lead.ID}, "to": le.li.ID}})
	v.check(wang, specCall{method: "POST", path: "/api/v1/leads/assign", want: 403, body: map[string]any{"leads": []int64{reg.Lead.ID}, "to": le.wang.ID}})
	v.check(chen, specCall{method: "POST", path: "/api/v1/leads/handover", want: 200, body: map[string]any{"from": le.li.ID, "to": le.wang.ID, "reason": "离职"}})
	v.check(chen, specCall{method: "GET", path: "/api/v1/leads/projects/SH-PD/config", want: 200})
	v.check(chen, specCall{method: "PUT", path: "/api/v1/leads/projects/SH-PD/config", want: 200, body: map[string]any{
		"required": map[string]any{"none": []string{"mobile", "lost_reason"}}, "next_actions": map[string]any{"c": map[string]any{"action": "邀约到访", "days": 3}},
		"pool_return_days": 10, "claim_cap": 3, "protect_visit_days": 30, "protect_referral_days": 90, "stuck_days": 20}})
	v.check(chen, specCall{method: "GET", path: "/api/v1/leads/projects/HZ-XH/config", want: 404})
	v.check(chen, specCall{method: "GET", path: "/api/v1/leads/export?status=a", want: 200})
	raw = v.check(chen, specCall{method: "POST", path: "/api/v1/leads/import", want: 200, upload: mustLeadSheet(t), form: map[string]string{"project": "SH-PD"}})
	if !strings.Contains(string(raw), `"created":1`) {
		t.Fatalf("import: %s", raw)
	}
	v.check(chen, specCall{method: "POST", path: "/api/v1/leads/import", want: 422, upload: mustLeadSheet(t), form: map[string]string{"project": "SH-PD", "all_or_nothing": "1"}})
	today := time.Now().In(web.ChinaTime).Format("2006-01-02")
	v.check(chen, specCall{method: "GET", path: "/api/v1/leads/reports?from=" + today + "&to=" + today + "&project=SH-PD", want: 200})
	v.check(boss, specCall{method: "GET", path: "/api/v1/leads/reports", want: 200})
	v.check(chen, specCall{method: "GET", path: "/api/v1/leads/reports/export", want: 200})

	// The sales admin.
	yday := web.ChinaDay(-1).String()
	rec := "/api/v1/leads/projects/SH-PD"
	v.check(xing, specCall{method: "POST", path: rec + "/sheets", want: 200, body: map[string]any{"day": yday, "counts": []map[string]any{{"staff_id": le.wang.ID, "visits": 0, "calls": 0}}}})
	v.check(xing, specCall{method: "GET", path: rec + "/reconciliation?day=" + yday, want: 200})
	v.check(xing, specCall{method: "POST", path: rec + "/sign-offs", want: 400, body: map[string]any{"day": today}})
	v.check(xing, specCall{method: "POST", path: rec + "/sign-offs", want: 200, body: map[string]any{"day": yday}})
	v.check(xing, specCall{method: "POST", path: rec + "/sheets", want: 423, body: map[string]any{"day": yday, "counts": []map[string]any{{"staff_id": le.wang.ID, "visits": 1}}}})
	v.check(wang, specCall{method: "GET", path: rec + "/reconciliation", want: 403})
}

// mustLeadSheet is a lead import: one good row, and one naming a project
// of another city (beyond a Shanghai manager's reach).
func mustLeadSheet(t *testing.T) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, r := range [][]any{{"项目", "来源", "手机号码", "姓氏"}, {"SH-PD", "来人", "13500000001", "周"}, {"HZ-XH", "来电", "13500000002", "吴"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
