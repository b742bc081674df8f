package api

import (
	"estateclub/internal/points"
	"estateclub/internal/web"
	"net/http"
)

func (s *handler) apiPointsReport(w http.ResponseWriter, r *http.Request) {
	f, err := web.ReportFilter(r)
	var rep *points.EffectivenessReport
	if err == nil {
		rep, err = s.Points.Effectiveness(r.Context(), f)
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, rep)
}
