package site

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/web"
)

// mustSheet builds a small member spreadsheet with a title row, one bad row
// and one duplicate.
func mustSheet(t *testing.T) []byte {
	t.Helper()
	x := excelize.NewFile()
	rows := [][]any{
		{"2026年浦东滨江府来访登记"},
		{"姓名", "手机号码", "出生日期", "兴趣爱好"},
		{"张三", 13812345678, "1985/3/2", "高尔夫"},
		{"李四", "139 8765 4321", "1986年4月5日", "理财"},
		{"王五", "12345", "", ""},
		{"张三", "13812345678", "1985-03-02", "高尔夫"},
	}
	for i, r := range rows {
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

func (c *client) upload(path string, fields map[string]string, file string, data []byte) *http.Response {
	c.t.Helper()
	return c.uploadAs(path, fields, "file", file, data)
}

// uploadAs posts a multipart form with data as the file of field.
func (c *client) uploadAs(path string, fields map[string]string, field, file string, data []byte) *http.Response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	_ = mw.WriteField("csrf", c.csrf)
	fw, _ := mw.CreateFormFile(field, file)
	_, _ = fw.Write(data)
	mw.Close()
	return c.do(http.MethodPost, path, &body, mw.FormDataContentType())
}

func TestImportInTheBackgroundAndExport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "hz-spec", auth.CitySpecialist, "HZ")
		e.mustStaff(t, "sh-boss", auth.CitySupervisor, "SH")
		c := e.mustLogin(t, "sh-spec")
		// Importing into another city is refused before anything is stored.
		res := c.upload("/members/import", map[string]string{"org": "HZ-XH"}, "a.xlsx", mustSheet(t))
		if res.StatusCode == http.StatusSeeOther {
			t.Fatal("import into another city accepted")
		}
		res.Body.Close()
		res = c.upload("/members/import", map[string]string{"org": "SH-PD"}, "来访.xlsx", mustSheet(t))
		loc := res.Header.Get("Location")
		res.Body.Close()
		m := regexp.MustCompile(`^/jobs/(\d+)`).FindStringSubmatch(loc)
		if res.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("upload: %d %q", res.StatusCode, loc)
		}
		page := readBody(c.get("/jobs/" + m[1]))
		if !strings.Contains(page, `http-equiv="refresh"`) || !strings.Contains(page, "排队中") {
			t.Fatalf("queued job page:\n%s", page)
		}
		// Another city's staff do not see the job.
		if res := e.mustLogin(t, "hz-spec").get("/jobs/" + m[1]); res.StatusCode != http.StatusNotFound {
			t.Fatalf("HZ sees the SH job: %d", res.StatusCode)
		}
		r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "test", Handlers: e.srv.JobHandlers(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		if ran, err := r.RunOne(context.Background(), []string{web.ImportJob}); !ran || err != nil {
			t.Fatalf("run: %v %v", ran, err)
		}
		page = readBody(c.get("/jobs/" + m[1]))
		if !strings.Contains(page, "新增 2，合并 1，冲突 0，失败 1") || strings.Contains(page, `http-equiv="refresh"`) {
			t.Fatalf("finished job page:\n%s", page)
		}
		res = c.get("/jobs/" + m[1] + "/output")
		report, _ := io.ReadAll(res.Body)
		res.Body.Close()
		x, err := excelize.OpenReader(bytes.NewReader(report))
		if err != nil {
			t.Fatalf("error report: %v", err)
		}
		rows, _ := x.GetRows(x.GetSheetName(0))
		found := false
		for _, row := range rows {
			if strings.Contains(strings.Join(row, "|"), "王五") && strings.Contains(strings.Join(row, "|"), "手机号码") {
				found = true
			}
		}
		if !found {
			t.Fatalf("error report lacks the bad row with its column: %v", rows)
		}
		// The imported members are there, once.
		var list web.List[map[string]any]
		c.json(http.MethodGet, "/api/v1/members?q=zs", nil, &list)
		if list.Total != 1 {
			t.Fatalf("members named 张三 after import: %d", list.Total)
		}

		// Export: masked for a specialist (no export permission: 403), masked
		// for the supervisor, in clear only when asked and then audited.
		if res := c.get("/members/export"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("specialist export: %d", res.StatusCode)
		}
		boss := e.mustLogin(t, "sh-boss")
		res = boss.get("/members/export")
		masked, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Disposition"))
		}
		if text := xlsxText(t, masked); strings.Contains(text, "13812345678") || !strings.Contains(text, "138****5678") {
			t.Fatalf("masked export:\n%s", text)
		}
		res = boss.get("/members/export?reveal=1")
		full, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if text := xlsxText(t, full); !strings.Contains(text, "13812345678") {
			t.Fatalf("full export lacks the mobile:\n%s", text)
		}
		var n int
		_ = e.d.View(context.Background(), func(tx *db.Tx) (err error) {
			n, err = tx.Count(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'member.export' AND actor_login = 'sh-boss'")
			return err
		})
		if n != 2 {
			t.Fatalf("%d export audit entries, want 2", n)
		}
	})
}

// xlsxText returns every cell of a workbook's first sheet.
func xlsxText(t *testing.T, data []byte) string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := x.GetRows(x.GetSheetName(0))
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "|") + "\n")
	}
	return b.String()
}
