package console

import (
	"net/http"
	"net/url"

	"estateclub/internal/auth"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

type reportData struct {
	R      *points.EffectivenessReport
	Query  url.Values
	Plans  []points.Plan
	Charts []web.Chart
	Export string
}

// reportCharts draws the reward points' net issue by plan and the
// liability by region.
func reportCharts(rep *points.EffectivenessReport) []web.Chart {
	byPlan := web.Chart{TitleKey: "report.chart_plans"}
	for _, p := range rep.Plans {
		if p.Kind == points.Reward && p.Net > 0 && len(byPlan.Bars) < 12 {
			byPlan.Bars = append(byPlan.Bars, web.Bar{Kind: "typed", Key: p.Name, N: int(p.Net)})
		}
	}
	byRegion := web.Chart{TitleKey: "report.chart_liability"}
	for _, g := range rep.Regions {
		if g.Kind == points.Reward && g.Closing > 0 {
			byRegion.Bars = append(byRegion.Bars, web.Bar{Kind: "typed", Key: g.RegionName, N: int(g.Closing)})
		}
	}
	var out []web.Chart
	for _, c := range []web.Chart{byPlan, byRegion} {
		if len(c.Bars) > 0 {
			out = append(out, web.Finish(c))
		}
	}
	return out
}

func (s *handler) pointsReport(w http.ResponseWriter, r *http.Request) {
	d := reportData{Query: r.URL.Query()}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "report.title"), Nav: "plans"}
	plans, _, err := s.Points.Plans(r.Context(), points.PlanFilter{Within: web.Principal(r).Paths(auth.PointsRead), Limit: 500})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Plans = plans
	f, err := web.ReportFilter(r)
	if err == nil {
		d.R, err = s.Points.Effectiveness(r.Context(), f)
	}
	if err == nil {
		d.Charts = reportCharts(d.R)
		q := r.URL.Query()
		q.Del("page")
		d.Export = "/points/report/export?" + q.Encode()
	}
	pg.Data = d
	if err != nil {
		s.FormError(w, r, "points_report", pg, err)
		return
	}
	s.Render(w, r, http.StatusOK, "points_report", pg)
}
