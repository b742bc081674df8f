package calendar

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
)

// The bounds of an uploaded calendar sheet: its size as uploaded and
// unpacked, and its rows (a year has at most 366 days).
const (
	MaxSheetSize = 1 << 20
	maxUnpacked  = 16 << 20
	MaxSheetRows = 2000
)

// sheetHeaders are the column headers a sheet may use, lower-cased.
var sheetHeaders = map[string][]string{
	"date": {"日期", "date"},
	"kind": {"类型", "kind", "type"},
	"name": {"名称", "name", "节日", "说明"},
}

var columnWords = map[string][2]string{"date": {"日期", "date"}, "kind": {"类型", "kind"}, "name": {"名称", "name"}}

// ImportSheet reads an .xlsx of exceptions (the columns 日期, 类型, 名称, as
// the download has them, under a header row) and adds or changes them
// all, or none if any row is wrong: the error names the row and column.
// It returns how many days the sheet holds.
func (s *Service) ImportSheet(ctx context.Context, data []byte) (int, error) {
	days, where, err := readSheet(data)
	if err != nil {
		return 0, err
	}
	if err := s.setDays(ctx, days, where); err != nil {
		return 0, err
	}
	return len(days), nil
}

// readSheet reads the days of the first worksheet, and where each came from.
func readSheet(data []byte) ([]Day, place, error) {
	if len(data) > MaxSheetSize {
		return nil, nil, apperr.Field("file", fmt.Sprintf("文件超过 %d KB", MaxSheetSize>>10), fmt.Sprintf("the file is over %d KB", MaxSheetSize>>10))
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnpacked, UnzipXMLSizeLimit: maxUnpacked})
	if err != nil {
		return nil, nil, apperr.Field("file", "无法读取该文件：请上传 .xlsx 工作簿", "the file cannot be read: upload an .xlsx workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, nil, apperr.Field("file", "工作簿中没有工作表", "the workbook has no worksheet")
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, nil, apperr.Field("file", "无法读取第一个工作表", "the first worksheet cannot be read")
	}
	var cols map[string]int
	var days []Day
	var lines []int // the sheet's row number of each day
	for i, cells := range rows {
		if cols == nil {
			if i >= 10 {
				break
			}
			cols = headerOf(cells)
			continue
		}
		cell := func(name string) string {
			if j := cols[name]; j < len(cells) {
				return strings.TrimSpace(cells[j])
			}
			return ""
		}
		if cell("date") == "" && cell("kind") == "" && cell("name") == "" {
			continue
		}
		if len(days) == MaxSheetRows {
			return nil, nil, apperr.Field("file", fmt.Sprintf("一次最多导入 %d 行", MaxSheetRows), fmt.Sprintf("a sheet may hold at most %d rows", MaxSheetRows))
		}
		days = append(days, Day{Date: sheetDate(f, cell("date")), Kind: Kind(cell("kind")), Name: cell("name")})
		lines = append(lines, i+1)
	}
	if cols == nil {
		return nil, nil, apperr.Field("file", "没有找到表头：第一个工作表须有“日期”“类型”“名称”三列", "no header row found: the first worksheet needs the columns 日期 (date), 类型 (kind) and 名称 (name)")
	}
	if len(days) == 0 {
		return nil, nil, apperr.Field("file", "表中没有日期", "the sheet holds no days")
	}
	where := func(i int, field string) (string, string) {
		col, _ := excelize.ColumnNumberToName(cols[field] + 1)
		w := columnWords[field]
		return fmt.Sprintf("第 %d 行 %s 列（%s）：", lines[i], col, w[0]), fmt.Sprintf("row %d, column %s (%s): ", lines[i], col, w[1])
	}
	return days, where, nil
}

// headerOf finds the three columns in a row, or nil if one is missing.
func headerOf(cells []string) map[string]int {
	cols := map[string]int{}
	for j, c := range cells {
		c = strings.ToLower(strings.TrimSpace(c))
		for name, words := range sheetHeaders {
			for _, w := range words {
				if _, done := cols[name]; !done && c == w {
					cols[name] = j
				}
			}
		}
	}
	if len(cols) < len(sheetHeaders) {
		return nil
	}
	return cols
}

// sheetDate reads a date cell: an Excel date (a serial number) or text
// such as 2026-10-01, 2026/10/1 or 2026年10月1日, as 'YYYY-MM-DD'; anything
// else is returned as it is, for the check to refuse with its place.
func sheetDate(f *excelize.File, v string) string {
	if n, err := strconv.ParseFloat(v, 64); err == nil && n > 0 && n < 2958466 {
		date1904 := false
		if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
			date1904 = *p.Date1904
		}
		if t, err := excelize.ExcelDateToTime(n, date1904); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	for _, layout := range []string{"2006-1-2", "2006/1/2", "2006.1.2", "2006年1月2日"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.Format(time.DateOnly)
		}
	}
	return v
}

// Sheet is the exceptions of a year as an .xlsx, in the columns
// ImportSheet reads (headers and kinds in English if en).
func (s *Service) Sheet(ctx context.Context, year int, en bool) ([]byte, error) {
	days, err := s.Days(ctx, year)
	if err != nil {
		return nil, err
	}
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	head := []any{"日期", "类型", "名称", "星期"}
	if en {
		head = []any{"date", "kind", "name", "weekday"}
	}
	if err := f.SetSheetRow(sh, "A1", &head); err != nil {
		return nil, err
	}
	for i, d := range days {
		n, _ := parseDate(d.Date)
		zh, _ := KindWords(d.Kind)
		row := []any{d.Date, zh, d.Name, weekdayZH[n.weekday()]}
		if en {
			row = []any{d.Date, string(d.Kind), d.Name, n.weekday().String()}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			return nil, err
		}
	}
	_ = f.SetColWidth(sh, "A", "A", 14)
	_ = f.SetColWidth(sh, "B", "B", 12)
	_ = f.SetColWidth(sh, "C", "C", 20)
	_ = f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
