package api

import (
	"net/http"

	"estateclub/internal/auth"
	"estateclub/internal/member"
)

// The loaders of the objects that API paths name, each checked against the
// caller's scope for the route's permission (see on). Most are the core's
// own (s.ScopedMember, s.ScopedLead …); these adapt the rest to its shape.

func (s *handler) tierChange(r *http.Request, _ auth.Permission) (*member.TierChange, error) {
	return s.ScopedTierChange(r)
}
