package api

import (
	"estateclub/internal/audit"
	"estateclub/internal/web"
)

func (s *handler) auditList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := web.AuditFilter(r.Request)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	entries, total, err := audit.List(r.Context(), s.DB, f)
	if err != nil {
		return nil, err
	}
	return web.NewList(entries, total, pg), nil
}
