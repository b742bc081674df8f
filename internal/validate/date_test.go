package validate

import (
	"testing"
	"time"
)

func TestDate(t *testing.T) {
	mar2 := date(1985, 3, 2)
	valid := []struct {
		in   string
		want time.Time
	}{
		{"1985-03-02", mar2},
		{"1985-3-2", mar2},
		{"1985/3/2", mar2},
		{"1985/03/02", mar2},
		{"1985.3.2", mar2},
		{"19850302", mar2},
		{"1985年3月2日", mar2},
		{"1985年03月02日", mar2},
		{"1985 年 3 月 2 日", mar2},
		{"1985年3月2号", mar2},
		{"1985年3月2", mar2},
		{"１９８５年３月２日", mar2},
		{"１９８５－０３－０２", mar2},
		{" 1985-03-02\u3000", mar2},
		{"1985-03-02T00:00:00Z", mar2},
		{"1985-03-02T23:30:00-05:00", mar2},
		{"1985-03-02T00:00:00+08:00", mar2},
		{"1985-03-02T08:00:00.000+0800", mar2},
		{"1985-03-02 00:00:00", mar2},
		{"1985-03-02 00:00", mar2},
		{"1985/3/2 0:00", mar2},
		{"31108", mar2},
		{"31108.0", mar2},
		{"31108.75", mar2},
		{"2000-02-29", date(2000, 2, 29)},
		{"25569", date(1970, 1, 1)},
		{"36526", date(2000, 1, 1)},
		{"45658", date(2025, 1, 1)},
		{"1", date(1900, 1, 1)},
		{"59", date(1900, 2, 28)},
		{"61", date(1900, 3, 1)},
		{"99999", date(2173, 10, 13)},
	}
	for _, c := range valid {
		t.Run("ok "+c.in, func(t *testing.T) {
			got, err := Date("birthday", c.in)
			if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
				t.Fatalf("Date(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		})
	}

	invalid := []failCase{
		{"", "请填写", "required"},
		{"1985-02-30", "1985 年 2 月只有 28 天", "1985-02-30 is not a real date: February 1985 has 28 days"},
		{"1985年2月29日", "只有 28 天", "has 28 days"},
		{"19850229", "只有 28 天", "has 28 days"},
		{"1900-02-29", "只有 28 天", "has 28 days"},
		{"1985-04-31", "只有 30 天", "has 30 days"},
		{"1985-13-01", "没有 13 月", "no month 13"},
		{"1985-00-10", "没有 0 月", "no month 0"},
		{"1985-03-00", "没有 0 日", "no day 0"},
		{"60", "2 月 29 日", "29 February 1900"},
		{"0", "无法识别", "unrecognised"},
		{"1985", "年份", "only the year"},
		{"1985.0", "年份", "only the year"},
		{"1985.3", "年份", "only the year"},
		{"02/03/1985", "年-月-日", "year first"},
		{"3/2/1985", "年-月-日", "year first"},
		{"02.03.1985", "年-月-日", "year first"},
		{"1985-3/2", "无法识别", "unrecognised"},
		{"1985年3-2", "无法识别", "unrecognised"},
		{"1985-3-2日", "无法识别", "unrecognised"},
		{"1985年3月", "无法识别", "unrecognised"},
		{"850302", "无法识别", "unrecognised"},
		{"-31108", "无法识别", "unrecognised"},
		{"1985-03-02T25:00", "无法识别", "unrecognised"},
		{"1985-03-02 lunch", "无法识别", "unrecognised"},
		{"March 2, 1985", "无法识别", "unrecognised"},
	}
	for _, c := range invalid {
		t.Run("reject "+c.in, func(t *testing.T) {
			got, err := Date("birthday", c.in)
			if !got.IsZero() {
				t.Errorf("got %v with an error", got)
			}
			mustInvalid(t, err, "birthday", c.zh, c.en)
		})
	}
}

func TestDateIn(t *testing.T) {
	lo, hi := date(1900, 1, 1), time.Date(2025, 6, 15, 10, 0, 0, 0, chinaZone)
	valid := []struct {
		in       string
		min, max time.Time
		want     time.Time
	}{
		{"1985-03-02", lo, hi, date(1985, 3, 2)},
		{"1900-01-01", lo, hi, lo},
		{"2025-06-15", lo, hi, date(2025, 6, 15)},
		{"2025年6月15日", lo, time.Date(2025, 6, 15, 23, 59, 0, 0, chinaZone), date(2025, 6, 15)},
		{"2025-06-16", lo, time.Date(2025, 6, 15, 20, 0, 0, 0, time.UTC).In(chinaZone), date(2025, 6, 16)},
		{"1800-01-01", time.Time{}, hi, date(1800, 1, 1)},
		{"2999-01-01", lo, time.Time{}, date(2999, 1, 1)},
	}
	for _, c := range valid {
		t.Run("ok "+c.in, func(t *testing.T) {
			got, err := DateIn("birthday", c.in, c.min, c.max)
			if err != nil || !got.Equal(c.want) {
				t.Fatalf("DateIn(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
		})
	}
	invalid := []failCase{
		{"1899-12-31", "不能早于 1900-01-01", "on or after 1900-01-01"},
		{"2025-06-16", "不能晚于 2025-06-15", "on or before 2025-06-15"},
		{"1985-02-30", "只有 28 天", "has 28 days"},
		{"", "请填写", "required"},
	}
	for _, c := range invalid {
		t.Run("reject "+c.in, func(t *testing.T) {
			_, err := DateIn("birthday", c.in, lo, hi)
			mustInvalid(t, err, "birthday", c.zh, c.en)
		})
	}
}
