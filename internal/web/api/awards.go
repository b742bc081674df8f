package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/points"
	"estateclub/internal/web"
	"net/http"
	"strings"
)

// --- API ---

func (s *handler) apiMemberEvent(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.PointsAward)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var in points.EventInput
	if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if in.MemberID != 0 && in.MemberID != m.ID {
		s.APIError(w, r, apperr.Field("member_id", "会员ID与路径不符", "member_id does not match the path"))
		return
	}
	in.MemberID = m.ID
	ev, err := s.Points.RecordEvent(r.Context(), in)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	status := http.StatusCreated
	if ev.Replayed {
		status = http.StatusOK
	}
	web.WriteJSON(w, status, ev)
}

func (s *handler) apiPointEvents(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f, err := web.EventFilter(r, pg)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	items, total, err := s.Points.Events(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(items, total, pg))
}

// batchError is the API's answer to a refused batch: the error, and the
// report saying which rows to correct.
type batchError struct {
	web.ErrorBody
	Report *web.BatchReportView `json:"report"`
}

func (s *handler) apiBatchResult(w http.ResponseWriter, r *http.Request, report *points.BatchReport, err error) {
	if err != nil {
		e := apperr.As(err)
		if report == nil || e.Code == apperr.Internal {
			s.APIError(w, r, err)
			return
		}
		var body batchError
		body.Error.Code, body.Error.Message, body.Error.Field = string(e.Code), e.Message(web.Lang(r)), e.Field
		body.Report = web.ViewBatch(report, web.Lang(r))
		web.WriteJSON(w, apperr.HTTPStatus(e.Code), body)
		return
	}
	status := http.StatusCreated
	if report.DryRun {
		status = http.StatusOK
	}
	web.WriteJSON(w, status, web.ViewBatch(report, web.Lang(r)))
}

// apiPointBatch awards a batch sent as JSON, or as an uploaded .xlsx
// (multipart/form-data with the fields of the console's form).
func (s *handler) apiPointBatch(w http.ResponseWriter, r *http.Request) {
	var in points.BatchInput
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(web.MaxUpload); err != nil {
			s.APIError(w, r, apperr.Field("file", "上传的文件无法读取", "the uploaded file cannot be read"))
			return
		}
		var err error
		if in, err = web.AwardBatchFromForm(r); err != nil {
			s.APIError(w, r, err)
			return
		}
	} else if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	in.Within = web.Principal(r).Paths(auth.PointsAward)
	report, err := s.Points.AwardBatch(r.Context(), in)
	s.apiBatchResult(w, r, report, err)
}

func (s *handler) apiMemberExpiries(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.PointsRead)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	items, err := s.Points.UpcomingExpiries(r.Context(), m.ID)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if items == nil {
		items = []points.UpcomingExpiry{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}
