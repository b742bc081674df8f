package transfer

import (
	"fmt"
	"io"
	"regexp"

	"github.com/xuri/excelize/v2"

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

// WriteErrorReport writes the rows that failed as an .xlsx: the sheet's
// header and each failed row as it was read, with the column at fault and
// the reason, and the row's number in the original file. Staff fix the
// rows in it and import it again.
func WriteErrorReport(w io.Writer, s *Sheet, rep *Report) error {
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
	for _, e := range rep.Failures {
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
	for n, e := range rep.Failures {
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
