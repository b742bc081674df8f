package calendar_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/calendar"
	"estateclub/internal/testfix"
)

func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, calendar.China)
}

func mustSeed(t *testing.T, s *calendar.Service) {
	t.Helper()
	if err := calendar.SeedChina(testfix.Ctx(), s); err != nil {
		t.Fatal(err)
	}
}

func auditCount(t *testing.T, e *testfix.Env, action string) int {
	t.Helper()
	return len(e.Audit(t, audit.Filter{Action: action}))
}

func TestSeedAndLoad(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := testfix.Ctx()
		s := &calendar.Service{DB: e.DB}
		mustSeed(t, s)
		mustSeed(t, s) // again: nothing changes
		if n := auditCount(t, e, "calendar.set_days"); n != 1 {
			t.Errorf("%d set_days entries after seeding twice, want 1", n)
		}
		days, err := s.Days(ctx, 2026)
		if err != nil {
			t.Fatal(err)
		}
		// 3+1 元旦, 1+9+1 春节, 3 清明, 5+1 劳动, 3 端午, 1+3 中秋/国庆调休, 7+1 国庆.
		if len(days) != 39 {
			t.Errorf("2026 has %d exceptions, want 39", len(days))
		}
		if d := days[0]; d.Date != "2026-01-01" || d.Kind != calendar.Holiday || d.Name != "元旦" || d.UpdatedBy != "tester" || d.UpdatedAt.IsZero() {
			t.Errorf("first day = %+v", d)
		}
		years, err := s.Years(ctx)
		if err != nil || fmt.Sprint(years) != "[2026 2027]" {
			t.Errorf("Years = %v, %v", years, err)
		}
		c, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.AddWorkingHours(at(2026, 9, 30, 17, 0), 2*time.Hour); !got.Equal(at(2026, 10, 8, 10, 0)) {
			t.Errorf("across 国庆: %s", got)
		}
		if got := c.AddWorkingHours(at(2026, 2, 13, 17, 0), 3*time.Hour); !got.Equal(at(2026, 2, 14, 11, 0)) {
			t.Errorf("onto the 春节 Saturday: %s", got)
		}
		if got := c.AddWorkingDays(at(2027, 2, 4, 10, 0), 1); !got.Equal(at(2027, 2, 14, 18, 0)) {
			t.Errorf("across 春节 2027: %s", got)
		}
		// The snapshot is cached until the calendar changes, here or on
		// another server (another Service over the same database).
		if again, _ := s.Load(ctx); again != c {
			t.Error("Load made a new snapshot of an unchanged calendar")
		}
		other := &calendar.Service{DB: e.DB}
		if err := other.SetDays(ctx, []calendar.Day{{Date: "2026-03-10", Kind: calendar.Holiday, Name: "公司活动日"}}); err != nil {
			t.Fatal(err)
		}
		c2, err := s.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c2 == c || c2.IsWorkday(at(2026, 3, 10, 10, 0)) || !c.IsWorkday(at(2026, 3, 10, 10, 0)) {
			t.Error("the other server's edit is not seen, or the old snapshot changed")
		}
	})
}

