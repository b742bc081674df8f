package site

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/jobs"
	"estateclub/internal/web"
	"estateclub/internal/web/api"
)

// syncBuffer is a log destination the server and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// idNumber is a valid 18-digit resident ID number (GB 11643 check digit).
func idNumber(seq int) string {
	body := fmt.Sprintf("31011519%02d0%d%02d%03d", 80+seq%15, 1+seq%9, 10+seq%18, 100+seq)
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

var surnames = []rune("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章")

// personalSheet is a CSV of 40 members with 10 ID numbers; the last 5
// rows fail (an unknown channel), so the job writes an error report that
// holds their mobiles.
func personalSheet(prefix int) (csv []byte, secrets []string) {
	var b strings.Builder
	b.WriteString("姓名,手机号码,身份证号,入会渠道\n")
	for i := range 40 {
		mobile := fmt.Sprintf("1%d%09d", 3+prefix, 500000000+i*7919)
		id, channel := "", "销售现场"
		if i < 10 {
			id = idNumber(prefix*10 + i)
			secrets = append(secrets, id)
		}
		if i >= 35 {
			channel = "火星"
		}
		secrets = append(secrets, mobile)
		fmt.Fprintf(&b, "%c先生,%s,%s,%s\n", surnames[i], mobile, id, channel)
	}
	return []byte(b.String()), secrets
}

// storedBytes returns what the database keeps on disk: the SQLite file and
// its WAL, or a pg_dump of the test's schema.
func storedBytes(t *testing.T, d *db.DB) []byte {
	t.Helper()
	ctx := context.Background()
	if d.Dialect() == db.SQLite {
		var seq int
		var name, file string
		if err := d.SQL().QueryRowContext(ctx, "PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
			t.Fatal(err)
		}
		var out []byte
		for _, f := range []string{file, file + "-wal"} {
			b, err := os.ReadFile(f)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			out = append(out, b...)
		}
		if len(out) == 0 {
			t.Fatal("no database file to read")
		}
		return out
	}
	var schema string
	if err := d.SQL().QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(dbtest.PGURL())
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	out, err := exec.Command("pg_dump", "--no-owner", "-n", schema, u.String()).Output()
	if err != nil {
		if _, lookErr := exec.LookPath("pg_dump"); lookErr != nil && !dbtest.InCI() {
			t.Skipf("pg_dump is not installed: %v", lookErr)
		}
		t.Fatalf("pg_dump: %v", err)
	}
	if !bytes.Contains(out, []byte("stored_file_chunks")) {
		t.Fatalf("pg_dump of %s holds no file store:\n%.2000s", schema, out)
	}
	return out
}

// leaks lists the secrets found in data, plain or hex-encoded (bytea).
func leaks(data []byte, secrets []string) []string {
	var found []string
	lower := bytes.ToLower(data)
	for _, s := range secrets {
		if bytes.Contains(data, []byte(s)) || bytes.Contains(lower, []byte(hex.EncodeToString([]byte(s)))) {
			found = append(found, s)
		}
	}
	return found
}

// After imports through the console and the API (with error reports
// downloaded) and exports, neither the database's files nor the server's
// log hold a mobile or ID number in clear.
func TestImportsAndExportsLeaveNoPlainPersonalData(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		logs := &syncBuffer{}
		e := newEnvLogging(t, d, logs)
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sh-boss", auth.CitySupervisor, "SH")
		console := e.mustLogin(t, "sh-spec")
		apic := e.mustToken(t, "sh-spec")
		var secrets []string
		var ids []string
		for i, c := range []*client{console, apic} {
			sheet, s := personalSheet(i)
			secrets = append(secrets, s...)
			path := "/members/import"
			if c == apic {
				path = "/api/v1/members/import"
			}
			res := c.upload(path, map[string]string{"org": "SH-PD"}, "会员.csv", sheet)
			body := readBody(res)
			m := regexp.MustCompile(`(?:/jobs/|"id":)(\d+)`).FindStringSubmatch(res.Header.Get("Location") + body)
			if res.StatusCode >= 400 || m == nil {
				t.Fatalf("upload to %s: %d %s", path, res.StatusCode, body)
			}
			ids = append(ids, m[1])
		}
		r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "test", Handlers: e.srv.JobHandlers(), Log: e.srv.Log}
		for range ids {
			if ran, err := r.RunOne(context.Background(), []string{web.ImportJob}); !ran || err != nil {
				t.Fatalf("run: %v %v", ran, err)
			}
		}
		for i, id := range ids {
			var j api.APIJob
			apic.json(http.MethodGet, "/api/v1/jobs/"+id, nil, &j)
			if j.Status != jobs.Done || j.Result == nil || j.Result.Created != 35 || j.Result.Failed != 5 || !j.HasOutput {
				t.Fatalf("job %s: %+v %+v", id, j, j.Result)
			}
			// The error report holds the failed rows' mobiles (so a plain copy
			// of it in the database would be found below).
			c := []*client{console, apic}[i]
			path := "/jobs/" + id + "/output"
			if c == apic {
				path = "/api/v1" + path
			}
			res := c.get(path)
			report, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || !strings.Contains(xlsxText(t, report), secrets[len(secrets)-1]) && !strings.Contains(xlsxText(t, report), secrets[i*50+49]) {
				t.Fatalf("error report %s: %d", path, res.StatusCode)
			}
		}
		bossConsole, bossAPI := e.mustLogin(t, "sh-boss"), e.mustToken(t, "sh-boss")
		for _, path := range []string{"/members/export?reveal=1", "/api/v1/members/export?reveal=1", "/members/export"} {
			c := bossConsole
			if strings.HasPrefix(path, "/api/") {
				c = bossAPI
			}
			res := c.get(path)
			data, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || len(data) == 0 {
				t.Fatalf("export %s: %d", path, res.StatusCode)
			}
		}
		var downloads int
		_ = d.View(context.Background(), func(tx *db.Tx) (err error) {
			downloads, err = tx.Count(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'job.output.download' AND actor_login = 'sh-spec'")
			return err
		})
		if downloads != 2 {
			t.Fatalf("%d audited downloads, want 2", downloads)
		}
		if found := leaks(storedBytes(t, d), secrets); len(found) > 0 {
			t.Fatalf("the database holds %d of %d personal values in clear, e.g. %v", len(found), len(secrets), found[:min(3, len(found))])
		}
		if found := leaks(logs.Bytes(), secrets); len(found) > 0 {
			t.Fatalf("the server log holds %d personal values, e.g. %v", len(found), found[:min(3, len(found))])
		}
		if len(logs.Bytes()) == 0 {
			t.Fatal("the server logged nothing; the log check proves nothing")
		}
	})
}

