package console

import (
	"fmt"
	"net/http"
	"net/url"

	"estateclub/internal/auth"
	"estateclub/internal/lead"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

type leadReportData struct {
	R        *web.LeadReport
	Projects []org.Node
	Charts   []web.Chart
	Query    url.Values
}

// reportCharts draws the report: contacts per day, per consultant and
// per medium, the funnel, lost reasons and on-time rates.
func (s *handler) reportCharts(lang string, rep *web.LeadReport) []web.Chart {
	contacts := func(key, kind string, cs []lead.ContactCount) web.Chart {
		c := web.Chart{TitleKey: key}
		for _, x := range cs {
			c.Bars = append(c.Bars, web.Bar{Kind: kind, Key: x.Label, N: x.Visits + x.Calls})
		}
		return web.Finish(c)
	}
	out := []web.Chart{contacts("lead.chart.by_day", "", rep.ByDay), contacts("lead.chart.by_consultant", "typed", rep.ByConsultant),
		contacts("lead.chart.by_media", "word", rep.ByMedia)}
	fu := web.Chart{TitleKey: "lead.chart.funnel", Bars: []web.Bar{
		{Key: s.Cat.T(lang, "lead.funnel.visitors"), N: rep.Funnel.Visitors},
		{Key: s.Cat.T(lang, "lead.funnel.intent") + fmt.Sprintf(" %.0f%%", rep.Funnel.IntentRate*100), N: rep.Funnel.Intent},
		{Key: s.Cat.T(lang, "lead.funnel.deals") + fmt.Sprintf(" %.0f%%", rep.Funnel.DealRate*100), N: rep.Funnel.Deals}}}
	lost := web.Chart{TitleKey: "lead.chart.lost"}
	for _, l := range rep.LostReasons {
		lost.Bars = append(lost.Bars, web.Bar{Kind: "word", Key: l.Reason, N: l.Leads})
	}
	tl := web.Chart{TitleKey: "lead.chart.timeliness"}
	for _, t := range rep.Timeliness {
		tl.Bars = append(tl.Bars, web.Bar{Kind: "typed", Key: t.StaffName, N: int(t.Rate*100 + 0.5)})
	}
	return append(out, web.Finish(fu), web.Finish(lost), web.Finish(tl))
}

func (s *handler) leadReports(w http.ResponseWriter, r *http.Request) {
	ps, err := s.leadProjects(r.Context(), web.Principal(r), auth.ReportRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := leadReportData{Projects: ps, Query: r.URL.Query()}
	rep, err := s.LeadReport(r)
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "lead.reports"), Nav: "lead_reports", Data: &d}
	if err != nil {
		s.FormError(w, r, "lead_reports", pg, err)
		return
	}
	d.R, d.Charts = rep, s.reportCharts(web.Lang(r), rep)
	s.Render(w, r, http.StatusOK, "lead_reports", pg)
}
