package calendar

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
)

// The years the calendar takes, and the longest name of a day.
const (
	MinYear    = 2000
	MaxYear    = 2100
	MaxNameLen = 30
)

// kindWords are the words a form or a sheet may give for a kind.
var kindWords = map[string]Kind{
	"holiday": Holiday, "节假日": Holiday, "假日": Holiday, "放假": Holiday, "休": Holiday, "休息": Holiday,
	"workday": Workday, "调休上班": Workday, "上班": Workday, "调休": Workday, "班": Workday, "补班": Workday,
}

// ParseKind reads a kind from its code or its Chinese words.
func ParseKind(s string) (Kind, bool) {
	k, ok := kindWords[strings.ToLower(strings.TrimSpace(s))]
	return k, ok
}

// KindWords is the Chinese and English words for a kind.
func KindWords(k Kind) (zh, en string) {
	if k == Workday {
		return "调休上班", "adjusted working day"
	}
	return "节假日", "holiday"
}

var weekdayZH = [7]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

// place says where entry i's field was given, in both languages, as the
// start of a message ("" for a single entry of a form).
type place func(i int, field string) (zh, en string)

// single is the place of a form's one day: no words needed.
func single(int, string) (string, string) { return "", "" }

// listed is the place of entry i of a list (the API): "第 3 条：".
func listed(i int, _ string) (string, string) {
	return fmt.Sprintf("第 %d 条：", i+1), fmt.Sprintf("entry %d: ", i+1)
}

// checkDays validates days as one batch and returns them tidied (names
// trimmed, kinds as codes). Nothing in it reads the database: a
// working day on a weekday is refused whatever the calendar holds (to
// give a weekday back to work, delete its holiday).
func checkDays(days []Day, where place) ([]Day, error) {
	if len(days) == 0 {
		return nil, apperr.Field("days", "没有要保存的日期", "there are no days to save")
	}
	out := make([]Day, len(days))
	seen := make(map[string]int, len(days))
	for i, d := range days {
		fail := func(field, zh, en string) error {
			pz, pe := where(i, field)
			return apperr.Field(field, pz+zh, pe+en)
		}
		date := strings.TrimSpace(d.Date)
		n, ok := parseDate(date)
		if !ok {
			return nil, fail("date", fmt.Sprintf("日期「%s」不对，应为 YYYY-MM-DD，如 2026-10-01", d.Date),
				fmt.Sprintf("date %q is not a date of the form YYYY-MM-DD, such as 2026-10-01", d.Date))
		}
		if y := n.at(0).Year(); y < MinYear || y > MaxYear {
			return nil, fail("date", fmt.Sprintf("日期 %s 须在 %d–%d 年之间", date, MinYear, MaxYear),
				fmt.Sprintf("date %s must be in the years %d–%d", date, MinYear, MaxYear))
		}
		if j, dup := seen[date]; dup {
			zh, en := date+" 填写了两次", date+" is entered twice"
			if pz, pe := where(j, "date"); pz != "" {
				zh += "（" + strings.TrimSuffix(pz, "：") + "已有）"
				en += " (" + strings.TrimSuffix(pe, ": ") + " has it already)"
			}
			return nil, fail("date", zh, en)
		}
		seen[date] = i
		k, ok := ParseKind(string(d.Kind))
		if !ok {
			return nil, fail("kind", fmt.Sprintf("类型「%s」不对：须为 节假日（holiday）或 调休上班（workday）", d.Kind),
				fmt.Sprintf("kind %q is not known: it must be holiday (节假日) or workday (调休上班)", d.Kind))
		}
		wd := n.weekday()
		if k == Workday && wd != time.Saturday && wd != time.Sunday {
			return nil, fail("kind", fmt.Sprintf("%s 是%s，本来就是工作日，无需标为调休上班（只有周六、周日可以调休上班）", date, weekdayZH[wd]),
				fmt.Sprintf("%s is a %s, a working day anyway: only a Saturday or Sunday can be an adjusted working day", date, wd))
		}
		name := strings.TrimSpace(d.Name)
		switch {
		case name == "":
			return nil, fail("name", fmt.Sprintf("请填写 %s 的名称，如 国庆节 或 国庆节调休", date),
				fmt.Sprintf("enter a name for %s, such as National Day", date))
		case utf8.RuneCountInString(name) > MaxNameLen:
			return nil, fail("name", fmt.Sprintf("%s 的名称不能超过 %d 个字", date, MaxNameLen),
				fmt.Sprintf("the name of %s may have at most %d characters", date, MaxNameLen))
		}
		out[i] = Day{Date: date, Kind: k, Name: name}
	}
	return out, nil
}

// checkDate validates one date (of a deletion).
func checkDate(date string) (string, error) {
	date = strings.TrimSpace(date)
	if _, ok := parseDate(date); !ok {
		return "", apperr.Field("date", fmt.Sprintf("日期「%s」不对，应为 YYYY-MM-DD，如 2026-10-01", date),
			fmt.Sprintf("date %q is not a date of the form YYYY-MM-DD, such as 2026-10-01", date))
	}
	return date, nil
}

// CheckYear validates a year the calendar is asked about.
func CheckYear(year int) error {
	if year < MinYear || year > MaxYear {
		return apperr.Field("year", fmt.Sprintf("年份须在 %d–%d 之间", MinYear, MaxYear),
			fmt.Sprintf("the year must be %d–%d", MinYear, MaxYear))
	}
	return nil
}
