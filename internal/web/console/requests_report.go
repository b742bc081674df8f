package console

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/org"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// The monthly request report page (诉求月报, /requests/report): a month and
// a node within the caller's request scope, the totals, charts and one
// table per kind, department, project and channel, the recurring topics
// and the year's trend; /requests/report/export gives the same tables as
// an .xlsx, a sheet each, recorded in the audit log.

type requestReportData struct {
	R      *web.RequestReport
	Month  string
	Node   string
	Nodes  []org.Node
	Charts []web.Chart
	Total  reportRow
	Groups []reportGroup
	Topics []topicRow
	Query  url.Values
}

// reportGroup is one table of the page: its title, first column and lines.
type reportGroup struct {
	ID, TitleKey, ColumnKey string
	Lines                   []request.Line
	Rows                    []reportRow
}

// reportRow is a line of the report as the page shows it: "—" where there
// is nothing to measure.
type reportRow struct {
	Label                                        string
	Typed                                        bool
	Received, Resolved, OpenAtEnd, Merged        int
	Response, Resolve, WithinDue, Rating, Reopen string
}

type topicRow struct {
	Label           string
	Typed           bool
	Count, Previous int
	Change          string
}

func avgMedian(avg, median *float64) string {
	if avg == nil {
		return "—"
	}
	return figure(*avg) + " / " + figure(*median)
}

func figure(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func share(n int, rate *float64) string {
	if rate == nil {
		return "—"
	}
	return strconv.Itoa(n) + " · " + figure(*rate*100) + "%"
}

func rowOf(lang string, l request.Line) reportRow {
	rating := "—"
	if l.AvgRating != nil {
		rating = figure(*l.AvgRating) + " (" + strconv.Itoa(l.Rated) + ")"
	}
	return reportRow{Label: l.Label(lang), Typed: l.Typed(lang), Received: l.Received, Resolved: l.Resolved,
		OpenAtEnd: l.OpenAtEnd, Merged: l.Merged, Response: avgMedian(l.AvgResponseHours, l.MedianResponseHours),
		Resolve: avgMedian(l.AvgResolveHours, l.MedianResolveHours), WithinDue: share(l.WithinDue, l.WithinDueRate),
		Rating: rating, Reopen: share(l.Reopened, l.ReopenRate)}
}

func groupsOf(rep *request.Report) []reportGroup {
	return []reportGroup{
		{"by-kind", "rreport.by_kind", "rreport.kind", rep.ByKind, nil},
		{"by-department", "rreport.by_department", "rreport.department", rep.ByDepartment, nil},
		{"by-project", "rreport.by_project", "rreport.project", rep.ByProject, nil},
		{"by-channel", "rreport.by_channel", "rreport.channel", rep.ByChannel, nil},
	}
}

// requestReportCharts draws the trend, the requests received per kind,
// department, project and channel, and the topics.
func requestReportCharts(lang string, rep *request.Report) []web.Chart {
	recv, res := web.Chart{TitleKey: "rreport.chart.received_trend"}, web.Chart{TitleKey: "rreport.chart.resolved_trend"}
	for _, m := range rep.Trend {
		recv.Bars = append(recv.Bars, web.Bar{Kind: "month", Key: m.Month, N: m.Received})
		res.Bars = append(res.Bars, web.Bar{Kind: "month", Key: m.Month, N: m.Resolved})
	}
	out := []web.Chart{web.Finish(recv), web.Finish(res)}
	for _, g := range []struct {
		key   string
		lines []request.Line
	}{{"rreport.chart.by_kind", rep.ByKind}, {"rreport.chart.by_department", rep.ByDepartment},
		{"rreport.chart.by_project", rep.ByProject}, {"rreport.chart.by_channel", rep.ByChannel}} {
		c := web.Chart{TitleKey: g.key}
		for _, l := range g.lines {
			if l.Received == 0 {
				continue
			}
			kind := ""
			if l.Typed(lang) {
				kind = "typed"
			}
			c.Bars = append(c.Bars, web.Bar{Kind: kind, Key: l.Label(lang), N: l.Received})
		}
		if len(c.Bars) > 0 {
			out = append(out, web.Finish(c))
		}
	}
	if len(rep.Topics) > 0 {
		c := web.Chart{TitleKey: "rreport.chart.topics"}
		for _, t := range rep.Topics {
			kind := ""
			if t.Topic != "" {
				kind = "typed"
			}
			c.Bars = append(c.Bars, web.Bar{Kind: kind, Key: t.Label(lang), N: t.Count})
		}
		out = append(out, web.Finish(c))
	}
	return out
}

func (s *handler) requestReport(w http.ResponseWriter, r *http.Request) {
	d := requestReportData{Query: r.URL.Query(), Month: r.URL.Query().Get("month"), Node: r.URL.Query().Get("node")}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "rreport.title"), Nav: "request_report", Data: &d}
	nodes, err := s.RequestReportNodes(r.Context(), web.Principal(r))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Nodes = nodes
	rep, _, err := s.BuildRequestReport(r)
	if err != nil {
		s.FormError(w, r, "requests_report", pg, err)
		return
	}
	d.R, d.Month, d.Node = rep, rep.Month, rep.Node
	lang := web.Lang(r)
	d.Charts, d.Groups, d.Total = requestReportCharts(lang, rep.Report), groupsOf(rep.Report), rowOf(lang, rep.Total)
	for i := range d.Groups {
		for _, l := range d.Groups[i].Lines {
			d.Groups[i].Rows = append(d.Groups[i].Rows, rowOf(lang, l))
		}
	}
	for _, t := range rep.Topics {
		d.Topics = append(d.Topics, topicRow{Label: t.Label(lang), Typed: t.Topic != "", Count: t.Count, Previous: t.Previous,
			Change: fmt.Sprintf("%+d", t.Change)})
	}
	s.Render(w, r, http.StatusOK, "requests_report", pg)
}

