package calendar

import (
	"fmt"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
)

// Hours is the working hours of a working day (工作时间), in China time,
// each 'HH:MM': the day runs from Start to End with a lunch break from
// LunchStart to LunchEnd (equal: no break).
type Hours struct {
	Start      string `json:"start"`
	LunchStart string `json:"lunch_start"`
	LunchEnd   string `json:"lunch_end"`
	End        string `json:"end"`
}

// DefaultHours is 09:00–18:00 with lunch 12:00–13:00: 8 working hours.
var DefaultHours = Hours{Start: "09:00", LunchStart: "12:00", LunchEnd: "13:00", End: "18:00"}

// fields names the four times as forms and the API do, with their words.
var hourFields = [4]struct{ field, zh, en string }{
	{"start", "上班时间", "start of the day"},
	{"lunch_start", "午休开始", "start of lunch"},
	{"lunch_end", "午休结束", "end of lunch"},
	{"end", "下班时间", "end of the day"},
}

func (h Hours) list() [4]string { return [4]string{h.Start, h.LunchStart, h.LunchEnd, h.End} }

// minutes is the four times in minutes after midnight; h must be valid.
func (h Hours) minutes() [4]int {
	var m [4]int
	for i, v := range h.list() {
		m[i], _ = parseClock(v)
	}
	return m
}

// Validate checks that each time is 'HH:MM' and that start < lunch start
// <= lunch end < end.
func (h Hours) Validate() error {
	var m [4]int
	for i, v := range h.list() {
		var ok bool
		if m[i], ok = parseClock(v); !ok {
			f := hourFields[i]
			return apperr.Field(f.field, fmt.Sprintf("%s「%s」须为 00:00–24:00 之间的时刻，如 09:00", f.zh, v),
				fmt.Sprintf("%s %q must be a time of day between 00:00 and 24:00, such as 09:00", f.en, v))
		}
	}
	switch {
	case m[0] >= m[1]:
		return apperr.Field("lunch_start", "午休开始须晚于上班时间", "lunch must start after the day starts")
	case m[1] > m[2]:
		return apperr.Field("lunch_end", "午休结束不能早于午休开始", "lunch cannot end before it starts")
	case m[2] >= m[3]:
		return apperr.Field("end", "下班时间须晚于午休结束", "the day must end after lunch ends")
	}
	return nil
}

// parseClock reads 'HH:MM' (or 'H:MM'), 00:00 to 24:00.
func parseClock(s string) (int, bool) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(mm) != 2 || len(hh) < 1 || len(hh) > 2 {
		return 0, false
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// normal writes each time as 'HH:MM'; h must be valid.
func (h Hours) normal() Hours {
	m := h.minutes()
	f := func(v int) string { return fmt.Sprintf("%02d:%02d", v/60, v%60) }
	return Hours{f(m[0]), f(m[1]), f(m[2]), f(m[3])}
}
