package calendar

import (
	"context"
	"fmt"
	"time"
)

// period is a holiday period or an adjusted working day: from and to
// inclusive, 'YYYY-MM-DD'.
type period struct {
	from, to string
	kind     Kind
	name     string
}

// china2026 is the State Council's notice for 2026 (国务院办公厅关于2026年
// 部分节假日安排的通知).
var china2026 = []period{
	{"2026-01-01", "2026-01-03", Holiday, "元旦"},
	{"2026-01-04", "2026-01-04", Workday, "元旦调休"},
	{"2026-02-14", "2026-02-14", Workday, "春节调休"},
	{"2026-02-15", "2026-02-23", Holiday, "春节"},
	{"2026-02-28", "2026-02-28", Workday, "春节调休"},
	{"2026-04-04", "2026-04-06", Holiday, "清明节"},
	{"2026-05-01", "2026-05-05", Holiday, "劳动节"},
	{"2026-05-09", "2026-05-09", Workday, "劳动节调休"},
	{"2026-06-19", "2026-06-21", Holiday, "端午节"},
	{"2026-09-20", "2026-09-20", Workday, "国庆节调休"},
	{"2026-09-25", "2026-09-27", Holiday, "中秋节"},
	{"2026-10-01", "2026-10-07", Holiday, "国庆节"},
	{"2026-10-10", "2026-10-10", Workday, "国庆节调休"},
}

// china2027 is NOT an announced schedule: the State Council publishes
// 2027's late in 2026. It is filled from the lunar dates (春节 2月6日,
// 清明 4月5日, 端午 6月9日, 中秋 9月15日) with the usual pattern —
// statutory days that fall on a weekend moved to the following weekdays,
// long breaks of 5 to 9 days bridged by working a Saturday or Sunday, a
// midweek 端午 or 中秋 off on its own day — and must be replaced by the
// notice once it is out.
var china2027 = []period{
	{"2027-01-01", "2027-01-03", Holiday, "元旦"},
	{"2027-01-31", "2027-01-31", Workday, "春节调休"},
	{"2027-02-05", "2027-02-13", Holiday, "春节"},
	{"2027-02-14", "2027-02-14", Workday, "春节调休"},
	{"2027-04-03", "2027-04-05", Holiday, "清明节"},
	{"2027-05-01", "2027-05-05", Holiday, "劳动节"},
	{"2027-05-08", "2027-05-08", Workday, "劳动节调休"},
	{"2027-06-09", "2027-06-09", Holiday, "端午节"},
	{"2027-09-15", "2027-09-15", Holiday, "中秋节"},
	{"2027-09-26", "2027-09-26", Workday, "国庆节调休"},
	{"2027-10-01", "2027-10-07", Holiday, "国庆节"},
	{"2027-10-09", "2027-10-09", Workday, "国庆节调休"},
}

// ChinaDays is the days of China's holiday schedule for 2026 (announced)
// and 2027 (estimated, see china2027).
func ChinaDays() []Day {
	var out []Day
	for _, p := range append(append([]period{}, china2026...), china2027...) {
		from, _ := time.Parse(time.DateOnly, p.from)
		to, _ := time.Parse(time.DateOnly, p.to)
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			out = append(out, Day{Date: d.Format(time.DateOnly), Kind: p.kind, Name: p.name})
		}
	}
	return out
}

// SeedChina fills the calendar with 2026 and 2027 (ChinaDays). Running it
// again changes nothing.
func SeedChina(ctx context.Context, s *Service) error {
	if err := s.SetDays(ctx, ChinaDays()); err != nil {
		return fmt.Errorf("seed China's calendar: %w", err)
	}
	return nil
}
