package web

import (
	"context"
	"time"

	"estateclub/internal/request"
)

// requestLabels is the catalogue of request kinds for a template, which
// has no request context: the service's cached copy, read again with a
// short timeout when stale (nil names kinds by their built-in names).
func (s *Server) requestLabels() *request.Catalogue {
	if s.Requests == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.Requests.Labels(ctx)
}
