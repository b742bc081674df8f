package web

import (
	"bytes"
	"net/http"
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

// ReportFilter reads the report's filters (plan, from, to, kind), shared by
// the console and the API.
func ReportFilter(r *http.Request) (points.ReportFilter, error) {
	q := r.URL.Query()
	f := points.ReportFilter{Within: Principal(r).Paths(auth.PointsRead)}
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
	from, to, err := DayRange(q, "from", "to")
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

// PointsReportExport downloads the report as a workbook: by plan, rule,
// category and region, and totals.
func (s *Server) PointsReportExport(w http.ResponseWriter, r *http.Request) {
	f, err := ReportFilter(r)
	var rep *points.EffectivenessReport
	if err == nil {
		rep, err = s.Points.Effectiveness(r.Context(), f)
	}
	var buf bytes.Buffer
	if err == nil {
		err = points.WriteEffectivenessXLSX(&buf, rep, Lang(r))
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name := "积分计划效用分析.xlsx"
	if Lang(r) == "en" {
		name = "points-plan-effectiveness.xlsx"
	}
	SendFile(w, name, buf.Bytes())
}
