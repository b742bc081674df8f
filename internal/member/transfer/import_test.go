package transfer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/member/transfer"
)

func TestImportMessySpreadsheet(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		svc := mustService(t, d)
		s := mustOpen(t, "业主名单.xlsx", messyXLSX(t))
		if s.HeaderRow != 3 || s.Format != "xlsx" || s.Worksheet != "业主名单" {
			t.Fatalf("header row %d, format %s, worksheet %s", s.HeaderRow, s.Format, s.Worksheet)
		}
		if !slices.Equal(s.Ignored, []string{"序号", "备注"}) {
			t.Errorf("ignored columns %v", s.Ignored)
		}
		var calls []int
		rep, err := transfer.Import(staffCtx(), svc, s, transfer.Options{OrgCode: "HZ", Progress: func(done, total int) {
			if total != 10 {
				t.Errorf("progress total %d, want 10 rows", total)
			}
			calls = append(calls, done)
		}})
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, rep, 4, 1)
		if calls[0] != 0 || calls[len(calls)-1] != 10 {
			t.Errorf("progress %v", calls)
		}
		checkMembers(t, svc)
		zs := mustByMobile(t, svc, "13812345678")
		if zs.Birthday.String() != "1985-03-02" || !slices.Equal(zs.Tags, []string{"理财", "高尔夫"}) || zs.Status != member.Pending {
			t.Errorf("张三: %s %v %s", zs.Birthday, zs.Tags, zs.Status)
		}
		ww := mustByMobile(t, svc, "13900001111")
		if ww.Birthday.String() != "1985-03-02" || ww.Channel != member.Purchase {
			t.Errorf("王五 (1985年3月2日, 购房): %s %s", ww.Birthday, ww.Channel)
		}
		ws := mustByMobile(t, svc, "13900005555")
		if ws.Gender != "female" || ws.Birthday.String() != "1949-12-31" || ws.Channel != member.Online {
			t.Errorf("吴十 from the full-width ID: %s %s %s", ws.Gender, ws.Birthday, ws.Channel)
		}
		history := histories(t, svc)

		// The same file again creates nobody and changes no profile.
		rep, err = transfer.Import(staffCtx(), svc, mustOpen(t, "业主名单.xlsx", messyXLSX(t)), transfer.Options{OrgCode: "HZ"})
		if err != nil {
			t.Fatal(err)
		}
		checkReport(t, rep, 0, 5)
		checkMembers(t, svc)
		if again := histories(t, svc); !maps(history, again) {
			t.Errorf("a second import changed profiles: %v → %v", history, again)
		}

		// The error report has the header, the failed rows as they were,
		// the column and reason, and the original row numbers.
		var buf bytes.Buffer
		if err := transfer.WriteErrorReport(&buf, s, rep); err != nil {
			t.Fatal(err)
		}
		rows := mustRows(t, buf.Bytes(), "导入错误")
		wantHead := append(slices.Clone(s.Header), transfer.ErrorColumn, transfer.RowColumn)
		if !slices.Equal(rows[0], wantHead) {
			t.Fatalf("report header %q", rows[0])
		}
		if len(rows) != 1+len(wantFailures) {
			t.Fatalf("report has %d rows", len(rows))
		}
		for i, w := range wantFailures {
			r := rows[i+1]
			if r[len(r)-1] != fmt.Sprint(w.row) || !strings.HasPrefix(r[len(r)-2], w.column+"：") || !strings.Contains(r[len(r)-2], w.contains) {
				t.Errorf("report row %d: %q", i+2, r)
			}
		}
		if r := rows[1]; r[1] != "赵六" || r[3] != "1381234567" || r[9] != "少一位" {
			t.Errorf("the failed row is not as it was: %q", r)
		}
		// Fixed or not, the report imports again: its own columns are ignored.
		again := mustOpen(t, "errors.xlsx", buf.Bytes())
		rep, err = transfer.Import(staffCtx(), svc, again, transfer.Options{OrgCode: "HZ"})
		if err != nil || rep.Failed != len(wantFailures) || rep.Failures[0].Row != 2 {
			t.Fatalf("re-import of the report: %+v %v", rep, err)
		}
	})
}

func checkReport(t *testing.T, rep *transfer.Report, created, merged int) {
	t.Helper()
	if rep.Rows != 10 || rep.Created != created || rep.Merged != merged || rep.Failed != len(wantFailures) {
		t.Errorf("rows %d: created %d merged %d failed %d; want created %d merged %d failed %d",
			rep.Rows, rep.Created, rep.Merged, rep.Failed, created, merged, len(wantFailures))
	}
	if len(rep.Failures) != len(wantFailures) {
		t.Fatalf("failures: %+v", rep.Failures)
	}
	for i, w := range wantFailures {
		f := rep.Failures[i]
		if f.Row != w.row || f.Column != w.column || !strings.Contains(f.ZH, w.contains) || f.EN == "" {
			t.Errorf("failure %d: row %d column %q %q / %q; want row %d column %q (%s)", i, f.Row, f.Column, f.ZH, f.EN, w.row, w.column, w.contains)
		}
	}
}

