package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// Events (活动管理) in the console: the list with its filters and the
// charts of attendance and satisfaction by month, the month calendar, the
// yearly plans (events_plans.go), the proposal form (events_form.go), the
// event page with its steps (events_show.go), and what follows the event:
// calls, survey, costs, evaluation and the case library (events_after.go).
// Every event a route names is read within the caller's scope for the
// route's permission: outside it, the event does not exist.

// evScope is where the caller holds perm over events.
func evScope(r *http.Request, perm auth.Permission) *event.Scope {
	return event.Within(web.Principal(r).Paths(perm))
}

// scopedEvent loads the event {event} within the caller's scope for perm.
func (s *handler) scopedEvent(r *http.Request, perm auth.Permission) (*event.Event, error) {
	id, err := strconv.ParseInt(r.PathValue("event"), 10, 64)
	if err != nil || id <= 0 {
		return nil, web.NotFoundErr
	}
	e, err := s.Events.Get(r.Context(), id, evScope(r, perm))
	if apperr.Is(err, apperr.NotFound) {
		return nil, web.NotFoundErr
	}
	return e, err
}

// evNodes are the org nodes within the caller's scope for perm, to pick from.
func (s *handler) evNodes(r *http.Request, perm auth.Permission) ([]org.Node, error) {
	nodes, _, err := s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(perm)})
	return nodes, err
}

// evNode reads a node picked by its code (empty: none) within perm's scope.
func (s *handler) evNode(r *http.Request, field, code string, perm auth.Permission) (*org.Node, error) {
	if strings.TrimSpace(code) == "" {
		return nil, nil
	}
	n, err := s.Org.ByCode(r.Context(), code)
	if err != nil || !web.Principal(r).CanAt(perm, n.Path) {
		return nil, apperr.Field(field, "请选择您管理范围内的组织", "choose an org node within your scope")
	}
	return n, nil
}

// activityListData is the list page.
type activityListData struct {
	Rows      []event.Event
	Total     int
	Pager     web.Pager
	Query     url.Values
	Nodes     []org.Node
	Statuses  []event.Status
	Kinds     []event.Kind
	Year      int
	Charts    []web.Chart
	Ratings   []ratingBar
	Monthly   []event.MonthStat
	CanWrite  bool
	CanReview bool
}

// AnyHeld reports whether any month of the year held an event (the monthly
// table says so instead of standing empty).
func (d *activityListData) AnyHeld() bool {
	for _, m := range d.Monthly {
		if m.Events > 0 {
			return true
		}
	}
	return false
}

// ratingBar is a month's average satisfaction (1–5) in the chart.
type ratingBar struct {
	Month   string
	Avg     float64
	Rated   int
	Pct     float64
	Y       int
	TextY   int
	AvgText string
}

// eventFilter reads the list's filters.
func (s *handler) eventFilter(r *http.Request) (event.Filter, int, error) {
	q := r.URL.Query()
	f := event.Filter{Within: evScope(r, auth.EventRead), Kind: event.Kind(q.Get("kind")), Q: q.Get("q")}
	if st := q.Get("status"); st != "" {
		f.Status = []event.Status{event.Status(st)}
	}
	switch q.Get("planned") {
	case "planned":
		no := false
		f.Unplanned = &no
	case "unplanned":
		yes := true
		f.Unplanned = &yes
	}
	n, err := s.evNode(r, "node", q.Get("node"), auth.EventRead)
	if err != nil {
		return f, 0, err
	}
	if n != nil {
		f.NodeID = n.ID
	}
	year := s.today().Year()
	if m := q.Get("month"); m != "" {
		t, err := time.ParseInLocation("2006-01", m, web.ChinaTime)
		if err != nil {
			return f, year, apperr.Field("month", "月份格式应为 YYYY-MM", "the month is YYYY-MM")
		}
		f.From, f.To, year = t, t.AddDate(0, 1, 0), t.Year()
	} else if y := q.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			return f, year, apperr.Field("year", "年份须为 2000–2100 的整数", "the year is a whole number from 2000 to 2100")
		}
		year = n
		f.From, f.To = time.Date(n, 1, 1, 0, 0, 0, 0, web.ChinaTime), time.Date(n+1, 1, 1, 0, 0, 0, 0, web.ChinaTime)
	}
	return f, year, nil
}

// today is the club's date now (the database's clock).
func (s *handler) today() time.Time { return s.DB.Clock().In(web.ChinaTime) }

