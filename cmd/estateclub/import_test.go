package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// writeMessyWorkbook writes an owners' list as offices keep them: a merged
// title row, a blank row, the header on row 3, a mobile stored as a
// number, a date serial, a merged project cell, a duplicate and two bad
// rows (a short mobile on row 7, an unknown project on row 8).
func writeMessyWorkbook(t *testing.T, path string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"2025年滨江府业主名单"},
		nil,
		{"序号", "客户姓名", "手机号码", "出生日期", "所属项目", "兴趣"},
		{1, "张三", 13812345678, 31108, "滨江府", "高尔夫"},
		{2, "李四", "13812345679.0", "1985年3月2日", "", "亲子"},
		{3, "张三", 13812345678.0, "1985/3/2", "BJF", "高尔夫"},
		{4, "赵六", "1381234567", "", "BJF", ""},
		{5, "周九", "１３９００００４４４４", "", "不存在", ""},
		{6, "王五", "13900001111", "", "BJF", ""},
	}
	for i, r := range rows {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.MergeCell("Sheet1", "A1", "F1"); err != nil {
		t.Fatal(err)
	}
	if err := f.MergeCell("Sheet1", "E4", "E5"); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func lastLines(out string, n int) []string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return lines[max(0, len(lines)-n):]
}

func TestImportMembersCommand(t *testing.T) {
	dir := t.TempDir()
	mustCLI(t, "", "org", "add", "--data-dir", dir, "--parent", "GROUP", "--kind", "region", "--code", "EAST", "--name", "华东")
	mustCLI(t, "", "org", "add", "--data-dir", dir, "--parent", "EAST", "--kind", "city", "--code", "HZ", "--name", "杭州公司")
	mustCLI(t, "", "org", "add", "--data-dir", dir, "--parent", "HZ", "--kind", "project", "--code", "BJF", "--name", "滨江府")
	file := filepath.Join(dir, "业主名单.xlsx")
	writeMessyWorkbook(t, file)
	report := filepath.Join(dir, "业主名单.errors.xlsx")

	out, errs, code := cli(t, "", "import", "members", file, "--org", "HZ", "--batch", "2", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errs)
	}
	if got := lastLines(out, 2); got[0] != "error report: "+report || got[1] != "imported 3, merged 1, conflicts 0, failed 2" {
		t.Fatalf("import output:\n%s", out)
	}
	if !strings.Contains(errs, "importing 业主名单.xlsx: 6/6 rows (100%)") {
		t.Errorf("no progress on stderr:\n%s", errs)
	}
	f, err := excelize.OpenFile(report)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("导入错误")
	f.Close()
	if len(rows) != 3 || rows[1][1] != "赵六" || !strings.HasPrefix(rows[1][6], "手机号码：") || rows[1][7] != "7" ||
		!strings.HasPrefix(rows[2][6], "所属项目：") || rows[2][7] != "8" {
		t.Errorf("error report: %q", rows)
	}

	// The same file again: nobody new, the same two failures.
	out = mustCLI(t, "", "import", "members", file, "--org", "HZ", "--data-dir", dir)
	if got := lastLines(out, 1)[0]; got != "imported 0, merged 4, conflicts 0, failed 2" {
		t.Errorf("second import: %s", out)
	}

	// A list that gives 张三's mobile to 李雷 changes nobody: the row is a
	// conflict, counted and reported with both names masked.
	fix := filepath.Join(dir, "更正.csv")
	if err := os.WriteFile(fix, []byte("客户姓名,手机号码,所属项目\n李雷,13812345678,BJF\n王五,13900001111,BJF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = mustCLI(t, "", "import", "members", fix, "--org", "HZ", "--data-dir", dir)
	if got := lastLines(out, 2); got[0] != "error report: "+filepath.Join(dir, "更正.errors.xlsx") || got[1] != "imported 0, merged 1, conflicts 1, failed 0" {
		t.Errorf("conflicting import: %s", out)
	}
	f, err = excelize.OpenFile(filepath.Join(dir, "更正.errors.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = f.GetRows("导入错误")
	f.Close()
	if len(rows) != 2 || rows[1][4] != "2" || !strings.Contains(rows[1][3], "客户姓名：会员为“张*”，本行为“李*”") {
		t.Errorf("conflict report: %q", rows)
	}
	if out := mustCLI(t, "", "export", "members", filepath.Join(dir, "x.xlsx"), "--q", "李雷", "--data-dir", dir); out != "exported 0 members to "+filepath.Join(dir, "x.xlsx")+"\n" {
		t.Errorf("the conflicting row renamed 张三: %q", out)
	}

	// Fatal errors exit non-zero.
	if _, errs, code := cli(t, "", "import", "members", file, "--org", "NOWHERE", "--data-dir", dir); code == 0 || !strings.Contains(errs, "NOWHERE") {
		t.Errorf("unknown org: exit %d, %s", code, errs)
	}
	if _, _, code := cli(t, "", "import", "members", filepath.Join(dir, "missing.xlsx"), "--org", "HZ", "--data-dir", dir); code == 0 {
		t.Error("a missing file imported")
	}

	// The export is masked: no full mobile in any part of the file.
	export := filepath.Join(dir, "members.xlsx")
	if out := mustCLI(t, "", "export", "members", export, "--org", "HZ", "--data-dir", dir); out != "exported 3 members to "+export+"\n" {
		t.Errorf("export: %q", out)
	}
	data, err := os.ReadFile(export)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		rc, _ := zf.Open()
		part, _ := io.ReadAll(rc)
		rc.Close()
		for _, mobile := range []string{"13812345678", "13812345679", "13900001111"} {
			if bytes.Contains(part, []byte(mobile)) {
				t.Errorf("%s of the export holds %s", zf.Name, mobile)
			}
		}
	}
	if out := mustCLI(t, "", "export", "members", export, "--q", "李四", "--data-dir", dir); out != "exported 1 members to "+export+"\n" {
		t.Errorf("filtered export: %q", out)
	}
}
