package site

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
	"estateclub/internal/web"
)

// mustReportRequests files this month's requests for the report: two
// property complaints at SH-PD (one resolved with the topic 停车), a
// suggestion at SH-PD, a complaint at HZ-XH.
func mustReportRequests(t *testing.T, e *testEnv) {
	t.Helper()
	ctx := testfix.Ctx()
	st := e.mustStaff(t, "rr.handler", auth.CustomerRelations, "GROUP")
	n := 0
	file := func(node string, k request.Kind, sub request.Subkind) *request.Request {
		t.Helper()
		n++
		m, _, err := e.srv.Members.Enrol(ctx, member.Application{NodeCode: node, Mobile: fmt.Sprintf("1391357%04d", n), Name: "报表会员"})
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.srv.Requests.Submit(ctx, request.NewRequest{MemberID: m.ID, Kind: k, Subkind: sub, Text: "报表测试诉求内容"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := file("SH-PD", request.Complaint, request.SubProperty)
	if _, err := e.srv.Requests.Resolve(ctx, r.ID, st.ID, "已处理", "停车", nil); err != nil {
		t.Fatal(err)
	}
	file("SH-PD", request.Complaint, request.SubProperty)
	file("SH-PD", request.Suggestion, request.SubEvents)
	file("HZ-XH", request.Complaint, request.SubService)
}

func thisMonth() string { return time.Now().In(web.ChinaTime).Format("2006-01") }

func TestRequestReportPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		mustReportRequests(t, e)
		e.mustStaff(t, "rr.sup", auth.CitySupervisor, "SH")
		e.mustStaff(t, "rr.cr", auth.CustomerRelations, "SH")
		e.mustStaff(t, "rr.audit", auth.Auditor, "GROUP")
		e.mustStaff(t, "rr.prop", auth.PropertyStaff, "SH-PD")
		e.mustStaff(t, "rr.spec", auth.GroupSpecialist, "GROUP")
		e.mustStaff(t, "rr.sales", auth.SalesConsultant, "SH-PD")
		month := thisMonth()
		q := "?month=" + month

		// Who sees what: the request scope decides (the API gives the figures).
		for _, tc := range []struct {
			login                      string
			received, resolved, topics int
		}{
			{"rr.sup", 3, 1, 3},   // Shanghai: no HZ-XH
			{"rr.cr", 3, 1, 3},    // customer relations, the same
			{"rr.audit", 4, 1, 4}, // the auditor: the group
			{"rr.prop", 2, 1, 2},  // property staff: SH-PD's property complaints
		} {
			var rep struct {
				Month string `json:"month"`
				Total struct {
					Received, Resolved int
				} `json:"total"`
				Topics []request.TopicCount `json:"topics"`
				Trend  []request.MonthCount `json:"trend"`
			}
			res := e.mustToken(t, tc.login).json("GET", "/api/v1/requests/report"+q, nil, &rep)
			if res.StatusCode != http.StatusOK || rep.Month != month || rep.Total.Received != tc.received || rep.Total.Resolved != tc.resolved ||
				len(rep.Topics) != tc.topics || len(rep.Trend) != 12 || rep.Trend[11].Received != tc.received {
				t.Errorf("%s: status %d, %+v", tc.login, res.StatusCode, rep)
			}
			page := e.mustLogin(t, tc.login).get("/requests/report" + q)
			body := readBody(page)
			if page.StatusCode != http.StatusOK || !strings.Contains(body, `id="by-kind"`) || !strings.Contains(body, `<svg`) ||
				!strings.Contains(body, `href="/requests/report"`) {
				t.Errorf("%s: page status %d", tc.login, page.StatusCode)
			}
		}
		for _, login := range []string{"rr.spec", "rr.sales"} {
			if res := e.mustLogin(t, login).get("/requests/report" + q); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: status %d, want 403", login, res.StatusCode)
			}
			if res := e.mustToken(t, login).get("/api/v1/requests/report" + q); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s: API status %d, want 403", login, res.StatusCode)
			}
		}

		// A node: within reach narrows the report; outside it is refused.
		sup := e.mustLogin(t, "rr.sup")
		body := readBody(sup.get("/requests/report" + q + "&node=SH-PD"))
		if !strings.Contains(body, `<option value="SH-PD" selected`) || strings.Contains(body, `value="HZ-XH"`) || !strings.Contains(body, "停车") {
			t.Errorf("node SH-PD: %s", body)
		}
		res := sup.get("/requests/report" + q + "&node=HZ")
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "组织节点 HZ 不存在或不在您的范围内") {
			t.Errorf("node outside: %d %s", res.StatusCode, body)
		}
		res = sup.get("/requests/report?month=2026-13")
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "请按“2026-11”的格式选择月份") {
			t.Errorf("bad month: %d %s", res.StatusCode, body)
		}
		api := e.mustToken(t, "rr.sup")
		api.lang = "en"
		for _, bad := range []string{"?node=NOPE", "?node=HZ", "?month=2026-00"} {
			res := api.get("/api/v1/requests/report" + bad)
			if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"field":"`) ||
				!(strings.Contains(body, "within your reach") || strings.Contains(body, "choose the month as 2026-11")) {
				t.Errorf("API %s: %d %s", bad, res.StatusCode, body)
			}
		}
		// No month: the month before this one.
		body = readBody(sup.get("/requests/report"))
		last := time.Now().In(web.ChinaTime)
		last = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, web.ChinaTime).AddDate(0, -1, 0)
		if !strings.Contains(body, `name="month" value="`+last.Format("2006-01")+`"`) || !strings.Contains(body, "<h1>诉求月报</h1>") {
			t.Errorf("default month: %s", body)
		}

		// The export: a sheet per table, in the caller's language, audited.
		res = sup.get("/requests/report/export" + q + "&node=SH")
		raw := []byte(readBody(res))
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), url.PathEscape("诉求月报 "+month+" SH.xlsx")) {
			t.Fatalf("export: %d %v", res.StatusCode, res.Header)
		}
		x, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		if got := strings.Join(x.GetSheetList(), ","); got != "合计,按类型,按部门,按项目,按来源,高频主题（前 10）,近 12 个月趋势" {
			t.Errorf("sheets %s", got)
		}
		rows, _ := x.GetRows("合计")
		if len(rows) != 2 || rows[0][1] != "受理" || rows[1][0] != month || rows[1][1] != "3" || rows[1][2] != "1" || rows[1][3] != "2" {
			t.Errorf("total sheet %v", rows)
		}
		rows, _ = x.GetRows("按类型")
		if len(rows) != 3 || rows[1][0] != "投诉" || rows[1][1] != "2" || rows[2][0] != "建议" {
			t.Errorf("kind sheet %v", rows)
		}
		rows, _ = x.GetRows("高频主题（前 10）")
		if len(rows) != 4 || rows[1][0] != "投诉/物业" || rows[1][1] != "1" {
			t.Errorf("topics sheet %v", rows)
		}
		entries, _, err := audit.List(context.Background(), e.d, audit.Filter{Action: "request.report_export", Unscoped: true})
		if err != nil || len(entries) != 1 || entries[0].ActorLogin != "rr.sup" || entries[0].NodePath != e.fix.Path("SH") {
			t.Errorf("audit: %v %+v", err, entries)
		}
		if res := e.mustLogin(t, "rr.sales").get("/requests/report/export" + q); res.StatusCode != http.StatusForbidden {
			t.Errorf("export by a sales consultant: %d", res.StatusCode)
		}
	})
}

// specRequestReport checks the report's API against the document.
func specRequestReport(t *testing.T, e *testEnv, v *specValidator, boss *client) {
	t.Helper()
	mustReportRequests(t, e)
	v.check(boss, specCall{method: "GET", path: "/api/v1/requests/report?month=" + thisMonth() + "&node=SH", want: 200})
	v.check(boss, specCall{method: "GET", path: "/api/v1/requests/report", lang: "en", want: 200})
	v.check(boss, specCall{method: "GET", path: "/api/v1/requests/report?month=2026-1", want: 400, badRequest: true})
}
