package transfer

import (
	"cmp"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/member"
	"estateclub/internal/validate"
)

// ErrorColumn and RowColumn are the columns the error report adds to the
// sheet's own. A fixed report imports again as it is: these two headers
// name no field, so they are ignored.
const (
	ErrorColumn = "错误原因 (Error)"
	RowColumn   = "原表行号 (Row)"
)

// serial is a date cell read raw: days since 1899-12-30.
var serial = regexp.MustCompile(`^[0-9]{1,5}(\.[0-9]+)?$`)

// conflict records a row that disagreed with the member who has its
// mobile: which fields, the member's value and the row's (names and ID
// numbers masked).
func (rep *Report) conflict(s *Sheet, r Row, diffs []member.Diff) {
	zh := make([]string, len(diffs))
	en := make([]string, len(diffs))
	for i, d := range diffs {
		f := Field(d.Field)
		zh[i] = fmt.Sprintf("%s：会员为“%s”，本行为“%s”", s.header(f), conflictValue(d.Field, d.Old, "zh"), conflictValue(d.Field, d.New, "zh"))
		en[i] = fmt.Sprintf("%s: member “%s”, this row “%s”", f.Header("en"), conflictValue(d.Field, d.Old, "en"), conflictValue(d.Field, d.New, "en"))
	}
	rep.Conflicted++
	rep.Conflicts = append(rep.Conflicts, RowError{Row: r.Num, Cells: r.Cells,
		ZH: "冲突：与该手机号的已有会员不一致，会员资料未改动，待主管在控制台处理。" + strings.Join(zh, "；"),
		EN: "conflict: differs from the member who has this mobile; the member is unchanged until a supervisor decides. " + strings.Join(en, "; ")})
}

// conflictValue is a field's value as the report shows it.
func conflictValue(field, v, lang string) string {
	labels := map[string][2]string{"": {"空", "blank"}, "male": {"男", "male"}, "female": {"女", "female"}}
	if l, ok := labels[v]; ok && (v == "" || field == "gender") {
		if lang == "en" {
			return l[1]
		}
		return l[0]
	}
	return v
}

// reportRows are the failed and the conflicting rows, in row order.
func (rep *Report) reportRows() []RowError {
	rows := append(slices.Clone(rep.Failures), rep.Conflicts...)
	slices.SortStableFunc(rows, func(a, b RowError) int { return cmp.Compare(a.Row, b.Row) })
	return rows
}

// WriteErrorReport writes the rows that failed or conflicted as an .xlsx:
// the sheet's header and each row as it was read, with the column at fault
// and the reason, and the row's number in the original file. Staff fix the
// failed rows in it and import it again; conflicts wait for a supervisor.
func WriteErrorReport(w io.Writer, s *Sheet, rep *Report) error {
	failures := rep.reportRows()
	f := excelize.NewFile()
	defer f.Close()
	const name = "导入错误"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	red, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "C00000"}})
	if err != nil {
		return err
	}
	width := len(s.Header)
	for _, e := range failures {
		width = max(width, len(e.Cells))
	}
	if err := sw.SetColWidth(1, width, 16); err != nil {
		return err
	}
	if err := sw.SetColWidth(width+1, width+1, 60); err != nil {
		return err
	}
	head := make([]any, 0, width+2)
	for i := range width {
		head = append(head, excelize.Cell{StyleID: bold, Value: Row{Cells: s.Header}.Cell(i)})
	}
	head = append(head, excelize.Cell{StyleID: bold, Value: ErrorColumn}, excelize.Cell{StyleID: bold, Value: RowColumn})
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	birthday, hasBirthday := s.Columns[Birthday]
	for n, e := range failures {
		vals := make([]any, 0, width+2)
		for i := range width {
			v := Row{Cells: e.Cells}.Cell(i)
			// A date cell was read as its serial; show it as the date it was.
			if hasBirthday && i == birthday && s.Format == "xlsx" && serial.MatchString(v) {
				if d, err := validate.Date("birthday", v); err == nil {
					v = d.Format("2006-01-02")
				}
			}
			vals = append(vals, v)
		}
		vals = append(vals, excelize.Cell{StyleID: red, Value: e.Message()}, e.Row)
		cell, _ := excelize.CoordinatesToCellName(1, n+2)
		if err := sw.SetRow(cell, vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write error report: %w", err)
	}
	return nil
}
