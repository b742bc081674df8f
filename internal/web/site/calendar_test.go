package site

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/calendar"
	"estateclub/internal/testfix"
)

// calendarSheet builds an .xlsx of calendar rows under the download's header.
func calendarSheet(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	_ = f.SetSheetRow("Sheet1", "A1", &[]any{"日期", "类型", "名称"})
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow("Sheet1", cell, &r)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// calPage fetches a page and fails unless it answers status.
func calPage(t *testing.T, c *client, path string, status int) string {
	t.Helper()
	res := c.get(path)
	body := readBody(res)
	if res.StatusCode != status {
		t.Fatalf("GET %s: %d, want %d: %s", path, res.StatusCode, status, body)
	}
	return html.UnescapeString(body)
}

// calPost posts a form (or an upload, if data is set) and fails unless it
// answers status; it returns the page.
func calPost(t *testing.T, c *client, path string, vals url.Values, data []byte, status int) string {
	t.Helper()
	var res *http.Response
	if data != nil {
		fields := map[string]string{}
		for k := range vals {
			fields[k] = vals.Get(k)
		}
		res = c.upload(path, fields, "calendar.xlsx", data)
	} else {
		res = c.postForm(path, vals)
	}
	body := readBody(res)
	if res.StatusCode != status {
		t.Fatalf("POST %s: %d, want %d: %s", path, res.StatusCode, status, body)
	}
	return html.UnescapeString(body)
}

func TestCalendarConsole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "admin", auth.Admin, "GROUP")
		e.mustStaff(t, "sales", auth.SalesConsultant, "SH-PD")
		admin, sales := e.mustLogin(t, "admin"), e.mustLogin(t, "sales")
		days := func() int { return testfix.Count(t, e.d, "SELECT count(*) FROM work_calendar") }

		page := calPage(t, admin, "/calendar?year=2026", http.StatusOK)
		for _, want := range []string{`href="/calendar"`, `id="day-form"`, `id="hours-form"`, `id="calendar-import"`, "2026 年：节假日 0 天", "每个工作日 8 小时（09:00–12:00, 13:00–18:00）", "10月"} {
			if !strings.Contains(page, want) {
				t.Errorf("the admin's page lacks %q", want)
			}
		}

		// Add 国庆, change a day, refuse a weekday marked as worked.
		for _, d := range []url.Values{
			{"date": {"2026-10-01"}, "kind": {"holiday"}, "name": {"国庆节"}},
			{"date": {"2026-10-02"}, "kind": {"holiday"}, "name": {"国庆"}},
			{"date": {"2026-10-02"}, "kind": {"holiday"}, "name": {"国庆节"}},
			{"date": {"2026-10-10"}, "kind": {"workday"}, "name": {"国庆节调休"}},
		} {
			calPost(t, admin, "/calendar/days", d, nil, http.StatusSeeOther)
		}
		page = calPost(t, admin, "/calendar/days", url.Values{"date": {"2026-10-09"}, "kind": {"workday"}, "name": {"调休"}}, nil, http.StatusBadRequest)
		if !strings.Contains(page, "2026-10-09 是星期五，本来就是工作日") || !strings.Contains(page, `value="调休"`) {
			t.Error("the refusal of a weekday worked is not explained, or the form lost what was typed")
		}
		if n := days(); n != 3 {
			t.Fatalf("%d days stored, want 3", n)
		}
		page = calPage(t, admin, "/calendar?year=2026", http.StatusOK)
		for _, want := range []string{"2026 年：节假日 2 天，调休上班 1 天", `id="day-2026-10-10"`, "星期六", `class="cal-workday">10<`, `class="cal-holiday">1<`} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %q", want)
			}
		}
		// The change link fills the form with the day.
		page = calPage(t, admin, "/calendar?date=2026-10-10", http.StatusOK)
		if !strings.Contains(page, `value="2026-10-10"`) || !strings.Contains(page, `value="国庆节调休"`) {
			t.Error("the change link does not fill the form")
		}

		// Delete; a day not in the calendar is not found.
		calPost(t, admin, "/calendar/days/2026-10-02/delete", nil, nil, http.StatusSeeOther)
		calPost(t, admin, "/calendar/days/2026-10-02/delete", nil, nil, http.StatusNotFound)

		// Working hours.
		page = calPost(t, admin, "/calendar/hours", url.Values{"start": {"09:00"}, "lunch_start": {"13:00"}, "lunch_end": {"12:00"}, "end": {"18:00"}}, nil, http.StatusBadRequest)
		if !strings.Contains(page, "午休结束不能早于午休开始") {
			t.Error("bad hours not explained")
		}
		calPost(t, admin, "/calendar/hours", url.Values{"start": {"08:30"}, "lunch_start": {"12:00"}, "lunch_end": {"13:00"}, "end": {"17:30"}, "year": {"2026"}}, nil, http.StatusSeeOther)
		if page = calPage(t, admin, "/calendar?year=2026", http.StatusOK); !strings.Contains(page, "每个工作日 8 小时（08:30–12:00, 13:00–17:30）") {
			t.Error("the new hours are not shown")
		}

		// Upload: a wrong row saves nothing and names its row and column.
		bad := calendarSheet(t, []any{"2027-02-05", "节假日", "春节"}, []any{"2027-02-06", "节假日", "春节"}, []any{"2027-02-05", "节假日", "春节"})
		page = calPost(t, admin, "/calendar/import", url.Values{"year": {"2027"}}, bad, http.StatusBadRequest)
		if !strings.Contains(page, "第 4 行 A 列（日期）：2027-02-05 填写了两次") {
			t.Errorf("the upload's error does not name the row and column:\n%s", between(page, `id="form-error"`, "</p>"))
		}
		big := append(calendarSheet(t), bytes.Repeat([]byte{0}, calendar.MaxSheetSize)...)
		if page = calPost(t, admin, "/calendar/import", nil, big, http.StatusBadRequest); !strings.Contains(page, "文件超过 1024 KB") {
			t.Error("an oversized sheet is not refused by its size")
		}
		if n := days(); n != 2 {
			t.Fatalf("%d days after refused uploads, want 2", n)
		}
		good := calendarSheet(t, []any{"2027-02-05", "节假日", "春节"}, []any{"2027-02-06", "节假日", "春节"}, []any{"2027-02-14", "调休上班", "春节调休"})
		calPost(t, admin, "/calendar/import", url.Values{"year": {"2027"}}, good, http.StatusSeeOther)
		if n := days(); n != 5 {
			t.Fatalf("%d days after the upload, want 5", n)
		}

		// The download reads back as the upload's format.
		res := admin.get("/calendar/export?year=2027")
		data := []byte(readBody(res))
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows(f.GetSheetName(0))
		f.Close()
		if len(rows) != 4 || strings.Join(rows[3], " ") != "2027-02-14 调休上班 春节调休 星期日" {
			t.Errorf("export rows = %v", rows)
		}

		// Everyone reads the calendar; only the admin changes it.
		page = calPage(t, sales, "/calendar?year=2027", http.StatusOK)
		if strings.Contains(page, `id="day-form"`) || strings.Contains(page, "/delete") || !strings.Contains(page, `id="day-2027-02-14"`) {
			t.Error("a salesperson sees the edit forms, or not the days")
		}
		if strings.Contains(page, `href="/calendar"`) {
			t.Error("the calendar is in a salesperson's menu")
		}
		calPost(t, sales, "/calendar/days", url.Values{"date": {"2027-03-01"}, "kind": {"holiday"}, "name": {"x"}}, nil, http.StatusForbidden)
		calPost(t, sales, "/calendar/days/2027-02-14/delete", nil, nil, http.StatusForbidden)
		calPost(t, sales, "/calendar/import", nil, good, http.StatusForbidden)
		calPage(t, admin, "/calendar?year=1999", http.StatusBadRequest)

		// Each change is in the audit log.
		for action, want := range map[string]int{"calendar.set_days": 5, "calendar.delete_day": 1, "calendar.set_hours": 1} {
			if got := len(e.fix.Audit(t, audit.Filter{Action: action})); got != want {
				t.Errorf("%d %s entries, want %d", got, action, want)
			}
		}
	})
}

