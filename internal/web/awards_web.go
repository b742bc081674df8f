package web

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/points"
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
		in.OccurredAt = time.Date(day.Year(), day.Month(), day.Day(), 12, 0, 0, 0, chinaTime)
	}
	return in, nil
}

// memberEvent records a qualifying event for the member from the points page.
func (s *Server) memberEvent(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.PointsAward)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, err := eventInputFromForm(r)
	var ev *points.Event
	if err == nil {
		in.MemberID = m.ID
		ev, err = s.points.RecordEvent(r.Context(), in)
	}
	back := "/members/" + r.PathValue("member") + "/points"
	if err != nil {
		if apperr.As(err).Code == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		redirect(w, r, back+"?error="+url.QueryEscape(apperr.As(err).Message(lang(r))), "")
		return
	}
	flash := "flash.event_recorded"
	switch {
	case ev.Replayed:
		flash = "flash.event_replayed"
	case ev.Points.Upgrade == 0 && ev.Points.Reward == 0:
		flash = "flash.event_no_points"
	}
	redirect(w, r, back, flash)
}

type eventsData struct {
	Items []points.Event
	Total int
	Page  paging
	Pager pager
	Query url.Values
	Types []points.EventType
	Ops   *operators // the people its rows name
}

// eventFilter reads the filters of the event list.
func eventFilter(r *http.Request, pg paging) (points.EventFilter, error) {
	q := r.URL.Query()
	f := points.EventFilter{Within: principal(r).Paths(auth.PointsRead), Offset: pg.offset(), Limit: pg.PerPage}
	if t := q.Get("event_type"); t != "" {
		et, err := points.ParseEventType(t)
		if err != nil {
			return f, err
		}
		f.Type = et
	}
	for field, dst := range map[string]*int64{"member_id": &f.MemberID, "batch_id": &f.BatchID} {
		if v := q.Get(field); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return f, apperr.Field(field, "须为正整数", "must be a positive whole number")
			}
			*dst = n
		}
	}
	return f, nil
}

func eventTypes() []points.EventType {
	out := make([]points.EventType, len(points.EventTypes))
	for i, e := range points.EventTypes {
		out[i] = e.Type
	}
	return out
}

// pointEvents lists the recorded events of the members the caller sees.
func (s *Server) pointEvents(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := eventsData{Page: pg, Query: r.URL.Query(), Types: eventTypes()}
	p := page{Title: s.cat.T(lang(r), "event.title"), Nav: "plans"}
	f, err := eventFilter(r, pg)
	if err == nil {
		d.Items, d.Total, err = s.points.Events(r.Context(), f)
		d.Pager = newPager(r, pg, d.Total, 0, false)
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
		s.formError(w, r, "events", p, err)
		return
	}
	s.render(w, r, http.StatusOK, "events", p)
}

// --- batch awards ---

type awardsData struct {
	Types  []points.EventType
	Report *batchReportView
	Batch  *points.BatchReport
}

// batchReportView is a batch report with each row's error readable, as
// the console and the API show it.
type batchReportView struct {
	*points.BatchReport
	Lines []batchLineView `json:"lines"`
}

type batchLineView struct {
	points.BatchLine
	Error *rowError `json:"error,omitempty"`
}

// rowError is the error of one row of a batch.
type rowError struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func viewBatch(r *points.BatchReport, lang string) *batchReportView {
	v := &batchReportView{BatchReport: r, Lines: make([]batchLineView, len(r.Lines))}
	for i, l := range r.Lines {
		v.Lines[i] = batchLineView{BatchLine: l}
		if l.Err != nil {
			v.Lines[i].Error = &rowError{Code: string(l.Err.Code), Field: l.Err.Field, Message: l.Err.Message(lang)}
		}
	}
	return v
}

func (s *Server) awardsPage(w http.ResponseWriter, r *http.Request, status int, report *points.BatchReport, ferr error) {
	d := awardsData{Types: eventTypes()}
	if report != nil {
		d.Report = viewBatch(report, lang(r))
	}
	pg := page{Title: s.cat.T(lang(r), "award.title"), Nav: "plans", Data: d}
	if ferr != nil {
		s.formError(w, r, "awards", pg, ferr)
		return
	}
	s.render(w, r, status, "awards", pg)
}

func (s *Server) pointAwards(w http.ResponseWriter, r *http.Request) {
	s.awardsPage(w, r, http.StatusOK, nil, nil)
}

