package api

import (
	"estateclub/internal/auth"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

func (s *handler) orgList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f := org.Filter{Within: r.P.Paths(auth.OrgRead), Query: r.URL.Query().Get("q"),
		Offset: pg.Offset(), Limit: pg.PerPage}
	if k := r.URL.Query().Get("kind"); k != "" {
		if f.Kind, err = org.ParseKind(k); err != nil {
			return nil, err
		}
	}
	nodes, total, err := s.Org.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(nodes, total, pg), nil
}

func (s *handler) orgCreate(r *request[web.OrgCreateBody]) (any, error) {
	n, err := s.CreateNode(r.Request, r.Body)
	if err != nil {
		return nil, err
	}
	return created(n), nil
}

func (s *handler) orgGet(_ *request[none], n *org.Node) (any, error) { return n, nil }

type orgUpdateBody struct {
	Name *string `json:"name"`
}

func (s *handler) orgUpdate(r *request[orgUpdateBody], n *org.Node) (any, error) {
	return s.Org.Update(r.Context(), n.Code, org.Update{Name: r.Body.Name})
}
