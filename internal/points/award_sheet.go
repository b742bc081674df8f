package points

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
)

// sheetColumns are the headers ReadAwardSheet recognises, lower-cased.
var sheetColumns = map[string][]string{
	"member_id":   {"会员id", "会员 id", "member_id", "member id"},
	"member_no":   {"会员编号", "会员号", "member_no", "member no", "member number"},
	"ref":         {"关联编号", "活动编号", "合同编号", "编号", "ref"},
	"occurred_at": {"日期", "时间", "发生时间", "活动日期", "occurred_at", "date"},
}

// ReadAwardSheet reads the rows of a batch award from an .xlsx workbook:
// the first worksheet with a header row (within its first 20 rows) naming
// 会员编号 or 会员ID, and optionally 关联编号 and 日期. Dates are China
// calendar days or times, as Excel dates or text (2025-03-10 14:30).
// Blank rows are skipped; a cell that cannot be read fails the upload
// with its row number.
func ReadAwardSheet(r io.Reader) ([]BatchRow, error) {
	data, err := io.ReadAll(io.LimitReader(r, 50<<20+1))
	if err != nil {
		return nil, err
	}
	if len(data) > 50<<20 {
		return nil, apperr.Field("file", "文件超过 50 MB", "the file is larger than 50 MB")
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 1 << 30})
	if err != nil {
		return nil, apperr.Field("file", "无法读取该 .xlsx 工作簿："+err.Error(), "cannot read the .xlsx workbook: "+err.Error())
	}
	defer f.Close()
	for _, sheet := range f.GetSheetList() {
		rows, found, err := readSheet(f, sheet)
		if err != nil || found {
			return rows, err
		}
	}
	return nil, apperr.Field("file", "没有找到表头：须有“会员编号”或“会员ID”一列", "no header found: a 会员编号 (member number) or 会员ID column is needed")
}

// readSheet reads one worksheet; found reports whether it has a header.
func readSheet(f *excelize.File, sheet string) (out []BatchRow, found bool, err error) {
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	var cols map[string]int
	for line := 1; it.Next(); line++ {
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, false, fmt.Errorf("row %d: %w", line, err)
		}
		if cols == nil {
			if line > 20 {
				return nil, false, nil
			}
			cols = headerOf(cells)
			continue
		}
		cell := func(name string) string {
			if i, ok := cols[name]; ok && i < len(cells) {
				return strings.TrimSpace(cells[i])
			}
			return ""
		}
		row := BatchRow{Line: line, MemberNo: cell("member_no"), Ref: cell("ref")}
		if row.MemberNo == "" && cell("member_id") == "" {
			continue // blank
		}
		if s := cell("member_id"); s != "" {
			if row.MemberID, err = strconv.ParseInt(strings.TrimSuffix(s, ".0"), 10, 64); err != nil || row.MemberID <= 0 {
				return nil, true, sheetErr(line, "会员ID不是正整数："+s, "the member id is not a whole number: "+s)
			}
		}
		if s := cell("occurred_at"); s != "" {
			if row.OccurredAt, err = sheetTime(s); err != nil {
				return nil, true, sheetErr(line, "无法识别的日期："+s, "cannot read the date: "+s)
			}
		}
		if len(out) == MaxBatchRows {
			return nil, true, apperr.Field("file", fmt.Sprintf("每批最多 %d 行", MaxBatchRows), fmt.Sprintf("a batch has at most %d rows", MaxBatchRows))
		}
		out = append(out, row)
	}
	if err := it.Error(); err != nil {
		return nil, false, err
	}
	return out, cols != nil, nil
}

// headerOf maps the recognised headers of a row to their columns; nil
// unless it names the member.
func headerOf(cells []string) map[string]int {
	cols := map[string]int{}
	for i, c := range cells {
		c = strings.ToLower(strings.TrimSpace(c))
		for name, heads := range sheetColumns {
			for _, h := range heads {
				if _, taken := cols[name]; c == h && !taken {
					cols[name] = i
				}
			}
		}
	}
	_, id := cols["member_id"]
	_, no := cols["member_no"]
	if !id && !no {
		return nil
	}
	return cols
}

// sheetTime reads an Excel date serial or a date written as text, in
// China time.
func sheetTime(s string) (time.Time, error) {
	if serial, err := strconv.ParseFloat(s, 64); err == nil {
		t, err := excelize.ExcelDateToTime(serial, false)
		if err != nil {
			return time.Time{}, err
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, clubZone), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006/1/2 15:04", "2006/1/2"} {
		if t, err := time.ParseInLocation(layout, s, clubZone); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

func sheetErr(line int, zh, en string) error {
	return apperr.Field("file", fmt.Sprintf("第 %d 行：%s", line, zh), fmt.Sprintf("row %d: %s", line, en))
}
