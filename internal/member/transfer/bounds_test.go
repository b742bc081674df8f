package transfer_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/member/transfer"
)

// bombXLSX is a valid workbook whose worksheet, a header and then rows of
// one repeated cell, unpacks to about unpacked bytes from very little.
func bombXLSX(t testing.TB, unpacked int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	part := func(name, body string) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	part("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`)
	part("_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	part("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	part("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c><c r="B1" t="inlineStr"><is><t>手机号</t></is></c></row>`))
	row := []byte(strings.Repeat(`<row><c t="inlineStr"><is><t>AAAAAAAA</t></is></c></row>`, 1000))
	for n := 0; n < unpacked; n += len(row) {
		if _, err := w.Write(row); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = w.Write([]byte(`</sheetData></worksheet>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A workbook that unpacks to hundreds of megabytes from a few hundred
// kilobytes is refused from its zip directory, with a reason.
func TestXLSXBombIsRefused(t *testing.T) {
	bomb := bombXLSX(t, 300<<20)
	if len(bomb) > 2<<20 {
		t.Fatalf("the bomb is %d bytes; it should be small", len(bomb))
	}
	_, err := transfer.Open("bomb.xlsx", bytes.NewReader(bomb))
	e := apperr.As(err)
	if e.Code != apperr.Invalid || !strings.Contains(e.ZH, "解压后") || !strings.Contains(e.EN, "unpacks to 300 MB") {
		t.Fatalf("bomb: %v", err)
	}
	// Below the ratio, a sheet of the same shape still opens.
	small := bombXLSX(t, 1<<20)
	s, err := transfer.Open("small.xlsx", bytes.NewReader(small))
	if err != nil {
		t.Fatalf("small workbook: %v", err)
	}
	s.Close()
}

// A text file that is one 50 MB line is refused at its first line, and
// a cell longer than Excel allows is refused naming its row and column.
func TestCSVLineAndCellBounds(t *testing.T) {
	line := append([]byte("姓名,手机号,"), bytes.Repeat([]byte("A"), 50<<20)...)
	_, err := transfer.Open("big.csv", bytes.NewReader(line))
	e := apperr.As(err)
	if e.Code != apperr.Invalid || !strings.Contains(e.ZH, "第 1 行超过 1024 KB") || !strings.Contains(e.EN, "line 1 is longer") {
		t.Fatalf("one-line file: %v", err)
	}

	long := "姓名,手机号\n张三,13800138000\n李四,\"" + strings.Repeat("x", transfer.MaxCellChars+1) + "\"\n"
	e = apperr.As(openAndRead("cell.csv", long))
	if e.Code != apperr.Invalid || !strings.Contains(e.ZH, "第 3 行 B 列") || !strings.Contains(e.EN, "row 3 column B") {
		t.Fatalf("long cell: %v", e)
	}

	// A long row after a quoted cell spanning lines names the right line.
	multi := "姓名,手机号,备注\n张三,13800138000,\"两行\n备注\"\n李四,13900139000," + strings.Repeat("y", 2<<20) + "\n"
	if e := apperr.As(openAndRead("multi.csv", multi)); e.Code != apperr.Invalid || !strings.Contains(e.EN, "line 4 is longer") {
		t.Fatalf("long row after a multi-line cell: %v", e)
	}
}

// openAndRead opens a file and reads every row.
func openAndRead(name, data string) error {
	s, err := transfer.Open(name, strings.NewReader(data))
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Each(func(transfer.Row) error { return nil })
}
