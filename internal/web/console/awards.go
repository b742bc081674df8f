package console

import (
	"bytes"
	"net/http"
	"net/url"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

// Qualifying events (积分事件) and batch awards (批量发放): a specialist
// records an event on a member's points page or for a list of members
// (an event's attendees, an uploaded sheet); the rules of the plans that
// reach each member post the points, once per event however often it is
// sent.

// eventInputFromForm reads the event form of the points page.
func eventInputFromForm(r *http.Request) (points.EventInput, error) {
	in := points.EventInput{Type: points.EventType(r.PostFormValue("event_type")), Ref: r.PostFormValue("ref"), Note: r.PostFormValue("note")}
	if _, err := points.ParseEventType(string(in.Type)); err != nil {
		return in, err
	}
	day, err := formDate(r, "occurred_on")
	if err != nil {
		return in, err
	}
	if day.Valid() {
		in.OccurredAt = time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, web.ChinaTime)
	}
	return in, nil
}

// memberEvent records a qualifying event for the member from the points page.
func (s *handler) memberEvent(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.PointsAward)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in, err := eventInputFromForm(r)
	var ev *points.Event
	if err == nil {
		in.MemberID = m.ID
		ev, err = s.Points.RecordEvent(r.Context(), in)
	}
	back := "/members/" + r.PathValue("member") + "/points"
	if err != nil {
		if apperr.As(err).Code == apperr.Internal {
			s.Fail(w, r, err)
			return
		}
		web.Redirect(w, r, back+"?error="+url.QueryEscape(apperr.As(err).Message(web.Lang(r))), "")
		return
	}
	flash := "flash.event_recorded"
	switch {
	case ev.Replayed:
		flash = "flash.event_replayed"
	case ev.Points.Upgrade == 0 && ev.Points.Reward == 0:
		flash = "flash.event_no_points"
	}
	web.Redirect(w, r, back, flash)
}

type eventsData struct {
	Items []points.Event
	Total int
	Page  web.Paging
	Pager web.Pager
	Query url.Values
	Types []points.EventType
	Ops   *operators // the people its rows name
}

func eventTypes() []points.EventType {
	out := make([]points.EventType, len(points.EventTypes))
	for i, e := range points.EventTypes {
		out[i] = e.Type
	}
	return out
}

// pointEvents lists the recorded events of the members the caller sees.
func (s *handler) pointEvents(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := eventsData{Page: pg, Query: r.URL.Query(), Types: eventTypes()}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "event.title"), Nav: "plans"}
	f, err := web.EventFilter(r, pg)
	if err == nil {
		d.Items, d.Total, err = s.Points.Events(r.Context(), f)
		d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	}
	if err == nil {
		logins := make([]string, 0, len(d.Items))
		for _, e := range d.Items {
			logins = append(logins, e.ActorLogin)
		}
		d.Ops, err = s.operatorsFor(r, logins...)
	}
	p.Data = d
	if err != nil {
		s.FormError(w, r, "events", p, err)
		return
	}
	s.Render(w, r, http.StatusOK, "events", p)
}

// --- batch awards ---

type awardsData struct {
	Types  []points.EventType
	Report *web.BatchReportView
	Batch  *points.BatchReport
}

func (s *handler) awardsPage(w http.ResponseWriter, r *http.Request, status int, report *points.BatchReport, ferr error) {
	d := awardsData{Types: eventTypes()}
	if report != nil {
		d.Report = web.ViewBatch(report, web.Lang(r))
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "award.title"), Nav: "plans", Data: d}
	if ferr != nil {
		s.FormError(w, r, "awards", pg, ferr)
		return
	}
	s.Render(w, r, status, "awards", pg)
}

func (s *handler) pointAwards(w http.ResponseWriter, r *http.Request) {
	s.awardsPage(w, r, http.StatusOK, nil, nil)
}

// pointAwardBatch awards a batch from the console and shows its report;
// a failed batch shows which rows to correct and posts nothing.
func (s *handler) pointAwardBatch(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(web.MaxUpload); err != nil && err != http.ErrNotMultipart {
		s.awardsPage(w, r, http.StatusBadRequest, nil, apperr.Field("file", "上传的文件无法读取", "the uploaded file cannot be read"))
		return
	}
	in, err := web.AwardBatchFromForm(r)
	if err != nil {
		s.awardsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), nil, err)
		return
	}
	in.Within = web.Principal(r).Paths(auth.PointsAward)
	report, err := s.Points.AwardBatch(r.Context(), in)
	if err != nil {
		if report == nil || apperr.As(err).Code == apperr.Internal {
			s.awardsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), nil, err)
			return
		}
		s.awardsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), report, err)
		return
	}
	s.awardsPage(w, r, http.StatusOK, report, nil)
}

// pointAwardTemplate downloads the sheet a batch award is uploaded in.
func (s *handler) pointAwardTemplate(w http.ResponseWriter, r *http.Request) {
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	en := web.Lang(r) == "en"
	head := []any{"会员编号", "关联编号", "日期"}
	example := []any{"M00000001", "EV-2026-031", "2026-03-10"}
	if en {
		head = []any{"member_no", "ref", "date"}
	}
	_ = f.SetSheetRow(sh, "A1", &head)
	_ = f.SetSheetRow(sh, "A2", &example)
	_ = f.SetColWidth(sh, "A", "C", 18)
	_ = f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		s.Fail(w, r, err)
		return
	}
	name := "批量发放积分模板.xlsx"
	if en {
		name = "batch-award-template.xlsx"
	}
	web.SendFile(w, name, buf.Bytes())
}
