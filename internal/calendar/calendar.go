// Package calendar is the group's working-day calendar (工作日历): China's
// week of Monday to Friday, the public holidays (节假日) and the adjusted
// working days (调休上班) the admin enters, and the working hours of a day.
// Due times (requests, privacy requests) are counted on it in working hours
// or working days, in China time (UTC+8, no daylight saving).
package calendar

import (
	"time"
)

// China is the calendar's time zone: UTC+8 all year.
var China = time.FixedZone("CST", 8*3600)

// Kind is what an exception day is.
type Kind string

// The kinds of exception day.
const (
	// Holiday (节假日): a day off, a weekday or a weekend day inside a
	// holiday period.
	Holiday Kind = "holiday"
	// Workday (调休上班): a Saturday or Sunday that is worked.
	Workday Kind = "workday"
)

// Day is one exception of the calendar (日历例外).
type Day struct {
	Date      string    `json:"date"` // 'YYYY-MM-DD'
	Kind      Kind      `json:"kind"`
	Name      string    `json:"name"` // 春节, 国庆节调休 …
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// dayNum numbers the days of China time: 0 is 1970-01-01.
type dayNum int64

const day = 24 * time.Hour

// dayOf is the China-time day of t and how far into that day t is.
func dayOf(t time.Time) (dayNum, time.Duration) {
	ns := t.UnixNano() + int64(8*time.Hour)
	n := ns / int64(day)
	if ns%int64(day) < 0 {
		n--
	}
	return dayNum(n), time.Duration(ns - n*int64(day))
}

// at is the instant off into day n.
func (n dayNum) at(off time.Duration) time.Time {
	return time.Unix(0, int64(n)*int64(day)+int64(off)-int64(8*time.Hour)).In(China)
}

// weekday is n's day of the week (1970-01-01 was a Thursday).
func (n dayNum) weekday() time.Weekday {
	return time.Weekday(((int64(n)+4)%7 + 7) % 7)
}

// parseDate reads 'YYYY-MM-DD' strictly.
func parseDate(s string) (dayNum, bool) {
	t, err := time.ParseInLocation(time.DateOnly, s, China)
	if err != nil || t.Format(time.DateOnly) != s {
		return 0, false
	}
	n, _ := dayOf(t)
	return n, true
}

// Calendar is a snapshot of the calendar: the exceptions and the working
// hours. It never changes once made, so it is safe for concurrent use.
type Calendar struct {
	exceptions map[dayNum]Kind
	hours      Hours
	segs       [2]segment // the morning and the afternoon
	perDay     time.Duration
	version    int64
}

// segment is a working stretch of a day: from its start to its end, as
// offsets from midnight.
type segment struct{ from, to time.Duration }

// newCalendar makes a snapshot; h must be valid.
func newCalendar(days []Day, h Hours, version int64) *Calendar {
	c := &Calendar{exceptions: make(map[dayNum]Kind, len(days)), hours: h, version: version}
	for _, d := range days {
		if n, ok := parseDate(d.Date); ok {
			c.exceptions[n] = d.Kind
		}
	}
	m := h.minutes()
	c.segs = [2]segment{
		{time.Duration(m[0]) * time.Minute, time.Duration(m[1]) * time.Minute},
		{time.Duration(m[2]) * time.Minute, time.Duration(m[3]) * time.Minute},
	}
	c.perDay = c.segs[0].to - c.segs[0].from + c.segs[1].to - c.segs[1].from
	return c
}

// Hours is the working hours the snapshot counts with.
func (c *Calendar) Hours() Hours { return c.hours }

// HoursPerDay is the working time of one working day.
func (c *Calendar) HoursPerDay() time.Duration { return c.perDay }

// IsWorkday reports whether the China-time day of t is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	n, _ := dayOf(t)
	return c.isWork(n)
}

func (c *Calendar) isWork(n dayNum) bool {
	if k, ok := c.exceptions[n]; ok {
		return k == Workday
	}
	wd := n.weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingHours is the instant at which d of working time has passed
// since from: a from outside working hours counts from the next working
// moment, and the result is the earliest such instant (17:00 plus one hour
// is 18:00 that day, not 09:00 the next). A d of zero or less gives from.
// It takes time in the days spanned.
func (c *Calendar) AddWorkingHours(from time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return from
	}
	n, off := dayOf(from)
	for ; ; n, off = n+1, 0 {
		if !c.isWork(n) {
			continue
		}
		for _, s := range c.segs {
			if off >= s.to {
				continue
			}
			start := max(off, s.from)
			if left := s.to - start; d <= left {
				return n.at(start + d)
			} else {
				d -= left
			}
		}
	}
}

// WorkingTime is the working time between from and to (0 if to is not
// after from). It takes time in the days spanned.
func (c *Calendar) WorkingTime(from, to time.Time) time.Duration {
	if !to.After(from) {
		return 0
	}
	n, off := dayOf(from)
	last, end := dayOf(to)
	var sum time.Duration
	for ; n <= last; n, off = n+1, 0 {
		if !c.isWork(n) {
			continue
		}
		upto := day
		if n == last {
			upto = end
		}
		for _, s := range c.segs {
			if lo, hi := max(off, s.from), min(upto, s.to); hi > lo {
				sum += hi - lo
			}
		}
	}
	return sum
}

// AddWorkingDays is the end of the working day (18:00) of the n-th working
// day after from's day: one working day after a Friday is the Monday
// evening, unless the Monday is a holiday. An n of zero or less gives the
// end of from's day if it is a working day, else of the next one.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	d, _ := dayOf(from)
	if n <= 0 {
		for !c.isWork(d) {
			d++
		}
		return d.at(c.segs[1].to)
	}
	for n > 0 {
		d++
		if c.isWork(d) {
			n--
		}
	}
	return d.at(c.segs[1].to)
}

// NextWorkingMoment is from if it is inside working hours, else the start
// of the next working stretch.
func (c *Calendar) NextWorkingMoment(from time.Time) time.Time {
	n, off := dayOf(from)
	for ; ; n, off = n+1, 0 {
		if !c.isWork(n) {
			continue
		}
		for _, s := range c.segs {
			if off < s.to {
				return n.at(max(off, s.from))
			}
		}
	}
}
