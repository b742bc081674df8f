package api

import (
	"estateclub/internal/audit"
	"estateclub/internal/web"
	"net/http"
)

func (s *handler) apiAuditList(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f, err := web.AuditFilter(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	entries, total, err := audit.List(r.Context(), s.DB, f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(entries, total, pg))
}