// requestReportExport writes the report's tables, a sheet each, and
// records the export.
func (s *handler) requestReportExport(w http.ResponseWriter, r *http.Request) {
	rep, f, err := s.BuildRequestReport(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	lang := web.Lang(r)
	T := func(id string) string { return s.Cat.T(lang, id) }
	x := excelize.NewFile()
	defer x.Close()
	sheet := func(name string, head []string, rows [][]any) error {
		if _, err := x.NewSheet(name); err != nil {
			return err
		}
		if err := x.SetSheetRow(name, "A1", &head); err != nil {
			return err
		}
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			if err := x.SetSheetRow(name, cell, &row); err != nil {
				return err
			}
		}
		return nil
	}
	num := func(v *float64) any {
		if v == nil {
			return ""
		}
		return *v
	}
	lineHead := func(first string) []string {
		return []string{first, T("rreport.received"), T("rreport.resolved"), T("rreport.open_at_end"), T("rreport.merged"),
			T("rreport.responded"), T("rreport.avg_response"), T("rreport.median_response"), T("rreport.avg_resolve"),
			T("rreport.median_resolve"), T("rreport.within_due"), T("rreport.within_due_rate"), T("rreport.rated"),
			T("rreport.avg_rating"), T("rreport.reopened"), T("rreport.reopen_rate")}
	}
	lineRow := func(l request.Line) []any {
		return []any{l.Label(lang), l.Received, l.Resolved, l.OpenAtEnd, l.Merged, l.Responded, num(l.AvgResponseHours),
			num(l.MedianResponseHours), num(l.AvgResolveHours), num(l.MedianResolveHours), l.WithinDue, num(l.WithinDueRate),
			l.Rated, num(l.AvgRating), l.Reopened, num(l.ReopenRate)}
	}
	err = sheet(T("rreport.total"), lineHead(T("rreport.month")), [][]any{append([]any{rep.Month}, lineRow(rep.Total)[1:]...)})
	for _, g := range groupsOf(rep.Report) {
		if err != nil {
			break
		}
		var rows [][]any
		for _, l := range g.Lines {
			rows = append(rows, lineRow(l))
		}
		err = sheet(T(g.TitleKey), lineHead(T(g.ColumnKey)), rows)
	}
	if err == nil {
		var rows [][]any
		for _, t := range rep.Topics {
			rows = append(rows, []any{t.Label(lang), t.Count, t.Previous, t.Change})
		}
		err = sheet(T("rreport.topics"), []string{T("rreport.topic"), T("rreport.count"), T("rreport.previous"), T("rreport.change")}, rows)
	}
	if err == nil {
		var rows [][]any
		for _, m := range rep.Trend {
			rows = append(rows, []any{m.Month, m.Received, m.Resolved})
		}
		err = sheet(T("rreport.trend"), []string{T("rreport.month"), T("rreport.received"), T("rreport.resolved")}, rows)
	}
	if err == nil {
		err = x.DeleteSheet("Sheet1")
	}
	var buf bytes.Buffer
	if err == nil {
		err = x.Write(&buf)
	}
	if err == nil {
		err = s.Requests.ReportExported(r.Context(), f)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name := T("rreport.title") + " " + rep.Month
	if rep.Node != "" {
		name += " " + rep.Node
	}
	web.SendFile(w, name+".xlsx", buf.Bytes())
}
