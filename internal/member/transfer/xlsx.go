package transfer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
)

// xlsxSource reads one worksheet with excelize's streaming reader: raw
// values (a mobile stored as a number comes through as its digits, a date
// as its serial) and merged ranges filled with their top-left value.
type xlsxSource struct {
	f      *excelize.File
	sheet  string
	merges []rect
}

// rect is a merged range, 1-based and inclusive.
type rect struct{ c1, r1, c2, r2 int }

// Bounds on what an .xlsx unpacks to, checked from the zip directory
// before anything is inflated (archive/zip refuses an entry that inflates
// past its declared size). A workbook of 200,000 members written with
// inline strings unpacks to about 145 MB at 13:1; Excel's shared strings
// make less.
const (
	MaxUnpackedSize  = 512 << 20
	maxUnpackedRatio = 100      // unpacked : packed, beyond which it is a zip bomb
	ratioFloor       = 32 << 20 // smaller workbooks may compress as they like
)

// checkUnpacked refuses a workbook that unpacks to too much.
func checkUnpacked(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return apperr.Field("file", "文件不是有效的 .xlsx 工作簿", "the file is not a valid .xlsx workbook")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > MaxUnpackedSize || (total > ratioFloor && total/uint64(max(len(data), 1)) > maxUnpackedRatio) {
		return apperr.Field("file", fmt.Sprintf("该 .xlsx 解压后有 %d MB（压缩包 %d KB），超出上限 %d MB 或不像正常的表格，已拒绝",
			total>>20, len(data)>>10, MaxUnpackedSize>>20),
			fmt.Sprintf("the .xlsx unpacks to %d MB from %d KB, over the %d MB limit or unlike a real spreadsheet; refused",
				total>>20, len(data)>>10, MaxUnpackedSize>>20))
	}
	return nil
}

func openXLSX(data []byte) (*Sheet, error) {
	if err := checkUnpacked(data); err != nil {
		return nil, err
	}
	// excelize checks the same bound itself; parts over the XML limit it
	// unpacks to temporary files rather than memory.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnpackedSize, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, apperr.Field("file", "无法读取该 .xlsx 工作簿："+err.Error(), "cannot read the .xlsx workbook: "+err.Error())
	}
	parts, err := sheetParts(data)
	if err != nil {
		f.Close()
		return nil, apperr.Field("file", "无法读取该 .xlsx 工作簿："+err.Error(), "cannot read the .xlsx workbook: "+err.Error())
	}
	var best *Sheet
	var bestH header
	for _, name := range f.GetSheetList() {
		merges, err := mergedRanges(data, parts[name])
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("worksheet %s: %w", name, err)
		}
		src := &xlsxSource{f: f, sheet: name, merges: merges}
		h, err := findHeader(src)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("worksheet %s: %w", name, err)
		}
		if h.row > 0 && (best == nil || h.better(bestH)) {
			best, bestH = newSheet(src, h), h
			best.Worksheet = name
		}
	}
	if best == nil {
		f.Close()
		return nil, errNoHeader
	}
	best.Format = "xlsx"
	return best, nil
}

func (x *xlsxSource) close() error { return x.f.Close() }

func (x *xlsxSource) rows() (rowIter, error) {
	rows, err := x.f.Rows(x.sheet)
	if err != nil {
		return nil, err
	}
	return &xlsxRows{rows: rows, merges: x.merges}, nil
}

// xlsxRows walks the rows, keeping the merged ranges that cover the
// current row (merges are sorted by their first row).
type xlsxRows struct {
	rows   *excelize.Rows
	merges []rect
	nextM  int      // the first merge not yet started
	active []merged // merges covering the current row
	num    int
}

type merged struct {
	rect
	value string // the top-left cell's value
}

func (x *xlsxRows) close() error { return x.rows.Close() }

// next reads the next row. excelize's Next advances one row number at a
// time, yielding rows missing from the file as empty, so counting calls
// gives the real row number.
func (x *xlsxRows) next() (Row, bool, bool, error) {
	if !x.rows.Next() {
		return Row{Num: x.num}, false, false, x.rows.Error()
	}
	x.num++
	cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return Row{Num: x.num}, false, false, err
	}
	if err := checkCells(Row{Num: x.num, Cells: cells}); err != nil {
		return Row{Num: x.num}, false, false, err
	}
	isBlank := blank(cells)
	live := x.active[:0]
	for _, m := range x.active {
		if m.r2 >= x.num {
			live = append(live, m)
		}
	}
	x.active = live
	for ; x.nextM < len(x.merges) && x.merges[x.nextM].r1 <= x.num; x.nextM++ {
		if m := x.merges[x.nextM]; m.r2 >= x.num {
			x.active = append(x.active, merged{m, Row{Cells: cells}.Cell(m.c1 - 1)})
		}
	}
	for _, m := range x.active {
		for len(cells) < m.c2 {
			cells = append(cells, "")
		}
		for c := m.c1; c <= m.c2; c++ {
			cells[c-1] = m.value
		}
	}
	return Row{Num: x.num, Cells: cells}, isBlank, true, nil
}

// sheetParts maps each worksheet's name to its part in the package.
func sheetParts(data []byte) (map[string]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &wb); err != nil {
		return nil, err
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	out := map[string]string{}
	for _, s := range wb.Sheets {
		out[s.Name] = targets[s.RID]
	}
	return out, nil
}

func openPart(zr *zip.Reader, name string) (io.ReadCloser, error) {
	for _, f := range zr.File {
		if strings.EqualFold(f.Name, name) {
			return f.Open()
		}
	}
	return nil, fmt.Errorf("%s is missing", name)
}

func decodePart(zr *zip.Reader, name string, v any) error {
	rc, err := openPart(zr, name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v)
}

// mergedRanges reads the merged ranges of a worksheet part. It streams the
// part's XML rather than loading the worksheet (excelize's GetMergeCells
// does), so a large sheet is never held in memory whole.
func mergedRanges(data []byte, part string) ([]rect, error) {
	if part == "" {
		return nil, nil
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	rc, err := openPart(zr, part)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var out []rect
	dec := xml.NewDecoder(rc)
	for {
		tok, err := dec.RawToken()
		if err == io.EOF {
			slices.SortStableFunc(out, func(a, b rect) int { return a.r1 - b.r1 })
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Local != "mergeCell" {
			continue
		}
		for _, a := range el.Attr {
			if a.Name.Local == "ref" {
				if r, ok := parseRange(a.Value); ok {
					out = append(out, r)
				}
			}
		}
	}
}

func parseRange(ref string) (rect, bool) {
	from, to, ok := strings.Cut(ref, ":")
	if !ok {
		return rect{}, false
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(from)
	c2, r2, err2 := excelize.CellNameToCoordinates(to)
	if err1 != nil || err2 != nil {
		return rect{}, false
	}
	return rect{min(c1, c2), min(r1, r2), max(c1, c2), max(r1, r2)}, true
}
