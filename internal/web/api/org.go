package api

import (
	"estateclub/internal/auth"
	"estateclub/internal/org"
	"estateclub/internal/web"
	"net/http"
)

func (s *handler) apiOrgList(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f := org.Filter{Within: web.Principal(r).Paths(auth.OrgRead), Query: r.URL.Query().Get("q"),
		Offset: pg.Offset(), Limit: pg.PerPage}
	if k := r.URL.Query().Get("kind"); k != "" {
		if f.Kind, err = org.ParseKind(k); err != nil {
			s.APIError(w, r, err)
			return
		}
	}
	nodes, total, err := s.Org.List(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(nodes, total, pg))
}

func (s *handler) apiOrgCreate(w http.ResponseWriter, r *http.Request) {
	var b web.OrgCreateBody
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	n, err := s.CreateNode(r, b)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, n)
}

func (s *handler) apiOrgGet(w http.ResponseWriter, r *http.Request) {
	n, err := s.ScopedNode(r, auth.OrgRead)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, n)
}

func (s *handler) apiOrgUpdate(w http.ResponseWriter, r *http.Request) {
	n, err := s.ScopedNode(r, auth.OrgWrite)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Name *string `json:"name"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	n, err = s.Org.Update(r.Context(), n.Code, org.Update{Name: b.Name})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, n)
}
