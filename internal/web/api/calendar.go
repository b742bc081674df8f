package api

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/calendar"
	"estateclub/internal/org"
)

// The working-day calendar (工作日历) is group-wide: any caller reads it;
// the routes that change it load the group's root with s.AuthorizeGroup,
// checking settings.write there before the body is read.

// calendarYear is a year's exceptions.
type calendarYear struct {
	Year int            `json:"year"`
	Days []calendar.Day `json:"days"`
}

// pathYear reads {year}.
func pathYear(r *http.Request) (int, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		return 0, apperr.Field("year", "年份须为数字，如 2026", "the year must be a number, such as 2026")
	}
	return y, calendar.CheckYear(y)
}

func (s *handler) calendarYearView(r *http.Request, year int) (any, error) {
	days, err := s.Calendar.Days(r.Context(), year)
	if err != nil {
		return nil, err
	}
	if days == nil {
		days = []calendar.Day{}
	}
	return calendarYear{Year: year, Days: days}, nil
}

func (s *handler) calendarGet(r *request[none]) (any, error) {
	year, err := pathYear(r.Request)
	if err != nil {
		return nil, err
	}
	return s.calendarYearView(r.Request, year)
}

// calendarDayIn is a day as a client sends it.
type calendarDayIn struct {
	Date string        `json:"date"`
	Kind calendar.Kind `json:"kind"`
	Name string        `json:"name"`
}

type calendarYearBody struct {
	Days *[]calendarDayIn `json:"days"`
}

func (b calendarYearBody) Validate() error {
	if b.Days == nil {
		return apperr.Field("days", "请提供 days 列表（可为空）", "days is required (it may be empty)")
	}
	return nil
}

// calendarPut makes the year's exceptions exactly those sent.
func (s *handler) calendarPut(r *request[calendarYearBody], _ *org.Node) (any, error) {
	year, err := pathYear(r.Request)
	if err != nil {
		return nil, err
	}
	days := make([]calendar.Day, len(*r.Body.Days))
	for i, d := range *r.Body.Days {
		days[i] = calendar.Day{Date: d.Date, Kind: d.Kind, Name: d.Name}
	}
	if err := s.Calendar.ReplaceYear(r.Context(), year, days); err != nil {
		return nil, err
	}
	return s.calendarYearView(r.Request, year)
}

// calendarDelete gives a day back to its weekday.
func (s *handler) calendarDelete(r *request[none], _ *org.Node) (any, error) {
	return nil, s.Calendar.DeleteDay(r.Context(), r.PathValue("date"))
}

func (s *handler) calendarHoursGet(r *request[none]) (any, error) {
	return s.Calendar.Hours(r.Context())
}

// calendarHoursPut sets the working hours and answers them as stored.
func (s *handler) calendarHoursPut(r *request[calendar.Hours], _ *org.Node) (any, error) {
	if err := s.Calendar.SetHours(r.Context(), r.Body); err != nil {
		return nil, err
	}
	return s.Calendar.Hours(r.Context())
}