// memberNumbers reads a pasted list of member numbers or ids, one per line
// (commas, spaces and tabs also separate them); a number that is all
// digits is a member id.
func memberNumbers(text string) []points.BatchRow {
	var rows []points.BatchRow
	sc := bufio.NewScanner(strings.NewReader(text))
	line := 0
	for sc.Scan() {
		line++
		for _, f := range strings.FieldsFunc(sc.Text(), func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\t' || r == '、' }) {
			row := points.BatchRow{Line: line}
			if id, err := strconv.ParseInt(f, 10, 64); err == nil {
				row.MemberID = id
			} else {
				row.MemberNo = f
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// awardBatchFromForm reads the batch form: the event, and the members either
// pasted or in an uploaded .xlsx.
func awardBatchFromForm(r *http.Request) (points.BatchInput, error) {
	in := points.BatchInput{Type: points.EventType(r.FormValue("event_type")), Ref: r.FormValue("ref"), Note: r.FormValue("note"),
		DryRun: r.FormValue("dry_run") != ""}
	if _, err := points.ParseEventType(string(in.Type)); err != nil {
		return in, err
	}
	if v := strings.TrimSpace(r.FormValue("occurred_on")); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, chinaTime)
		if err != nil {
			return in, apperr.Field("occurred_on", "日期格式须为 YYYY-MM-DD", "dates must look like YYYY-MM-DD")
		}
		in.OccurredAt = t.Add(12 * time.Hour)
	}
	f, hdr, err := r.FormFile("file")
	switch {
	case err == nil:
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, maxUpload+1))
		if err != nil {
			return in, err
		}
		if len(data) > maxUpload {
			return in, apperr.Field("file", "文件超过 64 MB，请拆分后上传", "the file is over 64 MB; split it")
		}
		if in.Rows, err = points.ReadAwardSheet(bytes.NewReader(data)); err != nil {
			return in, err
		}
		in.Source, in.File = "xlsx", hdr.Filename
	case errors.Is(err, http.ErrMissingFile), errors.Is(err, http.ErrNotMultipart):
		in.Rows = memberNumbers(r.FormValue("members"))
	default:
		return in, apperr.Field("file", "上传的文件无法读取", "the uploaded file cannot be read")
	}
	if len(in.Rows) == 0 {
		return in, apperr.Field("members", "请填写会员编号或上传名单", "list member numbers or upload a sheet")
	}
	return in, nil
}

// pointAwardBatch awards a batch from the console and shows its report;
// a failed batch shows which rows to correct and posts nothing.
func (s *Server) pointAwardBatch(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseMultipartForm(maxUpload); err != nil && err != http.ErrNotMultipart {
		s.awardsPage(w, r, http.StatusBadRequest, nil, apperr.Field("file", "上传的文件无法读取", "the uploaded file cannot be read"))
		return
	}
	in, err := awardBatchFromForm(r)
	if err != nil {
		s.awardsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), nil, err)
		return
	}
	in.Within = principal(r).Paths(auth.PointsAward)
	report, err := s.points.AwardBatch(r.Context(), in)
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
func (s *Server) pointAwardTemplate(w http.ResponseWriter, r *http.Request) {
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	en := lang(r) == "en"
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
		s.fail(w, r, err)
		return
	}
	name := "批量发放积分模板.xlsx"
	if en {
		name = "batch-award-template.xlsx"
	}
	sendFile(w, name, buf.Bytes())
}

// --- API ---

func (s *Server) apiMemberEvent(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.PointsAward)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in points.EventInput
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if in.MemberID != 0 && in.MemberID != m.ID {
		s.apiError(w, r, apperr.Field("member_id", "会员ID与路径不符", "member_id does not match the path"))
		return
	}
	in.MemberID = m.ID
	ev, err := s.points.RecordEvent(r.Context(), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := http.StatusCreated
	if ev.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, ev)
}

func (s *Server) apiPointEvents(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := eventFilter(r, pg)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items, total, err := s.points.Events(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, total, pg))
}

// batchError is the API's answer to a refused batch: the error, and the
// report saying which rows to correct.
type batchError struct {
	ErrorBody
	Report *batchReportView `json:"report"`
}

func (s *Server) apiBatchResult(w http.ResponseWriter, r *http.Request, report *points.BatchReport, err error) {
	if err != nil {
		e := apperr.As(err)
		if report == nil || e.Code == apperr.Internal {
			s.apiError(w, r, err)
			return
		}
		var body batchError
		body.Error.Code, body.Error.Message, body.Error.Field = string(e.Code), e.Message(lang(r)), e.Field
		body.Report = viewBatch(report, lang(r))
		writeJSON(w, apperr.HTTPStatus(e.Code), body)
		return
	}
	status := http.StatusCreated
	if report.DryRun {
		status = http.StatusOK
	}
	writeJSON(w, status, viewBatch(report, lang(r)))
}

// apiPointBatch awards a batch sent as JSON, or as an uploaded .xlsx
// (multipart/form-data with the fields of the console's form).
func (s *Server) apiPointBatch(w http.ResponseWriter, r *http.Request) {
	var in points.BatchInput
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(maxUpload); err != nil {
			s.apiError(w, r, apperr.Field("file", "上传的文件无法读取", "the uploaded file cannot be read"))
			return
		}
		var err error
		if in, err = awardBatchFromForm(r); err != nil {
			s.apiError(w, r, err)
			return
		}
	} else if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	in.Within = principal(r).Paths(auth.PointsAward)
	report, err := s.points.AwardBatch(r.Context(), in)
	s.apiBatchResult(w, r, report, err)
}

func (s *Server) apiMemberExpiries(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.PointsRead)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items, err := s.points.UpcomingExpiries(r.Context(), m.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if items == nil {
		items = []points.UpcomingExpiry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
