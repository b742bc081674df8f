package web

import (
	"net/http"

	"estateclub/internal/auth"
	"estateclub/internal/org"
)

func (s *Server) apiOrgList(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f := org.Filter{Within: principal(r).Paths(auth.OrgRead), Query: r.URL.Query().Get("q"),
		Offset: pg.offset(), Limit: pg.PerPage}
	if k := r.URL.Query().Get("kind"); k != "" {
		if f.Kind, err = org.ParseKind(k); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	nodes, total, err := s.org.List(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(nodes, total, pg))
}

type orgCreateBody struct {
	Parent string `json:"parent"`
	Kind   string `json:"kind"`
	Code   string `json:"code"`
	Name   string `json:"name"`
}

func (s *Server) apiOrgCreate(w http.ResponseWriter, r *http.Request) {
	var b orgCreateBody
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := s.createNode(r, b)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

// createNode is shared by the console and the API.
func (s *Server) createNode(r *http.Request, b orgCreateBody) (*org.Node, error) {
	if _, err := s.nodeForWrite(r, "parent", b.Parent, auth.OrgWrite); err != nil {
		return nil, err
	}
	kind, err := org.ParseKind(b.Kind)
	if err != nil {
		return nil, err
	}
	return s.org.Create(r.Context(), org.NewNode{ParentCode: b.Parent, Kind: kind, Code: b.Code, Name: b.Name})
}

func (s *Server) apiOrgGet(w http.ResponseWriter, r *http.Request) {
	n, err := s.scopedNode(r, auth.OrgRead)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}

func (s *Server) apiOrgUpdate(w http.ResponseWriter, r *http.Request) {
	n, err := s.scopedNode(r, auth.OrgWrite)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Name *string `json:"name"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err = s.org.Update(r.Context(), n.Code, org.Update{Name: b.Name})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, n)
}
