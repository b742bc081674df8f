package console

import (
	"net/http"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

type orgTreeData struct {
	Nodes []org.Node
	Query string
}

func (s *handler) orgTree(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	f := org.Filter{Within: web.Principal(r).Paths(auth.OrgRead), Query: q}
	if k := r.URL.Query().Get("kind"); k != "" {
		var err error
		if f.Kind, err = org.ParseKind(k); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	nodes, _, err := s.Org.List(r.Context(), f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "org", web.Page{Title: s.Cat.T(web.Lang(r), "nav.org"), Nav: "org", Data: orgTreeData{nodes, q}})
}

type orgNodeData struct {
	Node     *org.Node
	Parent   *org.Node
	Children []org.Node
	Staff    int
	NextKind org.Kind
}

func (s *handler) orgNodeData(r *http.Request, n *org.Node) (*orgNodeData, error) {
	d := &orgNodeData{Node: n}
	kids, _, err := s.Org.List(r.Context(), org.Filter{Within: []string{n.Path}})
	if err != nil {
		return nil, err
	}
	for _, k := range kids {
		if k.ParentID != nil && *k.ParentID == n.ID {
			d.Children = append(d.Children, k)
		}
	}
	if n.ParentID != nil {
		if p, err := s.Org.ByID(r.Context(), *n.ParentID); err == nil && web.Principal(r).Sees(p.Path) {
			d.Parent = p
		}
	}
	for i, k := range org.Kinds {
		if k == n.Kind && i+1 < len(org.Kinds) {
			d.NextKind = org.Kinds[i+1]
		}
	}
	if web.Principal(r).Can(auth.StaffRead) {
		_, d.Staff, _ = s.Auth.ListStaff(r.Context(), auth.StaffFilter{Within: []string{n.Path}, Limit: 1})
	}
	return d, nil
}

func (s *handler) orgNode(w http.ResponseWriter, r *http.Request) {
	n, err := s.ScopedNode(r, auth.OrgRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d, err := s.orgNodeData(r, n)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "org_node", web.Page{Title: n.Name, Nav: "org", Data: d})
}

// orgCreate adds a child node from the form on the parent's page.
func (s *handler) orgCreate(w http.ResponseWriter, r *http.Request) {
	b := web.OrgCreateBody{Parent: r.PostFormValue("parent"), Kind: r.PostFormValue("kind"),
		Code: r.PostFormValue("code"), Name: r.PostFormValue("name")}
	n, err := s.CreateNode(r, b)
	if err != nil {
		parent, perr := s.Org.ByCode(r.Context(), b.Parent)
		if perr != nil || !web.Principal(r).Sees(parent.Path) {
			s.Fail(w, r, err)
			return
		}
		d, derr := s.orgNodeData(r, parent)
		if derr != nil {
			s.Fail(w, r, derr)
			return
		}
		s.FormError(w, r, "org_node", web.Page{Title: parent.Name, Nav: "org", Data: d}, err)
		return
	}
	web.Redirect(w, r, "/org/"+n.Code, "flash.saved")
}

func (s *handler) orgUpdate(w http.ResponseWriter, r *http.Request) {
	n, err := s.ScopedNode(r, auth.OrgWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name := r.PostFormValue("name")
	if _, err := s.Org.Update(r.Context(), n.Code, org.Update{Name: &name}); err != nil {
		if !apperr.Is(err, apperr.Invalid) {
			s.Fail(w, r, err)
			return
		}
		d, derr := s.orgNodeData(r, n)
		if derr != nil {
			s.Fail(w, r, derr)
			return
		}
		s.FormError(w, r, "org_node", web.Page{Title: n.Name, Nav: "org", Data: d}, err)
		return
	}
	web.Redirect(w, r, "/org/"+n.Code, "flash.saved")
}