// bombXLSX is a valid workbook whose worksheet, a header and then rows of
// one repeated cell, unpacks to about unpacked bytes from very little.
func bombXLSX(t testing.TB, unpacked int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := newZip(&buf)
	zw.part(t, "[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	zw.part(t, "_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	zw.part(t, "xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	zw.part(t, "xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	row := strings.Repeat(`<row><c t="inlineStr"><is><t>AAAAAAAA</t></is></c></row>`, 1000)
	zw.part(t, "xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`+
		`<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>手机号</t></is></c></row>`+
		strings.Repeat(row, unpacked/len(row)+1)+`</sheetData></worksheet>`)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A 50 MB one-line CSV and an .xlsx bomb sent to the API are refused at
// once with a reason; the service stays ready and answers reads and
// writes. The same file reaching a job (as an older server might have
// queued it) fails that job with a reason, and it stays failed.
func TestOversizedUploadsLeaveTheServiceUp(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnvOn(t, d)
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		apic := e.mustToken(t, "sh-spec")
		line := append([]byte("姓名,手机号,"), bytes.Repeat([]byte("A"), 50<<20)...)
		for _, c := range []struct {
			file   string
			data   []byte
			zh, en string
		}{
			{"one-line.csv", line, "第 1 行超过 1024 KB", "line 1 is longer than 1024 KB"},
			{"bomb.xlsx", bombXLSX(t, 300<<20), "解压后有 300 MB", "unpacks to 300 MB"},
		} {
			res := apic.upload("/api/v1/members/import", map[string]string{"org": "SH-PD"}, c.file, c.data)
			body := readBody(res)
			if res.StatusCode != http.StatusBadRequest && res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, c.zh) {
				t.Fatalf("%s: %d %s", c.file, res.StatusCode, body)
			}
			if res := apic.get("/readyz"); res.StatusCode != http.StatusOK {
				t.Fatalf("readyz after %s: %d", c.file, res.StatusCode)
			}
			var created map[string]any
			res = apic.json(http.MethodPost, "/api/v1/members", map[string]any{"org": "SH-PD", "name": "测试" + c.file, "mobile": "1390000" + strconv.Itoa(1000+len(c.file))}, &created)
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("a write after %s: %d %v", c.file, res.StatusCode, created)
			}
			// The same file queued as a job fails with the reason.
			id, err := e.srv.Jobs.Enqueue(context.Background(), jobs.New{Kind: web.ImportJob, NodePath: "/1/", FileName: c.file,
				Params: `{"org":"SH-PD","login":"sh-spec"}`, Input: c.data})
			if err != nil {
				t.Fatal(err)
			}
			r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "test", Handlers: e.srv.JobHandlers(), Log: e.srv.Log}
			if ran, err := r.RunOne(context.Background(), []string{web.ImportJob}); !ran || err != nil {
				t.Fatalf("run: %v %v", ran, err)
			}
			if ran, _ := r.RunOne(context.Background(), []string{web.ImportJob}); ran {
				t.Fatal("a failed job ran again")
			}
			j, _ := e.srv.Jobs.Get(context.Background(), id)
			if j.Status != jobs.Failed || !strings.Contains(j.Error, c.en) {
				t.Fatalf("%s job: %s %q", c.file, j.Status, j.Error)
			}
		}
	})
}