func TestSetDaysRefusesBadInput(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := testfix.Ctx()
		s := &calendar.Service{DB: e.DB}
		ok := calendar.Day{Date: "2026-10-01", Kind: calendar.Holiday, Name: "国庆节"}
		for _, tc := range []struct {
			name  string
			days  []calendar.Day
			field string
			words string
		}{
			{"twice", []calendar.Day{ok, {Date: "2026-10-02", Kind: "holiday", Name: "国庆节"}, ok}, "date", "2026-10-01 填写了两次"},
			{"bad date", []calendar.Day{ok, {Date: "2026-02-30", Kind: "holiday", Name: "x"}}, "date", "第 2 条：日期「2026-02-30」不对"},
			{"not a date", []calendar.Day{{Date: "10/1", Kind: "holiday", Name: "x"}}, "date", "日期「10/1」不对"},
			{"far year", []calendar.Day{{Date: "1999-10-01", Kind: "holiday", Name: "x"}}, "date", "2000–2100"},
			{"workday on a weekday", []calendar.Day{{Date: "2026-03-10", Kind: calendar.Workday, Name: "调休"}}, "kind", "2026-03-10 是星期二，本来就是工作日"},
			{"unknown kind", []calendar.Day{{Date: "2026-03-10", Kind: "vacation", Name: "x"}}, "kind", "类型「vacation」不对"},
			{"no name", []calendar.Day{{Date: "2026-03-10", Kind: "holiday", Name: "  "}}, "name", "请填写 2026-03-10 的名称"},
			{"long name", []calendar.Day{{Date: "2026-03-10", Kind: "holiday", Name: strings.Repeat("节", 31)}}, "name", "不能超过 30 个字"},
			{"none", nil, "days", "没有要保存的日期"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				err := s.SetDays(ctx, tc.days)
				ae := testfix.WantErr(t, err, apperr.Invalid, tc.field)
				if !strings.Contains(ae.ZH, tc.words) {
					t.Errorf("message %q lacks %q", ae.ZH, tc.words)
				}
			})
		}
		if n := e.Count(t, "SELECT count(*) FROM work_calendar"); n != 0 {
			t.Errorf("%d days kept from refused input", n)
		}
		if n := auditCount(t, e, "calendar.set_days"); n != 0 {
			t.Errorf("%d audit entries for refused input", n)
		}
		// A holiday on a weekend is fine (it names the holiday period), and
		// a kind may be given in Chinese.
		if err := s.SetDays(ctx, []calendar.Day{{Date: "2026-10-03", Kind: "节假日", Name: " 国庆节 "}, {Date: "2026-10-10", Kind: "调休上班", Name: "国庆节调休"}}); err != nil {
			t.Fatal(err)
		}
		days, _ := s.Days(ctx, 2026)
		if len(days) != 2 || days[0].Kind != calendar.Holiday || days[0].Name != "国庆节" || days[1].Kind != calendar.Workday {
			t.Errorf("days = %+v", days)
		}
	})
}

func TestChangeAndDeleteDay(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := testfix.Ctx()
		s := &calendar.Service{DB: e.DB}
		mustSeed(t, s)
		if err := s.SetDays(ctx, []calendar.Day{{Date: "2026-10-08", Kind: calendar.Holiday, Name: "国庆节"}}); err != nil {
			t.Fatal(err)
		}
		c, _ := s.Load(ctx)
		if c.IsWorkday(at(2026, 10, 8, 10, 0)) {
			t.Error("8 October still a working day")
		}
		if err := s.DeleteDay(ctx, "2026-10-08"); err != nil {
			t.Fatal(err)
		}
		c, _ = s.Load(ctx)
		if !c.IsWorkday(at(2026, 10, 8, 10, 0)) {
			t.Error("8 October not a working day again")
		}
		testfix.WantCode(t, s.DeleteDay(ctx, "2026-10-08"), apperr.NotFound)
		testfix.WantErr(t, s.DeleteDay(ctx, "2026-13-01"), apperr.Invalid, "date")
		entries := e.Audit(t, audit.Filter{Action: "calendar.delete_day"})
		if len(entries) != 1 || entries[0].ObjectID != "2026-10-08" || !strings.Contains(entries[0].Before, "国庆节") {
			t.Errorf("delete audit = %+v", entries)
		}
		if n := auditCount(t, e, "calendar.set_days"); n != 2 {
			t.Errorf("%d set_days entries, want 2", n)
		}
	})
}

func TestReplaceYear(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := testfix.Ctx()
		s := &calendar.Service{DB: e.DB}
		mustSeed(t, s)
		err := s.ReplaceYear(ctx, 2026, []calendar.Day{{Date: "2027-01-01", Kind: calendar.Holiday, Name: "元旦"}})
		testfix.WantErr(t, err, apperr.Invalid, "date")
		if err := s.ReplaceYear(ctx, 2026, []calendar.Day{{Date: "2026-10-01", Kind: calendar.Holiday, Name: "国庆"}}); err != nil {
			t.Fatal(err)
		}
		d26, _ := s.Days(ctx, 2026)
		d27, _ := s.Days(ctx, 2027)
		if len(d26) != 1 || d26[0].Name != "国庆" || len(d27) == 0 {
			t.Errorf("2026 = %+v, 2027 has %d days", d26, len(d27))
		}
		if err := s.ReplaceYear(ctx, 2026, nil); err != nil {
			t.Fatal(err)
		}
		if d26, _ = s.Days(ctx, 2026); len(d26) != 0 {
			t.Errorf("2026 not emptied: %+v", d26)
		}
		testfix.WantErr(t, s.ReplaceYear(ctx, 1900, nil), apperr.Invalid, "year")
	})
}

