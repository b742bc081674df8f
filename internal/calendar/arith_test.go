package calendar

import (
	"math/rand/v2"
	"testing"
	"time"

	"estateclub/internal/apperr"
)

// china is the calendar of 2026 and 2027 with the default hours.
func china(t testing.TB) *Calendar {
	t.Helper()
	days, err := checkDays(ChinaDays(), listed)
	if err != nil {
		t.Fatal(err)
	}
	return newCalendar(days, DefaultHours, 0)
}

// at is a minute of a day in China time.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, China)
}

func TestIsWorkday(t *testing.T) {
	c := china(t)
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{
		{at(2026, 3, 10, 12, 0), true},                          // a Tuesday
		{at(2026, 3, 14, 12, 0), false},                         // a Saturday
		{at(2026, 10, 1, 12, 0), false},                         // 国庆节, a Thursday
		{at(2026, 10, 10, 12, 0), true},                         // 国庆节调休, a Saturday
		{at(2026, 9, 20, 9, 0), true},                           // 国庆节调休, a Sunday
		{at(2026, 2, 14, 9, 0), true},                           // 春节调休, a Saturday
		{at(2026, 2, 23, 9, 0), false},                          // the last day of 春节, a Monday
		{at(2026, 1, 4, 23, 59), true},                          // 元旦调休, a Sunday, late at night
		{at(2026, 10, 1, 0, 0), false},                          // midnight starts the holiday
		{time.Date(2026, 9, 30, 16, 30, 0, 0, time.UTC), false}, // 00:30 on 1 October in China
	} {
		if got := c.IsWorkday(tc.t); got != tc.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tc.t, got, tc.want)
		}
	}
}

func TestAddWorkingHours(t *testing.T) {
	c := china(t)
	for _, tc := range []struct {
		name     string
		from     time.Time
		d        time.Duration
		want     time.Time
		workTime time.Duration // WorkingTime(from, want), if not d
	}{
		{"within the morning", at(2026, 3, 10, 9, 0), 2 * time.Hour, at(2026, 3, 10, 11, 0), 0},
		{"lunch is skipped", at(2026, 3, 10, 11, 0), 2 * time.Hour, at(2026, 3, 10, 14, 0), 0},
		{"ends at lunch, not after it", at(2026, 3, 10, 11, 0), time.Hour, at(2026, 3, 10, 12, 0), 0},
		{"a start in lunch waits for 13:00", at(2026, 3, 10, 12, 30), 30 * time.Minute, at(2026, 3, 10, 13, 30), 0},
		{"ends at 18:00 that evening", at(2026, 3, 10, 17, 0), time.Hour, at(2026, 3, 10, 18, 0), 0},
		{"over the night", at(2026, 3, 10, 17, 0), 2 * time.Hour, at(2026, 3, 11, 10, 0), 0},
		{"a night start begins at 09:00", at(2026, 3, 10, 22, 15), time.Hour, at(2026, 3, 11, 10, 0), 0},
		{"an early start begins at 09:00", at(2026, 3, 11, 6, 0), 8 * time.Hour, at(2026, 3, 11, 18, 0), 0},
		{"over a weekend", at(2026, 3, 13, 17, 0), 2 * time.Hour, at(2026, 3, 16, 10, 0), 0},
		// 国庆: 30 September (Wed) 17:00 + 2h: 1–7 October off, 8 October (Thu) is next.
		{"across 国庆", at(2026, 9, 30, 17, 0), 2 * time.Hour, at(2026, 10, 8, 10, 0), 0},
		// 9 October (Fri) and 10 October (Sat, 调休) are both worked.
		{"onto the 国庆 adjusted Saturday", at(2026, 10, 9, 17, 0), 2 * time.Hour, at(2026, 10, 10, 10, 0), 0},
		// 24 hours from 8 October 09:00: the 8th, 9th, 10th (Sat, worked).
		{"three working days after 国庆", at(2026, 10, 8, 9, 0), 24 * time.Hour, at(2026, 10, 10, 18, 0), 0},
		// 春节: 13 Feb (Fri) 17:00; 14 Feb (Sat) is worked; 15–23 off; 24 Feb (Tue) next.
		{"onto the 春节 adjusted Saturday", at(2026, 2, 13, 17, 0), 2 * time.Hour, at(2026, 2, 14, 10, 0), 0},
		{"across 春节", at(2026, 2, 14, 17, 0), 2 * time.Hour, at(2026, 2, 24, 10, 0), 0},
		// 26 Feb (Thu) 09:00 + 24h: 26th, 27th, 28th (Sat, worked).
		{"onto the second 春节 Saturday", at(2026, 2, 26, 9, 0), 24 * time.Hour, at(2026, 2, 28, 18, 0), 0},
		{"a start in 春节 begins when it ends", at(2026, 2, 18, 10, 0), 30 * time.Minute, at(2026, 2, 24, 9, 30), 0},
		{"zero", at(2026, 3, 14, 3, 0), 0, at(2026, 3, 14, 3, 0), 0},
		{"negative", at(2026, 3, 10, 10, 0), -time.Hour, at(2026, 3, 10, 10, 0), 0},
		{"seconds", at(2026, 3, 10, 11, 59).Add(30 * time.Second), time.Minute, at(2026, 3, 10, 13, 0).Add(30 * time.Second), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.AddWorkingHours(tc.from, tc.d)
			if !got.Equal(tc.want) {
				t.Fatalf("AddWorkingHours(%s, %s) = %s, want %s", tc.from, tc.d, got, tc.want)
			}
			if w := c.WorkingTime(tc.from, got); w != max(tc.d, 0) {
				t.Errorf("WorkingTime(%s, %s) = %s, want %s", tc.from, got, w, max(tc.d, 0))
			}
		})
	}
}

