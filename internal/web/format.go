package web

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"estateclub/internal/db"
)

// groupDigits writes an integer with thousands separators: 4,071,200.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	start := 0
	if n < 0 {
		start = 1
	}
	digits := len(s) - start
	if digits <= 3 {
		return s
	}
	out := make([]byte, 0, len(s)+digits/3)
	out = append(out, s[:start]...)
	for i := start; i < len(s); i++ {
		if i > start && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// Num formats a figure for a page: integers grouped by thousands (through
// pointers, nil blank), fractions to one decimal, anything else as the
// template would print it.
func Num(v any) string {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return ""
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return groupDigits(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32:
		return groupDigits(int64(rv.Uint()))
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		whole := int64(f)
		if float64(whole) == f {
			return groupDigits(whole)
		}
		frac := strconv.FormatFloat(math.Abs(f-float64(whole)), 'f', 1, 64)
		if frac == "1.0" { // 2.96 rounds up
			return Num(math.Round(f))
		}
		sign := ""
		if f < 0 && whole == 0 {
			sign = "-"
		}
		return sign + groupDigits(whole) + frac[1:]
	case reflect.Invalid:
		return ""
	default:
		return fmt.Sprint(rv.Interface())
	}
}

// dateLayouts are how each language writes a date and a time of day.
var dateLayouts = map[string][2]string{
	"zh-CN": {"2006年1月2日", "2006年1月2日 15:04"},
	"en":    {"2 Jan 2006", "2 Jan 2006 15:04"},
}

func layoutFor(lang string) [2]string {
	if l, ok := dateLayouts[lang]; ok {
		return l
	}
	return dateLayouts["zh-CN"]
}

// FormatTime writes an instant in the club's time zone as the page's
// language reads it; the zero time is blank.
func FormatTime(lang string, loc *time.Location, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(layoutFor(lang)[1])
}

// FormatDate writes a calendar day (a db.Date or the day of an instant).
func FormatDate(lang string, loc *time.Location, v any) string {
	switch d := v.(type) {
	case db.Date:
		if d.IsZero() {
			return ""
		}
		return d.Format(layoutFor(lang)[0])
	case *db.Date:
		if d == nil {
			return ""
		}
		return FormatDate(lang, loc, *d)
	case time.Time:
		if d.IsZero() {
			return ""
		}
		return d.In(loc).Format(layoutFor(lang)[0])
	case *time.Time:
		if d == nil {
			return ""
		}
		return FormatDate(lang, loc, *d)
	default:
		return fmt.Sprint(v)
	}
}
