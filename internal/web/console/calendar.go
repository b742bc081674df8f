package console

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/calendar"
	"estateclub/internal/web"
)

// The working-day calendar (工作日历): every staff member may read it; the
// admin (settings.write over the group) adds, changes and deletes its
// days, uploads a year as .xlsx and sets the working hours.

type calendarPageData struct {
	Year     int
	Years    []int
	Grids    []calendarMonth // all twelve months
	Months   []calendarMonth // the months with exceptions
	Holidays int
	Workdays int // adjusted working days
	Hours    calendar.Hours
	PerDay   string // the working time of a day, "8" or "7.5"
	MaxKB    int
}

// calendarMonth is a month of the page: its grid (weeks from Monday) and
// its exceptions.
type calendarMonth struct {
	Month int
	Weeks [][]calendarCell
	Days  []calendarDay
}

// calendarCell is a day of a month's grid; Day 0 is a blank.
type calendarCell struct {
	Day  int
	Work bool
	Kind calendar.Kind // an exception's kind, else ""
	Name string
}

type calendarDay struct {
	calendar.Day
	Weekday int
}

// calendarYear reads ?year (or the year of ?date), else this year.
func (s *handler) calendarYear(r *http.Request, v string) (int, error) {
	if v == "" {
		return time.Now().In(s.Loc).Year(), nil
	}
	y, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, apperr.Field("year", "年份须为数字，如 2026", "the year must be a number, such as 2026")
	}
	return y, calendar.CheckYear(y)
}

func (s *handler) calendarPage(w http.ResponseWriter, r *http.Request, year, status int, form url.Values, ferr error) {
	ctx := r.Context()
	days, err := s.Calendar.Days(ctx, year)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	cal, err := s.Calendar.Load(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	years, err := s.Calendar.Years(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	h := cal.Hours()
	d := calendarPageData{Year: year, Hours: h, MaxKB: calendar.MaxSheetSize >> 10,
		PerDay: strconv.FormatFloat(cal.HoursPerDay().Hours(), 'f', -1, 64)}
	now := time.Now().In(s.Loc).Year()
	for y := now - 1; y <= now+1; y++ {
		years = append(years, y)
	}
	d.Years = yearOptions(append(years, year))
	byMonth := map[int][]calendarDay{}
	names := map[string]calendar.Day{}
	for _, day := range days {
		t, _ := time.ParseInLocation(time.DateOnly, day.Date, calendar.China)
		byMonth[int(t.Month())] = append(byMonth[int(t.Month())], calendarDay{Day: day, Weekday: int(t.Weekday())})
		names[day.Date] = day
		if day.Kind == calendar.Holiday {
			d.Holidays++
		} else {
			d.Workdays++
		}
	}
	for m := 1; m <= 12; m++ {
		month := calendarMonth{Month: m, Weeks: monthGrid(cal, names, year, time.Month(m)), Days: byMonth[m]}
		d.Grids = append(d.Grids, month)
		if len(month.Days) > 0 {
			d.Months = append(d.Months, month)
		}
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "calendar.title"), Nav: "calendar", Data: d, Form: form}
	if ferr != nil {
		s.FormError(w, r, "calendar", pg, ferr)
		return
	}
	s.Render(w, r, status, "calendar", pg)
}

// yearOptions sorts years and drops repeats.
func yearOptions(years []int) []int {
	slices.Sort(years)
	return slices.Compact(years)
}

// monthGrid lays a month out in weeks from Monday.
func monthGrid(cal *calendar.Calendar, names map[string]calendar.Day, year int, m time.Month) [][]calendarCell {
	first := time.Date(year, m, 1, 12, 0, 0, 0, calendar.China)
	lead := (int(first.Weekday()) + 6) % 7 // blanks before the 1st
	var weeks [][]calendarCell
	week := make([]calendarCell, lead, 7)
	for t := first; t.Month() == m; t = t.AddDate(0, 0, 1) {
		c := calendarCell{Day: t.Day(), Work: cal.IsWorkday(t)}
		if day, ok := names[t.Format(time.DateOnly)]; ok {
			c.Kind, c.Name = day.Kind, day.Name
		}
		week = append(week, c)
		if len(week) == 7 {
			weeks, week = append(weeks, week), make([]calendarCell, 0, 7)
		}
	}
	if len(week) > 0 {
		weeks = append(weeks, append(week, make([]calendarCell, 7-len(week))...))
	}
	return weeks
}

// calendarShow shows a year; ?date= fills the form with that day to change it.
func (s *handler) calendarShow(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	yv := q.Get("year")
	date := q.Get("date")
	if yv == "" && len(date) >= 4 {
		yv = date[:4]
	}
	year, err := s.calendarYear(r, yv)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var form url.Values
	if date != "" {
		days, err := s.Calendar.Days(r.Context(), year)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		for _, d := range days {
			if d.Date == date {
				form = url.Values{"date": {d.Date}, "kind": {string(d.Kind)}, "name": {d.Name}}
			}
		}
	}
	s.calendarPage(w, r, year, http.StatusOK, form, nil)
}

// calendarFail shows the page again with what was sent and why it was refused.
func (s *handler) calendarFail(w http.ResponseWriter, r *http.Request, err error) {
	year, yerr := s.calendarYear(r, r.PostFormValue("year"))
	if date := r.PostFormValue("date"); yerr != nil && len(date) >= 4 {
		year, yerr = s.calendarYear(r, date[:4])
	}
	if yerr != nil {
		year = time.Now().In(s.Loc).Year()
	}
	s.calendarPage(w, r, year, apperr.HTTPStatus(apperr.As(err).Code), nil, err)
}

func calendarBack(year string) string {
	if len(year) >= 4 {
		return "/calendar?year=" + url.QueryEscape(year[:4])
	}
	return "/calendar"
}

// calendarSetDay adds or changes one day.
func (s *handler) calendarSetDay(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	day := calendar.Day{Date: r.PostFormValue("date"), Kind: calendar.Kind(r.PostFormValue("kind")), Name: r.PostFormValue("name")}
	if err := s.Calendar.SetDays(r.Context(), []calendar.Day{day}); err != nil {
		s.calendarFail(w, r, err)
		return
	}
	web.Redirect(w, r, calendarBack(strings.TrimSpace(day.Date)), "calendar.flash.saved")
}

// calendarDeleteDay gives a day back to its weekday.
func (s *handler) calendarDeleteDay(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	date := r.PathValue("date")
	if err := s.Calendar.DeleteDay(r.Context(), date); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			s.Fail(w, r, err)
			return
		}
		s.calendarFail(w, r, err)
		return
	}
	web.Redirect(w, r, calendarBack(date), "calendar.flash.deleted")
}