// checkMembers checks that exactly the valid people exist, once each, at
// their projects.
func checkMembers(t *testing.T, svc *member.Service) {
	t.Helper()
	_, total, err := svc.List(context.Background(), member.Filter{})
	if err != nil || total != len(wantMembers) {
		t.Fatalf("%d members (%v), want %d", total, err, len(wantMembers))
	}
	for mobile, project := range wantMembers {
		if m := mustByMobile(t, svc, mobile); m.NodeCode != project {
			t.Errorf("%s joined at %s, want %s", mobile, m.NodeCode, project)
		}
	}
}

func mustByMobile(t *testing.T, svc *member.Service, mobile string) *member.Member {
	t.Helper()
	m, err := svc.ByMobile(context.Background(), mobile)
	if err != nil {
		t.Fatalf("member %s: %v", mobile, err)
	}
	return m
}

// histories counts each member's profile changes.
func histories(t *testing.T, svc *member.Service) map[string]int {
	t.Helper()
	out := map[string]int{}
	for mobile := range wantMembers {
		h, err := svc.History(context.Background(), mustByMobile(t, svc, mobile).ID)
		if err != nil {
			t.Fatal(err)
		}
		out[mobile] = len(h)
	}
	return out
}

func maps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func mustRows(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// messyCSV is messyRows as text: the project written on every row (text
// has no merged cells), joined by sep.
func messyCSV(sep string) string {
	var b strings.Builder
	for i, r := range messyRows() {
		var cells []string
		for j, c := range r {
			v := fmt.Sprint(c)
			if j == 3 && i == 6 {
				v = "13812345678.0"
			}
			if j == 6 && (i == 4 || i == 5) {
				v = "滨江府"
			}
			if strings.Contains(v, sep) || strings.Contains(v, ",") {
				v = `"` + v + `"`
			}
			cells = append(cells, v)
		}
		b.WriteString(strings.Join(cells, sep) + "\r\n")
	}
	return b.String()
}

func TestImportCSVEncodings(t *testing.T) {
	gb, err := simplifiedchinese.GB18030.NewEncoder().String(messyCSV(","))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, enc string
		data      []byte
	}{
		{"gb18030-comma", "GB18030", []byte(gb)},
		{"utf8-bom-semicolon", "UTF-8 BOM", append([]byte{0xEF, 0xBB, 0xBF}, messyCSV(";")...)},
		{"utf8-tab", "UTF-8", []byte(messyCSV("\t"))},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbtest.Run(t, func(t *testing.T, d *db.DB) {
				svc := mustService(t, d)
				s := mustOpen(t, "业主名单.csv", c.data)
				if s.Format != "csv" || s.Encoding != c.enc || s.HeaderRow != 3 {
					t.Fatalf("format %s encoding %s header row %d", s.Format, s.Encoding, s.HeaderRow)
				}
				rep, err := transfer.Import(staffCtx(), svc, s, transfer.Options{OrgCode: "HZ"})
				if err != nil {
					t.Fatal(err)
				}
				checkReport(t, rep, 4, 1)
				checkMembers(t, svc)
				rep, err = transfer.Import(staffCtx(), svc, s, transfer.Options{OrgCode: "HZ"})
				if err != nil {
					t.Fatal(err)
				}
				checkReport(t, rep, 0, 5)
			})
		})
	}
}

// An import stopped after its first batch (a crash, a kill, a cancelled
// request) loses nothing, and running it again completes it with every
// person imported exactly once.
func TestImportInterruptedThenRerun(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		svc := mustService(t, d)
		data := messyXLSX(t)
		ctx, cancel := context.WithCancel(staffCtx())
		defer cancel()
		rep, err := transfer.Import(ctx, svc, mustOpen(t, "a.xlsx", data), transfer.Options{OrgCode: "HZ", BatchSize: 2,
			Progress: func(done, _ int) {
				if done > 0 {
					cancel()
				}
			}})
		// The batches under way when it stopped are finished: the first,
		// and on PostgreSQL perhaps the one written beside it.
		if !errors.Is(err, context.Canceled) || rep == nil || rep.Created < 2 || rep.Created > 4 {
			t.Fatalf("interrupted import: %+v %v", rep, err)
		}
		if _, total, _ := svc.List(context.Background(), member.Filter{}); total != rep.Created {
			t.Fatalf("%d members after an import that reported %d", total, rep.Created)
		}
		// The re-run, in the background as the console runs it.
		job := transfer.Start(staffCtx(), svc, mustOpen(t, "a.xlsx", data), transfer.Options{OrgCode: "HZ", BatchSize: 2})
		rep2, err := job.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if st := job.Status(); !st.Finished || st.Done != 10 || st.Total != 10 {
			t.Errorf("job status %+v", st)
		}
		// Every valid row the re-run did not create merged into a member.
		if rep.Created+rep2.Created != len(wantMembers) || rep2.Merged != 10-len(wantFailures)-rep2.Created || rep2.Failed != len(wantFailures) {
			t.Errorf("re-run: created %d+%d, merged %d, failed %d", rep.Created, rep2.Created, rep2.Merged, rep2.Failed)
		}
		checkMembers(t, svc)
	})
}

func TestImportFatalErrors(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		svc := mustService(t, d)
		s := mustOpen(t, "a.xlsx", messyXLSX(t))
		if _, err := transfer.Import(staffCtx(), svc, s, transfer.Options{OrgCode: "NOWHERE"}); err == nil {
			t.Error("an unknown org imported")
		}
		if _, total, _ := svc.List(context.Background(), member.Filter{}); total != 0 {
			t.Errorf("%d members after a fatal error", total)
		}
	})
}
