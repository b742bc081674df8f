package web

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/lead"
)

// The sales reports (案场报表): visits and calls per day, project,
// consultant and medium; the funnel; lost reasons; follow-up timeliness.
// The console draws them as SVG charts and exports the tables as .xlsx.

// LeadReport is every table of the reports page for one period.
type LeadReport struct {
	Project      string              `json:"project,omitempty"`
	From         string              `json:"from"`
	To           string              `json:"to"`
	ByDay        []lead.ContactCount `json:"by_day"`
	ByProject    []lead.ContactCount `json:"by_project"`
	ByConsultant []lead.ContactCount `json:"by_consultant"`
	ByMedia      []lead.ContactCount `json:"by_media"`
	Funnel       *lead.Funnel        `json:"funnel"`
	LostReasons  []lead.LostReason   `json:"lost_reasons"`
	Timeliness   []lead.Timeliness   `json:"timeliness"`
}

// ReportFilter reads ?project=&from=&to= (default: the last 30 days).
func (s *Server) reportFilter(r *http.Request) (lead.ReportFilter, error) {
	q := r.URL.Query()
	f := lead.ReportFilter{Within: Principal(r).Paths(auth.ReportRead), ProjectCode: q.Get("project")}
	var err error
	if f.From, err = FormDay(q.Get("from"), "from", ChinaDay(-29)); err != nil {
		return f, err
	}
	if f.To, err = FormDay(q.Get("to"), "to", ChinaDay(0)); err != nil {
		return f, err
	}
	if f.ProjectCode != "" {
		n, err := s.Org.ByCode(r.Context(), f.ProjectCode)
		if err != nil || !Principal(r).CanAt(auth.ReportRead, n.Path) {
			return f, apperr.Field("project", "项目 "+f.ProjectCode+" 不存在", "no project "+f.ProjectCode)
		}
	}
	return f, nil
}

func (s *Server) LeadReport(r *http.Request) (*LeadReport, error) {
	f, err := s.reportFilter(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	rep := &LeadReport{Project: f.ProjectCode, From: f.From.String(), To: f.To.String()}
	for by, dst := range map[lead.Dimension]*[]lead.ContactCount{lead.PerDay: &rep.ByDay, lead.PerProject: &rep.ByProject,
		lead.PerConsultant: &rep.ByConsultant, lead.PerMedia: &rep.ByMedia} {
		if *dst, err = s.Leads.Contacts(ctx, f, by); err != nil {
			return nil, err
		}
	}
	if rep.Funnel, err = s.Leads.Funnel(ctx, f); err != nil {
		return nil, err
	}
	if rep.LostReasons, err = s.Leads.LostReasons(ctx, f); err != nil {
		return nil, err
	}
	if rep.Timeliness, err = s.Leads.Timeliness(ctx, f); err != nil {
		return nil, err
	}
	rep.ByDay, rep.ByProject, rep.ByConsultant, rep.ByMedia = orEmpty(rep.ByDay), orEmpty(rep.ByProject), orEmpty(rep.ByConsultant), orEmpty(rep.ByMedia)
	rep.LostReasons, rep.Timeliness = orEmpty(rep.LostReasons), orEmpty(rep.Timeliness)
	return rep, nil
}

// LeadReportExport writes the report's tables, a sheet each.
func (s *Server) LeadReportExport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.LeadReport(r)
	if err != nil {
		if r.URL.Path == "/leads/reports/export" {
			s.Fail(w, r, err)
		} else {
			s.APIError(w, r, err)
		}
		return
	}
	l := Lang(r)
	T := func(id string) string { return s.Cat.T(l, id) }
	f := excelize.NewFile()
	defer f.Close()
	sheet := func(name string, head []string, rows [][]any) {
		if _, err := f.NewSheet(name); err != nil {
			return
		}
		_ = f.SetSheetRow(name, "A1", &head)
		for i, row := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+2)
			_ = f.SetSheetRow(name, cell, &row)
		}
	}
	contacts := func(name string, cs []lead.ContactCount) {
		var rows [][]any
		for _, c := range cs {
			rows = append(rows, []any{c.Label, c.Visits, c.Calls, c.New})
		}
		sheet(name, []string{T("lead.report.group"), T("lead.source.visit"), T("lead.source.call"), T("lead.report.new")}, rows)
	}
	contacts(T("lead.chart.by_day"), rep.ByDay)
	contacts(T("lead.report.by_project"), rep.ByProject)
	contacts(T("lead.chart.by_consultant"), rep.ByConsultant)
	contacts(T("lead.chart.by_media"), rep.ByMedia)
	fu := rep.Funnel
	sheet(T("lead.chart.funnel"), []string{T("lead.funnel.visitors"), T("lead.funnel.intent"), T("lead.funnel.deals"),
		T("lead.funnel.intent_rate"), T("lead.funnel.deal_rate"), T("lead.funnel.overall_rate")},
		[][]any{{fu.Visitors, fu.Intent, fu.Deals, fu.IntentRate, fu.DealRate, fu.OverallRate}})
	var rows [][]any
	for _, x := range rep.LostReasons {
		rows = append(rows, []any{x.Reason, x.Leads, x.Share})
	}
	sheet(T("lead.chart.lost"), []string{T("lead.field.lost_reason"), T("lead.report.leads"), T("lead.report.share")}, rows)
	rows = nil
	for _, x := range rep.Timeliness {
		rows = append(rows, []any{x.StaffName, x.FollowUps, x.OnTime, x.Late, x.Overdue, x.Rate})
	}
	sheet(T("lead.chart.timeliness"), []string{T("lead.owner"), T("lead.report.follow_ups"), T("lead.report.on_time"), T("lead.report.late"),
		T("lead.report.overdue"), T("lead.report.rate")}, rows)
	_ = f.DeleteSheet("Sheet1")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		s.Fail(w, r, err)
		return
	}
	SendFile(w, T("lead.reports")+" "+rep.From+"_"+rep.To+".xlsx", buf.Bytes())
}

// pct shows a rate as a percentage.
func pct(rate float64) string { return strconv.FormatFloat(rate*100, 'f', 1, 64) + "%" }

// orEmpty makes a nil list an empty one, so that JSON shows [].
func orEmpty[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}