func TestWorkingTime(t *testing.T) {
	c := china(t)
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     time.Duration
	}{
		{"a working day", at(2026, 3, 10, 0, 0), at(2026, 3, 11, 0, 0), 8 * time.Hour},
		{"lunch does not count", at(2026, 3, 10, 11, 30), at(2026, 3, 10, 13, 30), time.Hour},
		{"the night does not count", at(2026, 3, 10, 17, 0), at(2026, 3, 11, 10, 0), 2 * time.Hour},
		{"a weekend does not count", at(2026, 3, 13, 18, 0), at(2026, 3, 16, 9, 0), 0},
		{"the whole 国庆 week", at(2026, 9, 30, 18, 0), at(2026, 10, 8, 9, 0), 0},
		{"September 2026", at(2026, 9, 1, 0, 0), at(2026, 10, 1, 0, 0), 22 * 8 * time.Hour}, // 22 weekdays, 中秋 on Friday 25th off, Sunday 20th worked
		{"the year 2026", at(2026, 1, 1, 0, 0), at(2027, 1, 1, 0, 0), 0},
		{"backwards", at(2026, 3, 11, 10, 0), at(2026, 3, 10, 10, 0), 0},
		{"empty", at(2026, 3, 11, 10, 0), at(2026, 3, 11, 10, 0), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if tc.name == "the year 2026" {
				want = time.Duration(countWorkdays(c, 2026)) * 8 * time.Hour
				if n := countWorkdays(c, 2026); n != 248 {
					t.Errorf("2026 has %d working days, want 248 (365 days − 104 weekend days − 19 weekdays off + 6 weekend days worked)", n)
				}
			}
			if got := c.WorkingTime(tc.from, tc.to); got != want {
				t.Errorf("WorkingTime = %s, want %s", got, want)
			}
		})
	}
}

func countWorkdays(c *Calendar, year int) int {
	n := 0
	for d := at(year, 1, 1, 12, 0); d.Year() == year; d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

func TestAddWorkingDays(t *testing.T) {
	c := china(t)
	for _, tc := range []struct {
		name string
		from time.Time
		n    int
		want time.Time
	}{
		{"the next day", at(2026, 3, 10, 10, 0), 1, at(2026, 3, 11, 18, 0)},
		{"Friday to Monday", at(2026, 3, 13, 10, 0), 1, at(2026, 3, 16, 18, 0)},
		{"from a Saturday", at(2026, 3, 14, 10, 0), 1, at(2026, 3, 16, 18, 0)},
		{"across 国庆", at(2026, 9, 30, 10, 0), 1, at(2026, 10, 8, 18, 0)},
		{"onto the adjusted Saturday", at(2026, 10, 8, 10, 0), 2, at(2026, 10, 10, 18, 0)},
		// PIPL: 15 working days after 10 February 2026, across 春节 with its two Saturdays.
		// Worked: 11,12,13,14(Sat) Feb, 24,25,26,27,28(Sat) Feb, 2,3,4,5,6 Mar, 9 Mar.
		{"15 days across 春节", at(2026, 2, 10, 15, 0), 15, at(2026, 3, 9, 18, 0)},
		{"zero on a working day", at(2026, 3, 10, 10, 0), 0, at(2026, 3, 10, 18, 0)},
		{"zero on a holiday", at(2026, 10, 3, 10, 0), 0, at(2026, 10, 8, 18, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.AddWorkingDays(tc.from, tc.n); !got.Equal(tc.want) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
			}
		})
	}
}