func TestHoursSetting(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := testfix.Ctx()
		s := &calendar.Service{DB: e.DB}
		h, err := s.Hours(ctx)
		if err != nil || h != calendar.DefaultHours {
			t.Fatalf("Hours = %+v, %v", h, err)
		}
		testfix.WantErr(t, s.SetHours(ctx, calendar.Hours{Start: "09:00", LunchStart: "13:00", LunchEnd: "12:00", End: "18:00"}), apperr.Invalid, "lunch_end")
		testfix.WantErr(t, s.SetHours(ctx, calendar.Hours{Start: "nine", LunchStart: "12:00", LunchEnd: "13:00", End: "18:00"}), apperr.Invalid, "start")
		if n := auditCount(t, e, "calendar.set_hours"); n != 0 {
			t.Errorf("%d audit entries for refused hours", n)
		}
		c, _ := s.Load(ctx)
		if err := s.SetHours(ctx, calendar.Hours{Start: "8:30", LunchStart: "12:00", LunchEnd: "13:30", End: "17:30"}); err != nil {
			t.Fatal(err)
		}
		if h, _ = s.Hours(ctx); h != (calendar.Hours{Start: "08:30", LunchStart: "12:00", LunchEnd: "13:30", End: "17:30"}) {
			t.Errorf("Hours = %+v", h)
		}
		c2, _ := s.Load(ctx)
		if c2.HoursPerDay() != 7*time.Hour+30*time.Minute || c.HoursPerDay() != 8*time.Hour {
			t.Errorf("per day: new %s, old %s", c2.HoursPerDay(), c.HoursPerDay())
		}
		if got := c2.AddWorkingHours(at(2026, 3, 10, 11, 0), 2*time.Hour); !got.Equal(at(2026, 3, 10, 14, 30)) {
			t.Errorf("with the new lunch: %s", got)
		}
		entries := e.Audit(t, audit.Filter{Action: "calendar.set_hours"})
		if len(entries) != 1 || !strings.Contains(entries[0].Summary, "09:00–12:00, 13:00–18:00 → 08:30–12:00, 13:30–17:30") {
			t.Errorf("hours audit = %+v", entries)
		}
	})
}

// TestConcurrentSetDays: staff setting the same day at once each succeed
// or are told; one row stays, holding one of their names.
func TestConcurrentSetDays(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := testfix.Ctx()
		s := &calendar.Service{DB: e.DB}
		const n = 6
		errs := make([]error, n)
		testfix.Together(n, func(i int) {
			errs[i] = s.SetDays(ctx, []calendar.Day{
				{Date: "2026-10-01", Kind: calendar.Holiday, Name: fmt.Sprintf("国庆节 %d", i)},
				{Date: "2026-10-02", Kind: calendar.Holiday, Name: fmt.Sprintf("国庆节 %d", i)},
			})
		})
		done := 0
		for _, err := range errs {
			switch {
			case err == nil:
				done++
			case apperr.Is(err, apperr.Busy):
			default:
				t.Errorf("SetDays: %v", err)
			}
		}
		if done == 0 {
			t.Fatal("no SetDays succeeded")
		}
		if c := e.Count(t, "SELECT count(*) FROM work_calendar"); c != 2 {
			t.Errorf("%d rows, want 2", c)
		}
		// Each edit saw the one before it: the same name on both days, and
		// one audit entry per edit whose "before" is the previous edit's.
		if c := e.Count(t, "SELECT count(DISTINCT name) FROM work_calendar"); c != 1 {
			t.Errorf("the two days carry %d names: edits interleaved", c)
		}
		if got := auditCount(t, e, "calendar.set_days"); got != done {
			t.Errorf("%d audit entries for %d edits", got, done)
		}
	})
}