// calendarHours sets the working hours.
func (s *handler) calendarHours(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	h := calendar.Hours{Start: r.PostFormValue("start"), LunchStart: r.PostFormValue("lunch_start"),
		LunchEnd: r.PostFormValue("lunch_end"), End: r.PostFormValue("end")}
	if err := s.Calendar.SetHours(r.Context(), h); err != nil {
		s.calendarFail(w, r, err)
		return
	}
	web.Redirect(w, r, calendarBack(r.PostFormValue("year")), "calendar.flash.hours")
}

// calendarImport applies an uploaded sheet: every row, or none. The
// request body is bounded before anything reads it (the server's body
// limit); the file's declared size is checked before it is read, and the
// read itself stops past the limit.
func (s *handler) calendarImport(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.SettingsWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	tooBig := apperr.Field("file", fmt.Sprintf("文件超过 %d KB", calendar.MaxSheetSize>>10), fmt.Sprintf("the file is over %d KB", calendar.MaxSheetSize>>10))
	f, hdr, err := r.FormFile("file")
	if err != nil {
		s.calendarFail(w, r, apperr.Field("file", "请选择要上传的 .xlsx 文件", "choose an .xlsx file to upload"))
		return
	}
	defer f.Close()
	if hdr.Size > calendar.MaxSheetSize {
		s.calendarFail(w, r, tooBig)
		return
	}
	data, err := io.ReadAll(io.LimitReader(f, calendar.MaxSheetSize+1))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if len(data) > calendar.MaxSheetSize {
		s.calendarFail(w, r, tooBig)
		return
	}
	if _, err := s.Calendar.ImportSheet(r.Context(), data); err != nil {
		s.calendarFail(w, r, err)
		return
	}
	web.Redirect(w, r, calendarBack(r.PostFormValue("year")), "calendar.flash.imported")
}

// calendarExport downloads a year's exceptions as .xlsx.
func (s *handler) calendarExport(w http.ResponseWriter, r *http.Request) {
	year, err := s.calendarYear(r, r.URL.Query().Get("year"))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	en := web.Lang(r) == "en"
	data, err := s.Calendar.Sheet(r.Context(), year, en)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name := fmt.Sprintf("工作日历-%d.xlsx", year)
	if en {
		name = fmt.Sprintf("calendar-%d.xlsx", year)
	}
	web.SendFile(w, name, data)
}