func TestOtherHours(t *testing.T) {
	// 08:30–17:30, no lunch break: 9 hours.
	h := Hours{Start: "8:30", LunchStart: "12:00", LunchEnd: "12:00", End: "17:30"}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	c := newCalendar(nil, h.normal(), 0)
	if c.HoursPerDay() != 9*time.Hour {
		t.Errorf("HoursPerDay = %s", c.HoursPerDay())
	}
	if got := c.AddWorkingHours(at(2026, 3, 10, 11, 0), 2*time.Hour); !got.Equal(at(2026, 3, 10, 13, 0)) {
		t.Errorf("no lunch: %s", got)
	}
	if got := c.AddWorkingDays(at(2026, 3, 10, 11, 0), 1); !got.Equal(at(2026, 3, 11, 17, 30)) {
		t.Errorf("end of day: %s", got)
	}
	// A day running to midnight.
	h = Hours{Start: "00:00", LunchStart: "12:00", LunchEnd: "12:00", End: "24:00"}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	c = newCalendar(nil, h.normal(), 0)
	if got := c.AddWorkingHours(at(2026, 3, 13, 23, 0), 2*time.Hour); !got.Equal(at(2026, 3, 16, 1, 0)) {
		t.Errorf("to midnight: %s", got)
	}
}

// TestWorkingTimeInvertsAddWorkingHours checks, for random starts over
// 2026 and 2027 and random durations up to three weeks of work, that the
// working time from a start to AddWorkingHours(start, d) is d, that no
// earlier instant reaches d, and that WorkingTime agrees with counting
// minute by minute.
func TestWorkingTimeInvertsAddWorkingHours(t *testing.T) {
	c := china(t)
	rng := rand.New(rand.NewPCG(14, 3))
	start := at(2026, 1, 1, 0, 0)
	for i := range 3000 {
		a := start.Add(time.Duration(rng.Int64N(int64(2 * 365 * 24 * time.Hour)))).Truncate(time.Second)
		d := time.Duration(rng.Int64N(int64(15*8*time.Hour))) + time.Nanosecond
		if i%3 == 0 {
			d = d.Truncate(time.Minute) + time.Minute
		}
		b := c.AddWorkingHours(a, d)
		if got := c.WorkingTime(a, b); got != d {
			t.Fatalf("WorkingTime(%s, AddWorkingHours(+%s) = %s) = %s", a, d, b, got)
		}
		if got := c.WorkingTime(a, b.Add(-time.Nanosecond)); got >= d {
			t.Fatalf("%s reaches %s of work from %s already", b.Add(-time.Nanosecond), d, a)
		}
		if i < 200 {
			a = a.Truncate(time.Minute)
			to := a.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour)))).Truncate(time.Minute)
			if got, want := c.WorkingTime(a, to), byMinute(c, a, to); got != want {
				t.Fatalf("WorkingTime(%s, %s) = %s, counted minute by minute %s", a, to, got, want)
			}
		}
	}
}

// byMinute counts the working minutes from a to b the slow way.
func byMinute(c *Calendar, a, b time.Time) time.Duration {
	var n time.Duration
	for m := a; m.Before(b); m = m.Add(time.Minute) {
		if !c.IsWorkday(m) {
			continue
		}
		lt := m.In(China)
		min := lt.Hour()*60 + lt.Minute()
		if (min >= 9*60 && min < 12*60) || (min >= 13*60 && min < 18*60) {
			n += time.Minute
		}
	}
	return n
}

func TestHoursValidate(t *testing.T) {
	for _, tc := range []struct {
		h     Hours
		field string
	}{
		{Hours{"9:00", "12:00", "13:00", "18:00"}, ""},
		{Hours{"09:00", "09:00", "13:00", "18:00"}, "lunch_start"},
		{Hours{"10:00", "09:00", "13:00", "18:00"}, "lunch_start"},
		{Hours{"09:00", "13:00", "12:00", "18:00"}, "lunch_end"},
		{Hours{"09:00", "12:00", "18:00", "18:00"}, "end"},
		{Hours{"9", "12:00", "13:00", "18:00"}, "start"},
		{Hours{"09:00", "12:60", "13:00", "18:00"}, "lunch_start"},
		{Hours{"09:00", "12:00", "13:00", "24:01"}, "end"},
		{Hours{"09:00", "12:00", "", "18:00"}, "lunch_end"},
	} {
		err := tc.h.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%v: %v", tc.h, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%v: no error, want one on %s", tc.h, tc.field)
		} else if e := asField(err); e != tc.field {
			t.Errorf("%v: error on %q, want %s: %v", tc.h, e, tc.field, err)
		}
	}
}

func BenchmarkAddWorkingHours(b *testing.B) {
	c := china(b)
	from := at(2026, 9, 30, 17, 0)
	for b.Loop() {
		c.AddWorkingHours(from, 40*time.Hour)
	}
}

func asField(err error) string { return apperr.As(err).Field }
