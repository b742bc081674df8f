// Package site puts the HTTP server together: the core (package web) with
// every surface's route table mounted on it.
package site

import (
	"log/slog"

	"estateclub/internal/db"
	"estateclub/internal/web"
	"estateclub/internal/web/api"
	"estateclub/internal/web/console"
	"estateclub/internal/web/counter"
	"estateclub/internal/web/portal"
)

// New builds the server with the staff console, the merchant counter, the
// JSON API and the member portal.
func New(cfg web.Config, d *db.DB, log *slog.Logger) (*web.Server, error) {
	s, err := web.New(cfg, d, log)
	if err != nil {
		return nil, err
	}
	s.Mount(console.Routes(s))
	s.Mount(counter.Routes(s))
	s.Mount(api.Routes(s))
	s.Mount(portal.Routes(s))
	return s, nil
}
