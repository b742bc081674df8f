package web

import (
	"net/http"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
)

type orgTreeData struct {
	Nodes []org.Node
	Query string
}

func (s *Server) orgTree(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	f := org.Filter{Within: principal(r).Paths(auth.OrgRead), Query: q}
	if k := r.URL.Query().Get("kind"); k != "" {
		var err error
		if f.Kind, err = org.ParseKind(k); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	nodes, _, err := s.org.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "org", page{Title: s.cat.T(lang(r), "nav.org"), Nav: "org", Data: orgTreeData{nodes, q}})
}

type orgNodeData struct {
	Node     *org.Node
	Parent   *org.Node
	Children []org.Node
	Staff    int
	NextKind org.Kind
}

func (s *Server) orgNodeData(r *http.Request, n *org.Node) (*orgNodeData, error) {
	d := &orgNodeData{Node: n}
	kids, _, err := s.org.List(r.Context(), org.Filter{Within: []string{n.Path}})
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		if k.ParentID != nil && *k.ParentID == n.ID {
			d.Children = append(d.Children, k)
		}
	}
	if n.ParentID != nil {
		if p, err := s.org.ByID(r.Context(), *n.ParentID); err == nil && principal(r).Sees(p.Path) {
			d.Parent = p
		}
	}
	for i, k := range org.Kinds {
		if k == n.Kind && i+1 < len(org.Kinds) {
			d.NextKind = org.Kinds[i+1]
		}
	}
	if principal(r).Can(auth.StaffRead) {
		_, d.Staff, _ = s.auth.ListStaff(r.Context(), auth.StaffFilter{Within: []string{n.Path}, Limit: 1})
	}
	return d, nil
}

func (s *Server) orgNode(w http.ResponseWriter, r *http.Request) {
	n, err := s.scopedNode(r, auth.OrgRead)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.orgNodeData(r, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "org_node", page{Title: n.Name, Nav: "org", Data: d})
}

// orgCreate adds a child node from the form on the parent's page.
func (s *Server) orgCreate(w http.ResponseWriter, r *http.Request) {
	b := orgCreateBody{Parent: r.PostFormValue("parent"), Kind: r.PostFormValue("kind"),
		Code: r.PostFormValue("code"), Name: r.PostFormValue("name")}
	n, err := s.createNode(r, b)
	if err != nil {
		parent, perr := s.org.ByCode(r.Context(), b.Parent)
		if perr != nil || !principal(r).Sees(parent.Path) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.orgNodeData(r, parent)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		s.formError(w, r, "org_node", page{Title: parent.Name, Nav: "org", Data: d}, err)
		return
	}
	redirect(w, r, "/org/"+n.Code, "flash.saved")
}

func (s *Server) orgUpdate(w http.ResponseWriter, r *http.Request) {
	n, err := s.scopedNode(r, auth.OrgWrite)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PostFormValue("name")
	if _, err := s.org.Update(r.Context(), n.Code, org.Update{Name: &name}); err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			s.fail(w, r, err)
			return
		}
		d, derr := s.orgNodeData(r, n)
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		s.formError(w, r, "org_node", page{Title: n.Name, Nav: "org", Data: d}, err)
		return
	}
	redirect(w, r, "/org/"+n.Code, "flash.saved")
}