// between is the part of s from the first start to the next end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, end)
	return before
}

func TestCalendarAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "admin", auth.Admin, "GROUP")
		e.mustStaff(t, "sales", auth.SalesConsultant, "SH-PD")
		admin, sales := e.mustToken(t, "admin"), e.mustToken(t, "sales")
		if err := calendar.SeedChina(context.Background(), e.srv.Calendar); err != nil {
			t.Fatal(err)
		}
		var y struct {
			Year int            `json:"year"`
			Days []calendar.Day `json:"days"`
		}
		if res := sales.json("GET", "/api/v1/calendar/2026", nil, &y); res.StatusCode != 200 || y.Year != 2026 || len(y.Days) != 39 {
			t.Fatalf("GET 2026: %d, %d days", res.StatusCode, len(y.Days))
		}
		// A put replaces the year, all or nothing.
		body := map[string]any{"days": []map[string]string{
			{"date": "2026-10-01", "kind": "holiday", "name": "国庆节"},
			{"date": "2026-10-01", "kind": "holiday", "name": "国庆节"},
		}}
		var eb struct {
			Error struct{ Code, Message, Field string }
		}
		admin.json("PUT", "/api/v1/calendar/2026", body, &eb)
		if eb.Error.Code != string(apperr.Invalid) || !strings.Contains(eb.Error.Message, "2026-10-01 填写了两次") {
			t.Errorf("a day twice: %+v", eb)
		}
		body["days"] = []map[string]string{{"date": "2026-10-01", "kind": "holiday", "name": "国庆"}}
		mustAPIError(t, sales.json("PUT", "/api/v1/calendar/2026", body, nil), http.StatusForbidden, apperr.Forbidden)
		if res := admin.json("PUT", "/api/v1/calendar/2026", body, &y); res.StatusCode != 200 || len(y.Days) != 1 || y.Days[0].UpdatedBy != "admin" {
			t.Fatalf("PUT: %d %+v", res.StatusCode, y)
		}
		if n := testfix.Count(t, e.d, "SELECT count(*) FROM work_calendar WHERE day LIKE '2027-%'"); n != 34 {
			t.Errorf("2027 touched by a put of 2026: %d days", n)
		}
		// The server's cached calendar follows.
		c, err := e.srv.Calendar.Load(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if c.IsWorkday(testDay(2026, 10, 1)) || !c.IsWorkday(testDay(2026, 10, 2)) {
			t.Error("the calendar does not follow the put")
		}
		mustStatus(t, admin.json("DELETE", "/api/v1/calendar/days/2026-10-01", nil, nil), http.StatusNoContent)
		mustAPIError(t, admin.json("DELETE", "/api/v1/calendar/days/2026-10-01", nil, nil), http.StatusNotFound, apperr.NotFound)

		var h calendar.Hours
		if res := sales.json("GET", "/api/v1/calendar/hours", nil, &h); res.StatusCode != 200 || h != calendar.DefaultHours {
			t.Errorf("hours: %d %+v", res.StatusCode, h)
		}
		mustAPIError(t, admin.json("PUT", "/api/v1/calendar/hours", map[string]string{"start": "9:00", "lunch_start": "8:00", "lunch_end": "13:00", "end": "18:00"}, nil), http.StatusBadRequest, apperr.Invalid)
		if res := admin.json("PUT", "/api/v1/calendar/hours", map[string]string{"start": "9:00", "lunch_start": "12:00", "lunch_end": "12:30", "end": "17:30"}, &h); res.StatusCode != 200 || h.Start != "09:00" {
			t.Errorf("set hours: %d %+v", res.StatusCode, h)
		}
	})
}

func testDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, calendar.China)
}

// specCalendar calls every calendar operation against the document.
func specCalendar(t *testing.T, e *testEnv, v *specValidator) {
	t.Helper()
	admin, sales := e.mustToken(t, "admin"), e.mustToken(t, "sales")
	v.check(sales, specCall{method: "GET", path: "/api/v1/calendar/2026", want: 200})
	v.check(admin, specCall{method: "PUT", path: "/api/v1/calendar/2026", want: 200, body: map[string]any{"days": []map[string]string{
		{"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}, {"date": "2026-10-10", "kind": "workday", "name": "国庆节调休"}}}})
	v.check(sales, specCall{method: "GET", path: "/api/v1/calendar/2026", lang: "en", want: 200})
	v.check(admin, specCall{method: "PUT", path: "/api/v1/calendar/2026", want: 400, body: map[string]any{"days": []map[string]string{
		{"date": "2026-10-09", "kind": "workday", "name": "调休"}}}})
	v.check(sales, specCall{method: "PUT", path: "/api/v1/calendar/2026", want: 403, body: map[string]any{"days": []any{}}})
	v.check(sales, specCall{method: "GET", path: "/api/v1/calendar/1999", want: 400, badRequest: true})
	v.check(admin, specCall{method: "DELETE", path: "/api/v1/calendar/days/2026-10-10", want: 204})
	v.check(admin, specCall{method: "DELETE", path: "/api/v1/calendar/days/2026-10-10", want: 404})
	v.check(sales, specCall{method: "GET", path: "/api/v1/calendar/hours", want: 200})
	v.check(admin, specCall{method: "PUT", path: "/api/v1/calendar/hours", want: 200,
		body: map[string]string{"start": "08:30", "lunch_start": "12:00", "lunch_end": "13:00", "end": "17:30"}})
	v.check(admin, specCall{method: "PUT", path: "/api/v1/calendar/hours", want: 400,
		body: map[string]string{"start": "08:30", "lunch_start": "12:00", "lunch_end": "11:00", "end": "17:30"}})
}
