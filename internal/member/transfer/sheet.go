package transfer

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
)

// MaxFileSize is the largest file Open reads (a sheet of 200,000 members
// is about 20 MB).
const MaxFileSize = 200 << 20

// headerScan is how many non-empty rows at the top may hold titles, notes
// and blank lines before the header.
const headerScan = 20

// Sheet is a spreadsheet opened for import: where its header is, which
// column holds which field, and its rows, readable as often as needed.
type Sheet struct {
	File      string        // the file's name
	Format    string        // "xlsx" or "csv"
	Encoding  string        // csv: "UTF-8", "UTF-8 BOM", "GB18030", "UTF-16"
	Worksheet string        // xlsx: the worksheet read
	HeaderRow int           // the header's row number, 1-based
	Header    []string      // the header row as written
	Columns   map[Field]int // the column index of each recognised field
	Ignored   []string      // headers that name no field; their columns are not imported

	src source
}

// Row is one row of a sheet.
type Row struct {
	Num   int      // the row's number in the spreadsheet, 1-based, title rows counted
	Cells []string // raw values: numbers unformatted, dates as serials; merged cells filled
}

// Cell returns the i-th cell, "" past the end.
func (r Row) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// source reads a file's rows from the top, each call afresh.
type source interface {
	rows() (rowIter, error)
	close() error
}

// rowIter yields rows in order; blank reports a row empty in the file
// (before merged cells are filled in).
type rowIter interface {
	next() (r Row, blank, ok bool, err error)
	close() error
}

// OpenFile opens a spreadsheet file for import; see Open.
func OpenFile(path string) (*Sheet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Read into a buffer of the file's size: growing one by doubling as
	// io.ReadAll does peaks at about three times a large file.
	var r io.Reader = f
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() <= MaxFileSize {
		buf := bytes.NewBuffer(make([]byte, 0, fi.Size()+bytes.MinRead))
		if _, err := buf.ReadFrom(f); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		r = buf
	}
	return Open(filepath.Base(path), r)
}

// Open reads a spreadsheet for import: .xlsx (the worksheet whose header
// names the most known columns) or text separated by commas, semicolons or
// tabs in UTF-8 (with or without BOM), UTF-16 or GB18030. The header is the
// row among the first non-empty ones that names the most known columns; it
// must name the mobile column. Close the sheet when done.
func Open(name string, r io.Reader) (*Sheet, error) {
	var data []byte
	var err error
	if b, ok := r.(*bytes.Buffer); ok {
		data = b.Bytes() // read whole already
	} else if data, err = io.ReadAll(io.LimitReader(r, MaxFileSize+1)); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, apperr.Field("file", fmt.Sprintf("文件超过 %d MB，请分成几个文件导入", MaxFileSize>>20),
			fmt.Sprintf("the file is larger than %d MB; split it", MaxFileSize>>20))
	}
	ext := strings.ToLower(filepath.Ext(name))
	var s *Sheet
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		s, err = openXLSX(data)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		err = apperr.Field("file", "不支持 .xls 旧格式或加密的工作簿，请在 Excel 中另存为 .xlsx（不设密码）后导入",
			"old .xls workbooks and encrypted ones are not supported; save it as .xlsx without a password")
	case ext == ".xlsx" || ext == ".xlsm":
		err = apperr.Field("file", "文件不是有效的 .xlsx 工作簿", "the file is not a valid .xlsx workbook")
	default:
		s, err = openCSV(data)
	}
	if err != nil {
		return nil, err
	}
	s.File = name
	return s, nil
}

// Close releases the file.
func (s *Sheet) Close() error { return s.src.close() }

// Each calls fn with every non-empty row below the header, in order.
func (s *Sheet) Each(fn func(Row) error) error {
	it, err := s.src.rows()
	if err != nil {
		return err
	}
	defer it.close()
	for {
		r, blank, ok, err := it.next()
		if err != nil {
			return fmt.Errorf("%s row %d: %w", s.File, r.Num, err)
		}
		if !ok {
			return nil
		}
		if blank || r.Num <= s.HeaderRow {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// Count is the number of rows Each yields.
func (s *Sheet) Count() (int, error) {
	n := 0
	err := s.Each(func(Row) error { n++; return nil })
	return n, err
}

// header is a header row found in a source.
type header struct {
	row   int
	cells []string
	cols  map[Field]int
}

// better reports whether h is a better header than o: it names more
// fields, or as many in more columns.
func (h header) better(o header) bool {
	if len(h.cols) != len(o.cols) {
		return len(h.cols) > len(o.cols)
	}
	return len(h.cells) > len(o.cells)
}

// findHeader looks for the header among the first non-empty rows: the one
// that names the most fields, the mobile among them.
func findHeader(src source) (header, error) {
	var best header
	it, err := src.rows()
	if err != nil {
		return best, err
	}
	defer it.close()
	for seen := 0; seen < headerScan; {
		r, blank, ok, err := it.next()
		if err != nil || !ok {
			return best, err
		}
		if blank {
			continue
		}
		seen++
		cols := matchHeader(r.Cells)
		if _, hasMobile := cols[Mobile]; !hasMobile {
			continue
		}
		if h := (header{row: r.Num, cells: r.Cells, cols: cols}); best.row == 0 || len(h.cols) > len(best.cols) {
			best = h
		}
	}
	return best, nil
}

// errNoHeader says the file has no header naming a mobile column.
var errNoHeader = apperr.Field("file", "在表格前 20 行中没有找到表头：表头须含“手机号码”（或 手机、手机号、联系电话）一列",
	"no header found in the first 20 rows: it needs a mobile column (手机号码, 手机, 手机号 or 联系电话)")

// newSheet fills in a sheet from its header.
func newSheet(src source, h header) *Sheet {
	s := &Sheet{src: src, HeaderRow: h.row, Columns: h.cols}
	used := map[int]bool{}
	for _, i := range h.cols {
		used[i] = true
	}
	for i, c := range h.cells {
		s.Header = append(s.Header, strings.TrimSpace(c))
		if !used[i] && strings.TrimSpace(c) != "" {
			s.Ignored = append(s.Ignored, strings.TrimSpace(c))
		}
	}
	return s
}

// blank reports whether every cell is empty or spaces.
func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// MaxCellChars is the most characters a cell may hold: Excel's own limit,
// so no real spreadsheet has more.
const MaxCellChars = 32767

// checkCells fails on a cell longer than MaxCellChars, naming its row and
// column.
func checkCells(r Row) error {
	for i, c := range r.Cells {
		if len(c) <= MaxCellChars || utf8.RuneCountInString(c) <= MaxCellChars {
			continue
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		return apperr.Field("file", fmt.Sprintf("第 %d 行 %s 列的单元格超过 %d 个字符，请检查文件是否为会员名单", r.Num, col, MaxCellChars),
			fmt.Sprintf("row %d column %s holds more than %d characters; check that the file is a member list", r.Num, col, MaxCellChars))
	}
	return nil
}
