package console

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/auth"
	"estateclub/internal/web"
)

// maxRequestExport bounds one export of the queue.
const maxRequestExport = 20000

// requestExport writes the filtered queue as .xlsx: the queue's columns,
// the member by masked name only, and an audit entry for the export.
func (s *handler) requestExport(w http.ResponseWriter, r *http.Request) {
	ctx, lang := r.Context(), web.Lang(r)
	f, err := s.RequestFilter(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var rows []requestRow
	for f.Offset, f.Limit = 0, 500; f.Offset < maxRequestExport; f.Offset += f.Limit {
		list, _, err := s.Requests.List(ctx, f)
		if err == nil {
			var more []requestRow
			more, err = s.requestRows(r, list)
			rows = append(rows, more...)
		}
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		if len(list) < f.Limit {
			break
		}
	}
	x := excelize.NewFile()
	defer x.Close()
	sheet := s.Cat.T(lang, "requests.title")
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		s.Fail(w, r, err)
		return
	}
	head := []any{}
	for _, k := range []string{"no", "created", "kind", "subkind", "channel", "member", "department", "assignee", "status", "time_left", "escalation", "topic", "rating"} {
		head = append(head, s.Cat.T(lang, "requests.col."+k))
	}
	if err := x.SetSheetRow(sheet, "A1", &head); err != nil {
		s.Fail(w, r, err)
		return
	}
	cat := s.Requests.Labels(r.Context())
	for i, q := range rows {
		rating := ""
		if q.Rating != nil {
			rating = strings.Repeat("★", *q.Rating)
		}
		line := []any{q.No, web.FormatTime(lang, s.Loc, q.CreatedAt), cat.KindLabel(q.Kind, lang), cat.SubkindLabel(q.Kind, q.Subkind, lang), q.Channel.Label(lang),
			q.Member.Label, q.Dept, q.Assignee, q.Status.Label(lang), q.Left, q.Escalation, q.Topic, rating}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := x.SetSheetRow(sheet, cell, &line); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	_ = x.SetColWidth(sheet, "A", "A", 22)
	_ = x.SetColWidth(sheet, "B", "M", 14)
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		s.Fail(w, r, err)
		return
	}
	filter := url.Values{}
	for k, v := range r.URL.Query() {
		if len(v) > 0 && v[0] != "" {
			filter.Set(k, v[0])
		}
	}
	node := "/1/"
	if paths := web.Principal(r).Paths(auth.RequestRead); len(paths) == 1 {
		node = paths[0]
	}
	if err := s.Requests.LogExport(ctx, node, len(rows), filter.Encode()); err != nil {
		s.Fail(w, r, err)
		return
	}
	web.SendFile(w, s.Cat.T(lang, "requests.export_file")+".xlsx", buf.Bytes())
}
