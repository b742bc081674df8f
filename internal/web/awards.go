package web

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/points"
)

// EventFilter reads the filters of the event list.
func EventFilter(r *http.Request, pg Paging) (points.EventFilter, error) {
	q := r.URL.Query()
	f := points.EventFilter{Within: Principal(r).Paths(auth.PointsRead), Offset: pg.Offset(), Limit: pg.PerPage}
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

// BatchReportView is a batch report with each row's error readable, as
// the console and the API show it.
type BatchReportView struct {
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

func ViewBatch(r *points.BatchReport, lang string) *BatchReportView {
	v := &BatchReportView{BatchReport: r, Lines: make([]batchLineView, len(r.Lines))}
	for i, l := range r.Lines {
		v.Lines[i] = batchLineView{BatchLine: l}
		if l.Err != nil {
			v.Lines[i].Error = &rowError{Code: string(l.Err.Code), Field: l.Err.Field, Message: l.Err.Message(lang)}
		}
	}
	return v
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

// AwardBatchFromForm reads the batch form: the event, and the members either
// pasted or in an uploaded .xlsx.
func AwardBatchFromForm(r *http.Request) (points.BatchInput, error) {
	in := points.BatchInput{Type: points.EventType(r.FormValue("event_type")), Ref: r.FormValue("ref"), Note: r.FormValue("note"),
		DryRun: r.FormValue("dry_run") != ""}
	if _, err := points.ParseEventType(string(in.Type)); err != nil {
		return in, err
	}
	if v := strings.TrimSpace(r.FormValue("occurred_on")); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, ChinaTime)
		if err != nil {
			return in, apperr.Field("occurred_on", "日期格式须为 YYYY-MM-DD", "dates must look like YYYY-MM-DD")
		}
		in.OccurredAt = t.Add(12 * time.Hour)
	}
	f, hdr, err := r.FormFile("file")
	switch {
	case err == nil:
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, MaxUpload+1))
		if err != nil {
			return in, err
		}
		if len(data) > MaxUpload {
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