// sheet builds an .xlsx from rows.
func sheet(t *testing.T, rows ...[]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportSheet(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := testfix.Ctx()
		s := &calendar.Service{DB: e.DB}
		head := []any{"日期", "类型", "名称"}
		for _, tc := range []struct {
			name  string
			data  []byte
			words string
		}{
			{"twice", sheet(t, head, []any{"2026-10-01", "节假日", "国庆节"}, []any{"2026-10-02", "节假日", "国庆节"}, []any{"2026-10-01", "节假日", "国庆节"}),
				"第 4 行 A 列（日期）：2026-10-01 填写了两次（第 2 行 A 列（日期）已有）"},
			{"bad kind", sheet(t, []any{"说明"}, head, []any{"2026-10-01", "节假日", "国庆节"}, []any{"2026-10-10", "加班", "国庆节调休"}),
				"第 4 行 B 列（类型）：类型「加班」不对"},
			{"weekday worked", sheet(t, []any{"名称", "日期", "类型"}, []any{"国庆节调休", "2026-10-09", "调休上班"}),
				"第 2 行 C 列（类型）：2026-10-09 是星期五，本来就是工作日"},
			{"bad date", sheet(t, head, []any{"2026-10-32", "节假日", "国庆节"}), "第 2 行 A 列（日期）：日期「2026-10-32」不对"},
			{"no header", sheet(t, []any{"2026-10-01", "节假日", "国庆节"}), "没有找到表头"},
			{"empty", sheet(t, head), "表中没有日期"},
			{"not a workbook", []byte("date,kind,name\n"), "无法读取该文件"},
			{"too large", bytes.Repeat([]byte{'x'}, calendar.MaxSheetSize+1), "文件超过 1024 KB"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.ImportSheet(ctx, tc.data)
				ae := testfix.WantCode(t, err, apperr.Invalid)
				if !strings.Contains(ae.ZH, tc.words) {
					t.Errorf("message %q lacks %q", ae.ZH, tc.words)
				}
			})
		}
		if n := e.Count(t, "SELECT count(*) FROM work_calendar"); n != 0 {
			t.Errorf("%d days kept from refused sheets", n)
		}
		// Dates as Excel dates or text, blank rows skipped, kinds in English.
		f := excelize.NewFile()
		_ = f.SetSheetRow("Sheet1", "A1", &[]any{"date", "kind", "name"})
		_ = f.SetCellValue("Sheet1", "A2", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC))
		_ = f.SetSheetRow("Sheet1", "B2", &[]any{"holiday", "国庆节"})
		_ = f.SetSheetRow("Sheet1", "A4", &[]any{"2026/10/10", "workday", "国庆节调休"})
		_ = f.SetSheetRow("Sheet1", "A5", &[]any{"2026年10月2日", "放假", "国庆节"})
		var buf bytes.Buffer
		_ = f.Write(&buf)
		n, err := s.ImportSheet(ctx, buf.Bytes())
		if err != nil || n != 3 {
			t.Fatalf("import: %d, %v", n, err)
		}
		days, _ := s.Days(ctx, 2026)
		if got := strings.Join([]string{days[0].Date, days[1].Date, days[2].Date, string(days[2].Kind)}, " "); got != "2026-10-01 2026-10-02 2026-10-10 workday" {
			t.Errorf("imported %s", got)
		}
		// The download reads back in as it is.
		mustSeed(t, s)
		out, err := s.Sheet(ctx, 2026, false)
		if err != nil {
			t.Fatal(err)
		}
		other := testfix.Open(t, e.DB.Dialect())
		s2 := &calendar.Service{DB: other.DB}
		if n, err := s2.ImportSheet(ctx, out); err != nil || n != 39 {
			t.Fatalf("re-import: %d, %v", n, err)
		}
		a, _ := s.Days(ctx, 2026)
		b, _ := s2.Days(ctx, 2026)
		for i := range a {
			if a[i].Date != b[i].Date || a[i].Kind != b[i].Kind || a[i].Name != b[i].Name {
				t.Fatalf("row %d: %+v, read back %+v", i, a[i], b[i])
			}
		}
		en, err := s.Sheet(ctx, 2026, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s2.ImportSheet(ctx, en); err != nil {
			t.Errorf("English download does not read back: %v", err)
		}
	})
}
