package api

import (
	"net/http"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

// memberEvent records an event for the member: 201, or 200 when its
// idempotency key replays an event already recorded.
func (s *handler) memberEvent(r *request[points.EventInput], m *member.Member) (any, error) {
	in := r.Body
	if in.MemberID != 0 && in.MemberID != m.ID {
		return nil, apperr.Field("member_id", "会员ID与路径不符", "member_id does not match the path")
	}
	in.MemberID = m.ID
	ev, err := s.Points.RecordEvent(r.Context(), in)
	if err != nil {
		return nil, err
	}
	if ev.Replayed {
		return ev, nil
	}
	return created(ev), nil
}

func (s *handler) pointEvents(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := web.EventFilter(r.Request, pg)
	if err != nil {
		return nil, err
	}
	list, total, err := s.Points.Events(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
}

// batchError is the API's answer to a refused batch: the error, and the
// report saying which rows to correct.
type batchError struct {
	web.ErrorBody
	Report *web.BatchReportView `json:"report"`
}

// batchResult is the answer to a batch: its report (201, or 200 for a dry
// run), or for a batch refused with a report, the error beside the report
// with the error's status.
func batchResult(r *http.Request, report *points.BatchReport, err error) (any, error) {
	if err != nil {
		e := apperr.As(err)
		if report == nil || e.Code == apperr.Internal {
			return nil, err
		}
		var body batchError
		body.Error.Code, body.Error.Message, body.Error.Field = string(e.Code), e.Message(web.Lang(r)), e.Field
		body.Report = web.ViewBatch(report, web.Lang(r))
		return withStatus(apperr.HTTPStatus(e.Code), body), nil
	}
	if report.DryRun {
		return web.ViewBatch(report, web.Lang(r)), nil
	}
	return created(web.ViewBatch(report, web.Lang(r))), nil
}

// pointBatch awards a batch sent as JSON, or as an uploaded .xlsx
// (multipart/form-data with the fields of the console's form). It reads
// its body itself, so it stays a plain handler.
func (s *handler) pointBatch(w http.ResponseWriter, r *http.Request) {
	in, err := batchInput(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	in.Within = web.Principal(r).Paths(auth.PointsAward)
	report, err := s.Points.AwardBatch(r.Context(), in)
	out, err := batchResult(r, report, err)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	write(w, out)
}

// batchInput reads the batch from the JSON or the multipart body.
func batchInput(r *http.Request) (in points.BatchInput, err error) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return in, web.DecodeJSON(r, &in)
	}
	if err := r.ParseMultipartForm(web.MaxUpload); err != nil {
		return in, apperr.Field("file", "上传的文件无法读取", "the uploaded file cannot be read")
	}
	return web.AwardBatchFromForm(r)
}

func (s *handler) memberExpiries(r *request[none], m *member.Member) (any, error) {
	return items(s.Points.UpcomingExpiries(r.Context(), m.ID))
}
