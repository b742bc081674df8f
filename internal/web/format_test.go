package web

import (
	"testing"
	"time"

	"estateclub/internal/db"
)

func TestNum(t *testing.T) {
	n := int64(4071200)
	var none *int64
	for _, tt := range []struct {
		in   any
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1,000"}, {4071200, "4,071,200"}, {-1234567, "-1,234,567"},
		{int64(-100), "-100"}, {&n, "4,071,200"}, {none, ""}, {12345.0, "12,345"}, {1234.56, "1,234.6"},
		{-0.5, "-0.5"}, {2.96, "3"}, {"12345", "12345"}, {nil, ""},
	} {
		if got := Num(tt.in); got != tt.want {
			t.Errorf("num(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDatesInThePagesLanguage(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	// 09:10 UTC is 17:10 in Shanghai.
	at := time.Date(2026, 12, 5, 9, 10, 0, 0, time.UTC)
	for _, tt := range []struct{ lang, time, date string }{
		{"zh-CN", "2026年12月5日 17:10", "2026年12月5日"},
		{"en", "5 Dec 2026 17:10", "5 Dec 2026"},
	} {
		if got := FormatTime(tt.lang, sh, at); got != tt.time {
			t.Errorf("formatTime(%s) = %q, want %q", tt.lang, got, tt.time)
		}
		if got := FormatDate(tt.lang, sh, db.DateOf(2026, 12, 5)); got != tt.date {
			t.Errorf("formatDate(%s, db.Date) = %q, want %q", tt.lang, got, tt.date)
		}
		if got := FormatDate(tt.lang, sh, at); got != tt.date {
			t.Errorf("formatDate(%s, time) = %q, want %q", tt.lang, got, tt.date)
		}
	}
	if got := FormatTime("zh-CN", sh, time.Time{}); got != "" {
		t.Errorf("the zero time shows %q", got)
	}
}
