package web

import (
	"net/http"

	"estateclub/internal/auth"
	"estateclub/internal/org"
)

type OrgCreateBody struct {
	Parent string `json:"parent"`
	Kind   string `json:"kind"`
	Code   string `json:"code"`
	Name   string `json:"name"`
}

// CreateNode is shared by the console and the API.
func (s *Server) CreateNode(r *http.Request, b OrgCreateBody) (*org.Node, error) {
	if _, err := s.NodeForWrite(r, "parent", b.Parent, auth.OrgWrite); err != nil {
		return nil, err
	}
	kind, err := org.ParseKind(b.Kind)
	if err != nil {
		return nil, err
	}
	return s.Org.Create(r.Context(), org.NewNode{ParentCode: b.Parent, Kind: kind, Code: b.Code, Name: b.Name})
}
