package transfer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"estateclub/internal/apperr"
)

// csvSource reads delimited text already decoded to UTF-8. It keeps the
// bytes as read (or decoded), not a string copy of them: a file of a
// million rows is then held once.
type csvSource struct {
	text  []byte
	comma rune
}

// separators are the delimiters tried, in order of preference on a tie.
var separators = []rune{',', '\t', ';'}

func openCSV(data []byte) (*Sheet, error) {
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	// The separator is the one under which a header row appears.
	var best *Sheet
	var bestH header
	for _, sep := range separators {
		src := &csvSource{text: text, comma: sep}
		h, err := findHeader(src)
		if err != nil {
			return nil, err
		}
		if h.row > 0 && (best == nil || h.better(bestH)) {
			best, bestH = newSheet(src, h), h
		}
	}
	if best == nil {
		return nil, errNoHeader
	}
	best.Format, best.Encoding = "csv", enc
	return best, nil
}

// decodeText turns a text file into UTF-8: a byte-order mark says UTF-8 or
// UTF-16; otherwise valid UTF-8 is UTF-8 and anything else is GB18030 (a
// superset of GBK and GB2312, what Excel saves as "CSV" on a Chinese
// Windows).
func decodeText(b []byte) (text []byte, enc string, err error) {
	var dec *encoding.Decoder
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return b[3:], "UTF-8 BOM", nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		dec, enc = unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder(), "UTF-16"
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		dec, enc = unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder(), "UTF-16"
	case utf8.Valid(b):
		return b, "UTF-8", nil
	default:
		dec, enc = simplifiedchinese.GB18030.NewDecoder(), "GB18030"
	}
	out, err := dec.Bytes(b)
	if err != nil {
		return nil, "", apperr.Field("file", "无法识别文件的编码，请另存为 UTF-8 或 .xlsx", "cannot tell the file's encoding; save it as UTF-8 or .xlsx")
	}
	return out, enc, nil
}

func (c *csvSource) close() error { return nil }

func (c *csvSource) rows() (rowIter, error) {
	cr := &countingReader{r: bytes.NewReader(c.text)}
	r := csv.NewReader(cr)
	r.Comma = c.comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	return &csvRows{r: r, read: cr, text: c.text}, nil
}

// MaxRowBytes bounds one row of a text file: encoding/csv holds a whole
// record in memory, and a file that is one 50 MB line is no member list.
const MaxRowBytes = 1 << 20

// countingReader counts the bytes read since the last reset, failing once
// they pass MaxRowBytes (plus what the CSV reader buffers ahead).
type countingReader struct {
	r *bytes.Reader
	n int
}

// errRowTooLong is returned by countingReader; csvRows turns it into a
// message naming the line.
var errRowTooLong = errors.New("row too long")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n > MaxRowBytes+bufferAhead {
		return 0, errRowTooLong
	}
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// bufferAhead is how much encoding/csv's bufio.Reader reads past a record.
const bufferAhead = 4096

type csvRows struct {
	r    *csv.Reader
	read *countingReader
	text []byte
	last int
	// lines and offset: how many lines the records read so far span, and
	// where they end; the next record starts on line lines+1.
	lines  int
	offset int64
}

func (c *csvRows) close() error { return nil }

// next reads a record. Its number is the line it starts on, which is the
// row number a spreadsheet shows when it opens the file (encoding/csv
// skips blank lines but counts them).
func (c *csvRows) next() (Row, bool, bool, error) {
	rec, err := c.r.Read()
	if err == io.EOF {
		return Row{Num: c.last}, false, false, nil
	}
	if errors.Is(err, errRowTooLong) {
		line := strconv.Itoa(c.lines + 1)
		return Row{Num: c.lines + 1}, false, false, apperr.Field("file",
			fmt.Sprintf("文件第 %s 行超过 %d KB（一行会员资料不会这么长），请检查文件是否为会员名单", line, MaxRowBytes>>10),
			fmt.Sprintf("line %s is longer than %d KB (no member row is); check that the file is a member list", line, MaxRowBytes>>10))
	}
	if err != nil {
		if pe, ok := err.(*csv.ParseError); ok {
			c.last = pe.StartLine
		}
		return Row{Num: c.last}, false, false, apperr.Field("file", "文件第 "+strconv.Itoa(c.last)+" 行格式错误："+err.Error(),
			"line "+strconv.Itoa(c.last)+" is malformed: "+err.Error())
	}
	c.read.n = 0
	c.last, _ = c.r.FieldPos(0)
	row := Row{Num: c.last, Cells: rec}
	if err := checkCells(row); err != nil {
		return row, false, false, err
	}
	off := c.r.InputOffset()
	c.lines += bytes.Count(c.text[c.offset:off], []byte{'\n'})
	c.offset = off
	return row, blank(rec), true, nil
}
