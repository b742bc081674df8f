package transfer

import (
	"bytes"
	"encoding/csv"
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
	r := csv.NewReader(bytes.NewReader(c.text))
	r.Comma = c.comma
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	return &csvRows{r: r}, nil
}

type csvRows struct {
	r    *csv.Reader
	last int
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
	if err != nil {
		if pe, ok := err.(*csv.ParseError); ok {
			c.last = pe.StartLine
		}
		return Row{Num: c.last}, false, false, apperr.Field("file", "文件第 "+strconv.Itoa(c.last)+" 行格式错误："+err.Error(),
			"line "+strconv.Itoa(c.last)+" is malformed: "+err.Error())
	}
	c.last, _ = c.r.FieldPos(0)
	return Row{Num: c.last, Cells: rec}, blank(rec), true, nil
}