type zipWriter struct{ *zip.Writer }

func newZip(w io.Writer) zipWriter { return zipWriter{zip.NewWriter(w)} }

func (z zipWriter) part(t testing.TB, name, body string) {
	t.Helper()
	w, err := z.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, body); err != nil {
		t.Fatal(err)
	}
}

// The admin sets how long job output files are kept; the change is audited.
func TestRetentionSetting(t *testing.T) {
	e := newEnv(t)
	e.mustStaff(t, "root-admin", auth.Admin, "GROUP")
	c := e.mustLogin(t, "root-admin")
	if body := readBody(c.get("/settings")); !strings.Contains(body, `name="retention_days"`) || !strings.Contains(body, `value="7"`) {
		t.Fatalf("settings page:\n%.2000s", body)
	}
	res := c.postForm("/settings", url.Values{"retention_days": {"0"}, "csrf": {c.csrf}})
	if body := readBody(res); res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "1–365") {
		t.Fatalf("0 days: %d\n%.2000s", res.StatusCode, body)
	}
	res = c.postForm("/settings", url.Values{"retention_days": {"30"}, "csrf": {c.csrf}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	if days, err := e.srv.Jobs.RetentionDays(context.Background()); err != nil || days != 30 {
		t.Fatalf("retention %d %v", days, err)
	}
	var n int
	_ = e.d.View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.Count(context.Background(), "SELECT count(*) FROM audit_log WHERE action = 'jobs.retention' AND actor_login = 'root-admin'")
		return err
	})
	if n != 1 {
		t.Fatalf("%d audit entries for the change", n)
	}
}
