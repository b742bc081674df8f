package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/points"
)

// The plan effectiveness report (积分计划效用分析): points issued and taken
// back by plan, rule and category; redeemed, expired and adjusted by
// region; the outstanding liability — for the caller's scope and a period,
// on the page with charts and as a workbook.

// reportFilter reads the report's filters (plan, from, to, kind), shared by
// the console and the API.
func reportFilter(r *http.Request) (points.ReportFilter, error) {
	q := r.URL.Query()
	f := points.ReportFilter{Within: principal(r).Paths(auth.PointsRead)}
	switch k := points.Kind(q.Get("kind")); k {
	case "", points.Upgrade, points.Reward:
		f.Kind = k
	default:
		return f, apperr.Field("kind", "积分类型须为 upgrade 或 reward", "kind must be upgrade or reward")
	}
	if v := q.Get("plan"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return f, apperr.Field("plan", "计划编号须为正整数", "plan must be a positive whole number")
		}
		f.PlanID = id
	}
	from, to, err := dayRange(q, "from", "to")
	if err != nil {
		return f, err
	}
	if !from.IsZero() {
		f.From = db.DateOf(from.Year(), from.Month(), from.Day())
	}
	if !to.IsZero() {
		last := to.AddDate(0, 0, -1) // dayRange's end is the next day's start
		f.To = db.DateOf(last.Year(), last.Month(), last.Day())
	}
	if f.From.Valid() && f.To.Valid() && f.To.Before(f.From.Time) {
		return f, apperr.Field("to", "结束日期不能早于开始日期", "the end date is before the start date")
	}
	return f, nil
}

type reportData struct {
	R      *points.EffectivenessReport
	Query  url.Values
	Plans  []points.Plan
	Charts []Chart
	Export string
}

// reportCharts draws the reward points' net issue by plan and the
// liability by region.
func reportCharts(rep *points.EffectivenessReport) []Chart {
	byPlan := Chart{TitleKey: "report.chart_plans"}
	for _, p := range rep.Plans {
		if p.Kind == points.Reward && p.Net > 0 && len(byPlan.Bars) < 12 {
			byPlan.Bars = append(byPlan.Bars, Bar{Kind: "typed", Key: p.Name, N: int(p.Net)})
		}
	}
	byRegion := Chart{TitleKey: "report.chart_liability"}
	for _, g := range rep.Regions {
		if g.Kind == points.Reward && g.Closing > 0 {
			byRegion.Bars = append(byRegion.Bars, Bar{Kind: "typed", Key: g.RegionName, N: int(g.Closing)})
		}
	}
	var out []Chart
	for _, c := range []Chart{byPlan, byRegion} {
		if len(c.Bars) > 0 {
			out = append(out, finish(c))
		}
	}
	return out
}

func (s *Server) pointsReport(w http.ResponseWriter, r *http.Request) {
	d := reportData{Query: r.URL.Query()}
	pg := page{Title: s.cat.T(lang(r), "report.title"), Nav: "plans"}
	plans, _, err := s.points.Plans(r.Context(), points.PlanFilter{Within: principal(r).Paths(auth.PointsRead), Limit: 500})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Plans = plans
	f, err := reportFilter(r)
	if err == nil {
		d.R, err = s.points.Effectiveness(r.Context(), f)
	}
	if err == nil {
		d.Charts = reportCharts(d.R)
		q := r.URL.Query()
		q.Del("page")
		d.Export = "/points/report/export?" + q.Encode()
	}
	pg.Data = d
	if err != nil {
		s.formError(w, r, "points_report", pg, err)
		return
	}
	s.render(w, r, http.StatusOK, "points_report", pg)
}

// pointsReportExport downloads the report as a workbook: by plan, rule,
// category and region, and totals.
func (s *Server) pointsReportExport(w http.ResponseWriter, r *http.Request) {
	f, err := reportFilter(r)
	var rep *points.EffectivenessReport
	if err == nil {
		rep, err = s.points.Effectiveness(r.Context(), f)
	}
	var buf bytes.Buffer
	if err == nil {
		err = points.WriteEffectivenessXLSX(&buf, rep, lang(r))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := "积分计划效用分析.xlsx"
	if lang(r) == "en" {
		name = "points-plan-effectiveness.xlsx"
	}
	sendFile(w, name, buf.Bytes())
}

func (s *Server) apiPointsReport(w http.ResponseWriter, r *http.Request) {
	f, err := reportFilter(r)
	var rep *points.EffectivenessReport
	if err == nil {
		rep, err = s.points.Effectiveness(r.Context(), f)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