func (s *handler) eventList(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	d := activityListData{Query: r.URL.Query(), Statuses: event.Statuses, Kinds: event.Kinds,
		CanWrite: p.Can(auth.EventWrite), CanReview: p.Can(auth.EventApprove)}
	page := web.Page{Title: s.Cat.T(web.Lang(r), "ev.title"), Nav: "events", Data: &d}
	var err error
	if d.Nodes, err = s.evNodes(r, auth.EventRead); err != nil {
		s.Fail(w, r, err)
		return
	}
	f, year, err := s.eventFilter(r)
	d.Year = year
	pg, perr := web.ReadPaging(r)
	if err == nil {
		err = perr
	}
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		d.Rows, d.Total, err = s.Events.List(r.Context(), f)
	}
	if err == nil {
		d.Monthly, err = s.Events.Monthly(r.Context(), year, evScope(r, auth.EventRead))
	}
	if err != nil {
		s.FormError(w, r, "ev_list", page, err)
		return
	}
	d.Pager = web.NewPager(r, pg, d.Total, len(d.Rows), false)
	d.Charts, d.Ratings = monthCharts(d.Monthly)
	s.Render(w, r, http.StatusOK, "ev_list", page)
}

// monthCharts draws attendance by month as bars, and the average rating
// (1–5) of the satisfaction survey by month.
func monthCharts(ms []event.MonthStat) ([]web.Chart, []ratingBar) {
	att := web.Chart{TitleKey: "ev.chart.attendance"}
	walk := web.Chart{TitleKey: "ev.chart.walk_ins"}
	var ratings []ratingBar
	for _, m := range ms {
		att.Bars = append(att.Bars, web.Bar{Kind: "month", Key: m.Month, N: m.Attended})
		walk.Bars = append(walk.Bars, web.Bar{Kind: "month", Key: m.Month, N: m.WalkIns})
		rb := ratingBar{Month: m.Month, Rated: m.Rated, AvgText: "–"}
		if m.AvgRating != nil {
			rb.Avg, rb.Pct = *m.AvgRating, *m.AvgRating*100/5
			rb.AvgText = strconv.FormatFloat(rb.Avg, 'f', 2, 64)
		}
		ratings = append(ratings, rb)
	}
	for i := range ratings {
		ratings[i].Y = i*28 + 2
		ratings[i].TextY = i*28 + 2 + 10 + 4
	}
	return []web.Chart{web.Finish(att), web.Finish(walk)}, ratings
}

// RatingHeight is the SVG height of the satisfaction chart.
func (d *activityListData) RatingHeight() int { return len(d.Ratings)*28 + 4 }

// calendarData is the month calendar: weeks of days, Monday first.
type calendarData struct {
	Month      time.Time
	Prev, Next string
	Weeks      [][]calDay
	Count      int
}

// calDay is a day of the calendar with the events starting on it.
type calDay struct {
	Date   time.Time
	In     bool // in the month shown
	Today  bool
	Events []event.Event
}

func (s *handler) eventCalendar(w http.ResponseWriter, r *http.Request) {
	month := time.Date(s.today().Year(), s.today().Month(), 1, 0, 0, 0, 0, web.ChinaTime)
	page := web.Page{Title: s.Cat.T(web.Lang(r), "ev.calendar"), Nav: "events"}
	if m := r.URL.Query().Get("month"); m != "" {
		t, err := time.ParseInLocation("2006-01", m, web.ChinaTime)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			page.Data = &calendarData{Month: month}
			s.FormError(w, r, "ev_calendar", page, apperr.Field("month", "月份格式应为 YYYY-MM", "the month is YYYY-MM"))
			return
		}
		month = t
	}
	list, err := s.Events.Month(r.Context(), month.Year(), month.Month(), evScope(r, auth.EventRead))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := &calendarData{Month: month, Prev: month.AddDate(0, -1, 0).Format("2006-01"), Next: month.AddDate(0, 1, 0).Format("2006-01"), Count: len(list)}
	byDay := map[string][]event.Event{}
	for _, e := range list {
		k := e.StartsAt.In(web.ChinaTime).Format("2006-01-02")
		byDay[k] = append(byDay[k], e)
	}
	start := month.AddDate(0, 0, -((int(month.Weekday()) + 6) % 7))
	today := s.today().Format("2006-01-02")
	for day := start; day.Before(month.AddDate(0, 1, 0)); {
		var week []calDay
		for i := 0; i < 7; i++ {
			k := day.Format("2006-01-02")
			week = append(week, calDay{Date: day, In: day.Month() == month.Month(), Today: k == today, Events: byDay[k]})
			day = day.AddDate(0, 0, 1)
		}
		d.Weeks = append(d.Weeks, week)
	}
	page.Data = d
	s.Render(w, r, http.StatusOK, "ev_calendar", page)
}
