package transfer_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/member/transfer"
)

func TestTransferHeaderAliases(t *testing.T) {
	for header, want := range map[string]transfer.Field{
		"手机": transfer.Mobile, "手机号": transfer.Mobile, "手机号码": transfer.Mobile, "联系电话": transfer.Mobile,
		"＊手机号码（必填）": transfer.Mobile, "Mobile Phone": transfer.Mobile, "TEL": transfer.Mobile,
		"身份证": transfer.IDNumber, "身份证号": transfer.IDNumber, "证件号码": transfer.IDNumber, "ID Number": transfer.IDNumber,
		"生日": transfer.Birthday, "出生日期": transfer.Birthday, "Date of Birth": transfer.Birthday,
		"渠道": transfer.Channel, "入会渠道": transfer.Channel, "来源": transfer.Channel,
		"项目": transfer.Project, "所属项目": transfer.Project, "入会项目": transfer.Project,
		"兴趣": transfer.Tags, "兴趣爱好": transfer.Tags, "标签": transfer.Tags,
		"客户姓名": transfer.Name, "姓 名": transfer.Name, "E-mail": transfer.Email, "电子邮箱": transfer.Email,
		"微信": transfer.WeChat, "通讯地址": transfer.Address, "性别": transfer.Gender, "职业": transfer.Occupation,
	} {
		t.Run(header, func(t *testing.T) {
			line := header + ",手机号码" // a header needs a mobile column
			if want == transfer.Mobile {
				line = header
			}
			s, err := transfer.Open("x.csv", strings.NewReader(line+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if i, ok := s.Columns[want]; !ok || i != 0 {
				t.Errorf("%q: columns %v, want %s in column 0", header, s.Columns, want)
			}
		})
	}
}

func TestTransferHeaderPrefersTheMobileColumn(t *testing.T) {
	s, err := transfer.Open("x.csv", strings.NewReader("姓名,电话,手机\n张三,0571-88888888,13812345678\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Columns[transfer.Mobile] != 2 || !slices.Equal(s.Ignored, []string{"电话"}) {
		t.Errorf("columns %v, ignored %v", s.Columns, s.Ignored)
	}
}

func TestTransferOpenRejects(t *testing.T) {
	for name, data := range map[string]string{
		"no-mobile.csv": "姓名,性别\n张三,男\n",
		"old.xls":       "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest",
		"broken.xlsx":   "not a zip",
	} {
		if _, err := transfer.Open(name, strings.NewReader(data)); err == nil {
			t.Errorf("%s opened", name)
		}
	}
}

func TestTransferTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := transfer.Template(&buf); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, "template.xlsx", buf.Bytes())
	if s.Worksheet != transfer.TemplateSheet || s.HeaderRow != 1 || len(s.Ignored) != 0 {
		t.Fatalf("template: worksheet %s, header row %d, ignored %v", s.Worksheet, s.HeaderRow, s.Ignored)
	}
	for i, f := range transfer.Fields {
		if s.Columns[f] != i || s.Header[i] != f.Header("zh") {
			t.Errorf("column %d: %q, want %s", i, s.Header[i], f)
		}
	}
	if n, _ := s.Count(); n != 1 {
		t.Errorf("%d example rows", n)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	help, err := f.GetRows("说明")
	if err != nil || len(help) < len(transfer.Fields)+1 || !strings.Contains(help[2][0], "手机号码") {
		t.Errorf("说明 sheet: %q %v", help, err)
	}
}
