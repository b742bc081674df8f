package api

import "estateclub/internal/web"

func (s *handler) pointsReport(r *request[none]) (any, error) {
	f, err := web.ReportFilter(r.Request)
	if err != nil {
		return nil, err
	}
	return s.Points.Effectiveness(r.Context(), f)
}
