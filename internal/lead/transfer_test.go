package lead_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/lead"
)

// sheet builds an .xlsx from rows of cells.
func sheet(t *testing.T, rows [][]any) []byte {
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
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var importRows = [][]any{
	{"项目", "来源", "登记日期", "姓氏", "性别", "手机号码", "认知媒体", "意向级别", "丢失原因", "置业顾问"},
	{"SH-PD", "来人", "2025-03-09", "张", "男", 13911110001, "网络", "C", "", "wang"},
	{"浦东项目", "来电", "2025/3/9", "李", "女", "1391111", "网络", "C", "", "wang"},
	{"SH-PD", "来人", "", "王", "男", "13911110003", "网络", "无意向", "", "li"},
	{"SH-PD", "来人", "", "赵", "", "13911110004", "网络", "B", "", "nobody"},
	{},
	{"SH-PD", "来电", "", "钱", "男", "139-1111-0001", "网络", "C", "", "li"},
	{"SH-PD", "来人", "", "孙", "女", "13911110008", "电视", "C", "", "li"},
}

func TestImportReportsRowAndColumn(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		data := sheet(t, importRows)
		wantErrs := []lead.RowError{{Row: 3, Column: "手机号码"}, {Row: 4, Column: "丢失原因"}, {Row: 5, Column: "置业顾问"}, {Row: 8, Column: "认知媒体"}}
		check := func(rep *lead.ImportReport) {
			t.Helper()
			if len(rep.Errors) != len(wantErrs) {
				t.Fatalf("errors = %+v", rep.Errors)
			}
			for i, e := range rep.Errors {
				if e.Row != wantErrs[i].Row || e.Column != wantErrs[i].Column || e.ZH == "" || e.EN == "" {
					t.Errorf("error %d = %+v, want row %d column %s", i, e, wantErrs[i].Row, wantErrs[i].Column)
				}
			}
			if rep.Rows != 6 {
				t.Errorf("rows = %d, want 6 (the blank one skipped)", rep.Rows)
			}
		}
		// All or nothing: four wrong rows, nothing imported.
		rep, err := f.svc.Import(f.as("admin"), bytes.NewReader(data), lead.ImportOptions{AllOrNothing: true})
		if err != nil {
			t.Fatal(err)
		}
		check(rep)
		if rep.Imported || rep.Created != 0 || f.Count(t, "SELECT count(*) FROM leads") != 0 || f.Count(t, "SELECT count(*) FROM lead_history") != 0 {
			t.Fatalf("all-or-nothing wrote something: %+v", rep)
		}
		// Row by row: the good row goes in, the repeated mobile is a duplicate.
		rep, err = f.svc.Import(f.as("admin"), bytes.NewReader(data), lead.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		check(rep)
		if !rep.Imported || rep.Created != 1 || !slices.Equal(rep.Duplicates, []int{7}) {
			t.Fatalf("report = %+v", rep)
		}
		list, total, err := f.svc.List(context.Background(), lead.Filter{})
		if err != nil || total != 1 {
			t.Fatalf("leads = %d, %v", total, err)
		}
		l := list[0]
		if l.Surname != "张" || l.OwnerName != "王芳" || l.Mobile != "139****0001" || l.MemberID == nil {
			t.Errorf("imported lead = %+v", l)
		}
		if n := f.Count(t, "SELECT count(*) FROM lead_contacts WHERE lead_id = ? AND kind = 'visit' AND day = ?", l.ID, db.DateOf(2025, 3, 9)); n != 1 {
			t.Errorf("the sheet's visit on 2025-03-09 was not recorded (%d)", n)
		}
	})
}

func TestExportRoundTrip(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.mustRegister(t, "wang", lead.Registration{Mobile: "13922220001", Surname: "周", Gender: "女", Media: "网络"})
		b := f.mustRegister(t, "li", lead.Registration{Mobile: "13922220002", Name: "吴用", Gender: "男", Media: "报纸", Source: lead.Call})
		if _, err := f.svc.ChangeStatus(f.as("li"), b.ID, lead.B, lead.Update{}); err != nil {
			t.Fatal(err)
		}
		f.mustRegister(t, "zhou", lead.Registration{ProjectCode: "SH-XH", Mobile: "13922220003", Surname: "郑", Media: "路过"})
		var masked, clear bytes.Buffer
		if n, err := f.svc.Export(f.as("chen"), &masked, lead.Filter{Within: []string{"/1/"}}, lead.ExportOptions{}); err != nil || n != 3 {
			t.Fatalf("export = %d, %v", n, err)
		}
		if strings.Contains(cellsOf(t, masked.Bytes()), "13922220001") {
			t.Error("a masked export holds a mobile in clear")
		}
		if _, err := f.svc.Export(f.as("chen"), &clear, lead.Filter{Within: []string{"/1/"}}, lead.ExportOptions{Reveal: true}); err != nil {
			t.Fatal(err)
		}
		if n := f.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'lead.export'"); n != 2 {
			t.Errorf("export audit entries = %d", n)
		}
		// Into a fresh database with the same org and staff: the same leads.
		g := mustFixture(t, dbtest.Open(t, d.Dialect()))
		rep, err := g.svc.Import(g.as("admin"), bytes.NewReader(clear.Bytes()), lead.ImportOptions{AllOrNothing: true})
		if err != nil || !rep.Imported || rep.Created != 3 || len(rep.Errors) != 0 {
			t.Fatalf("re-import = %+v, %v", rep, err)
		}
		before, _, _ := f.svc.List(context.Background(), lead.Filter{})
		after, _, _ := g.svc.List(context.Background(), lead.Filter{})
		key := func(l lead.Lead) string {
			return strings.Join([]string{l.ProjectCode, l.Mobile, l.Surname, l.Name, l.Gender, l.Media, string(l.Status), l.OwnerName, l.NextAction, l.NextDue.String()}, "|")
		}
		var bk, ak []string
		for _, l := range before {
			bk = append(bk, key(l))
		}
		for _, l := range after {
			ak = append(ak, key(l))
		}
		slices.Sort(bk)
		slices.Sort(ak)
		if !slices.Equal(bk, ak) {
			t.Errorf("round trip:\n before %v\n after  %v", bk, ak)
		}
		// The masked export does not import: every row's mobile is refused.
		rep, err = g.svc.Import(g.as("admin"), bytes.NewReader(masked.Bytes()), lead.ImportOptions{})
		if err != nil || rep.Created != 0 || len(rep.Errors) != 3 || rep.Errors[0].Column != "手机号码" {
			t.Errorf("masked import = %+v, %v", rep, err)
		}
	})
}

func cellsOf(t *testing.T, data []byte) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	return b.String()
}
