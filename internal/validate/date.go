package validate

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

var (
	// compactDate is 19850302.
	compactDate = regexp.MustCompile(`^([0-9]{4})([0-9]{2})([0-9]{2})$`)
	// excelSerial is a date stored by a spreadsheet as days since 1899-12-30,
	// with an optional time of day as the fraction: "31108", "31108.5". Five
	// digits reach 2173-10-13, far enough for any date the club records.
	excelSerial = regexp.MustCompile(`^([0-9]{1,5})(?:\.[0-9]+)?$`)
	// dayFirst is 2/3/1985 or 02-03-1985, which means 2 March in some
	// countries and 3 February in others.
	dayFirst = regexp.MustCompile(`^[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4}\b`)
	// yearFirst is 1985-03-02, 1985/3/2, 1985.3.2 or 1985年3月2日, with an
	// optional time after it.
	yearFirst = regexp.MustCompile(`^([0-9]{4})\s*([-/.年])\s*([0-9]{1,2})\s*([-/.月])\s*([0-9]{1,2})\s*([日号]?)(?:(?:T|\s+)(.+))?$`)
	// timeOfDay is the time after a date: 00:00, 08:30:00, 00:00:00.000Z,
	// 00:00:00+08:00.
	timeOfDay = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?\s*(?:Z|[+-][0-9]{2}:?[0-9]{2})?$`)
)

// Date reads a date as people and spreadsheets write it and returns it as
// UTC midnight. It accepts 1985-03-02, 1985/3/2, 1985.3.2, 19850302,
// 1985年3月2日, full-width digits, Excel serial day numbers ("31108",
// "31108.0") and a date followed by a time ("1985-03-02T00:00:00Z",
// "1985-03-02 00:00:00"). A time or UTC offset after the date is ignored: the
// date as written is the date meant, so 1985-03-02T00:00:00+08:00 is 2 March.
// Dates that do not exist, such as 1985-02-30, are rejected.
func Date(field, s string) (time.Time, error) {
	s = clean(s)
	if s == "" {
		return time.Time{}, invalid(field, "请填写日期", "a date is required")
	}
	if m := compactDate.FindStringSubmatch(s); m != nil {
		return ymdDate(field, m[1], m[2], m[3])
	}
	if m := excelSerial.FindStringSubmatch(s); m != nil {
		return serialDate(field, m[1])
	}
	if dayFirst.MatchString(s) {
		return time.Time{}, invalid(field, "请按 年-月-日 的顺序填写日期，例如 1985-03-02",
			"write the date year first, e.g. 1985-03-02; day-first and month-first dates are ambiguous")
	}
	m := yearFirst.FindStringSubmatch(s)
	if m == nil || !consistentSeparators(m[2], m[4], m[6]) || m[7] != "" && !timeOfDay.MatchString(m[7]) {
		return time.Time{}, invalid(field, "无法识别的日期，请按 年-月-日 填写，例如 1985-03-02",
			"unrecognised date; write it as year-month-day, e.g. 1985-03-02")
	}
	return ymdDate(field, m[1], m[3], m[5])
}

// consistentSeparators rejects mixtures such as 1985-3/2 and 1985年3-2.
func consistentSeparators(first, second, day string) bool {
	if first == "年" {
		return second == "月"
	}
	return first == second && day == ""
}

// DateIn is Date with a range check: the date must be on or after min and on
// or before max, comparing calendar dates. min and max are read as dates in
// their own location, so pass time.Now().In(zone) for "today" where zone is
// the club's time zone. A zero min or max means no bound on that side.
func DateIn(field, s string, min, max time.Time) (time.Time, error) {
	d, err := Date(field, s)
	if err != nil {
		return time.Time{}, err
	}
	if !min.IsZero() && d.Before(dateOf(min)) {
		lo := dateOf(min).Format(time.DateOnly)
		return time.Time{}, invalid(field, "日期不能早于 "+lo, "the date must be on or after "+lo)
	}
	if !max.IsZero() && d.After(dateOf(max)) {
		hi := dateOf(max).Format(time.DateOnly)
		return time.Time{}, invalid(field, "日期不能晚于 "+hi, "the date must be on or before "+hi)
	}
	return d, nil
}

// ymdDate checks year, month and day written as digits.
func ymdDate(field, ys, ms, ds string) (time.Time, error) {
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if m < 1 || m > 12 {
		return time.Time{}, invalid(field, fmt.Sprintf("日期不存在：没有 %d 月", m),
			fmt.Sprintf("not a real date: there is no month %d", m))
	}
	if d < 1 {
		return time.Time{}, invalid(field, fmt.Sprintf("日期不存在：没有 %d 日", d),
			fmt.Sprintf("not a real date: there is no day %d", d))
	}
	t, ok := makeDate(y, m, d)
	if !ok {
		n := daysIn(y, time.Month(m))
		return time.Time{}, invalid(field,
			fmt.Sprintf("日期不存在：%d 年 %d 月只有 %d 天", y, m, n),
			fmt.Sprintf("%04d-%02d-%02d is not a real date: %s %d has %d days", y, m, d, time.Month(m), y, n))
	}
	return t, nil
}

// excelEpoch is day 0 of spreadsheet serial dates. Excel counts from
// 1900-01-01 as day 1 but also counts 1900-02-29, which never existed (a bug
// kept for Lotus 1-2-3 compatibility), so from day 61 (1900-03-01) on, day n
// is 1899-12-30 plus n days. Serials before 61 are one day off from that.
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// serialDate converts a spreadsheet serial day number (its whole part).
func serialDate(field, whole string) (time.Time, error) {
	n, _ := strconv.Atoi(whole)
	switch {
	case len(whole) == 4 && n >= 1900 && n < 2100:
		return time.Time{}, invalid(field, "请填写完整的年月日，不要只写年份",
			"write the full date, not only the year")
	case n == 0:
		return time.Time{}, invalid(field, "无法识别的日期，请按 年-月-日 填写，例如 1985-03-02",
			"unrecognised date; write it as year-month-day, e.g. 1985-03-02")
	case n == 60:
		return time.Time{}, invalid(field, "表格日期序号 60 对应不存在的 1900 年 2 月 29 日",
			"spreadsheet day number 60 stands for 29 February 1900, which does not exist")
	case n < 60:
		return excelEpoch.AddDate(0, 0, n+1), nil
	default:
		return excelEpoch.AddDate(0, 0, n), nil
	}
}

// makeDate returns UTC midnight of y-m-d, or false if there is no such day.
func makeDate(y, m, d int) (time.Time, bool) {
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dateOf is UTC midnight of t's calendar date in t's own location.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
