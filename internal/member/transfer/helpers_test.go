package transfer_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/member/transfer"
	"estateclub/internal/org"
	"estateclub/internal/testfix"
)

// mustService is a member service over testfix's tree, where the city HZ
// also has the projects the owners' lists name: BJF (滨江府) and XH (西湖).
func mustService(t *testing.T, d *db.DB) *member.Service {
	t.Helper()
	e := testfix.New(t, d)
	e.AddNodes(t, org.NewNode{ParentCode: "HZ", Kind: org.Project, Code: "BJF", Name: "滨江府"},
		org.NewNode{ParentCode: "HZ", Kind: org.Project, Code: "XH", Name: "西湖"})
	return e.Members
}

func staffCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "tester"})
}

func mustOpen(t *testing.T, name string, data []byte) *transfer.Sheet {
	t.Helper()
	s, err := transfer.Open(name, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// birthdaySerial is 1985-03-02 as a spreadsheet date serial.
var birthdaySerial = int(time.Date(1985, 3, 2, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24)

// messyRows is the owners' list the way a sales office keeps it. nil is a
// blank row. Columns: 序号 客户姓名 性别 手机号码 身份证号 出生日期 所属项目 兴趣爱好 入会渠道 备注.
func messyRows() [][]any {
	return [][]any{
		{"2025年滨江府业主名单"},
		nil,
		{"序号", "客户姓名", "性别", "手机号码", "身份证号", "出生日期", "所属项目", "兴趣爱好", "入会渠道", "备注"},
		{1, "张三", "男", 13812345678, "", birthdaySerial, "滨江府", "高尔夫、理财", "销售现场", ""},     // 4: number, date serial
		{2, "李四", "女", "13812345679.0", "", "1985/3/2", "", "亲子", "案场", ""},              // 5: float text; project merged from row 4
		{3, "王五", "", "１３９００００１１１１", "", "1985年3月2日", "", "", "购房", "老业主"},               // 6: full-width digits
		{4, "张三", "男", 13812345678.0, "", birthdaySerial, "BJF", "高尔夫、理财", "销售现场", "重复"}, // 7: duplicate of row 4
		nil,
		{5, "赵六", "男", "1381234567", "", "", "滨江府", "", "", "少一位"},                   // 9: bad mobile
		{6, "钱七", "女", 13900002222, "110105194912310021", "", "滨江府", "", "", ""},     // 10: bad check digit
		{7, "孙八", "男", 13900003333, "", "1985-02-30", "滨江府", "", "", ""},             // 11: no such date
		{8, "周九", "女", 13900004444, "", "", "不存在的项目", "", "", ""},                    // 12: unknown project
		{9, "吴十", "", "13900005555", "１１０１０５１９４９１２３１００２ｘ", "", "西湖", "", "网上入会", ""}, // 13: full-width ID
		{10, "郑十一", "男", 13900006666, "", "", "SH-PD", "", "", "其他城市"},               // 14: project outside HZ
	}
}

// wantFailures are the rows of messyRows that fail: row, column, a word of the reason.
var wantFailures = []struct {
	row      int
	column   string
	contains string
}{
	{9, "手机号码", "11 位"},
	{10, "身份证号", "校验位"},
	{11, "出生日期", "2 月只有 28 天"},
	{12, "所属项目", "不存在的项目"},
	{14, "所属项目", "SH-PD"},
}

// The valid people of messyRows: mobile → project, and how many there are.
var wantMembers = map[string]string{"13812345678": "BJF", "13812345679": "BJF", "13900001111": "BJF", "13900005555": "XH"}

// messyXLSX writes messyRows as a workbook: the title merged across the
// columns, mobiles stored as numbers, the birthday column's serials styled
// as dates and the project of rows 4–6 in one merged cell.
func messyXLSX(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sh = "业主名单"
	if err := f.SetSheetName("Sheet1", sh); err != nil {
		t.Fatal(err)
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range messyRows() {
		if r == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
		if i >= 3 {
			if _, isSerial := r[5].(int); isSerial {
				_ = f.SetCellStyle(sh, "F"+strconv.Itoa(i+1), "F"+strconv.Itoa(i+1), dateStyle)
			}
		}
	}
	must(t, f.MergeCell(sh, "A1", "J1"))
	must(t, f.MergeCell(sh, "G4", "G6"))
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
