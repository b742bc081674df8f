package web

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
)

// AuthorizeAt checks perm at an object's org path. An object outside every
// scope of the caller does not exist for them (404); one they can see but
// may not act on is forbidden (403).
func AuthorizeAt(r *http.Request, perm auth.Permission, path string) error {
	p := Principal(r)
	if p.CanAt(perm, path) {
		return nil
	}
	if p.Sees(path) {
		return apperr.ForbiddenErr()
	}
	return NotFoundErr
}

// ScopedNode loads the node named by the {node} path value and checks perm there.
func (s *Server) ScopedNode(r *http.Request, perm auth.Permission) (*org.Node, error) {
	n, err := s.Org.ByCode(r.Context(), r.PathValue("node"))
	if err != nil {
		return nil, err
	}
	if err := AuthorizeAt(r, perm, n.Path); err != nil {
		return nil, err
	}
	return n, nil
}

// ScopedStaff loads the account named by {staff} and checks perm at its home node.
func (s *Server) ScopedStaff(r *http.Request, perm auth.Permission) (*auth.Staff, error) {
	id, err := strconv.ParseInt(r.PathValue("staff"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	st, err := s.Auth.StaffByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := AuthorizeAt(r, perm, st.NodePath); err != nil {
		return nil, err
	}
	p := Principal(r)
	if !perm.ReadOnly() {
		// Changing an account that holds a role beyond the caller's reach
		// (a password reset, above all) would hand the caller that role.
		for _, g := range st.Grants {
			if !p.CanAt(perm, g.NodePath) {
				return nil, &apperr.Error{Code: apperr.Forbidden, ZH: "该员工在你的管理范围之外还有角色，你无权修改此账号",
					EN: "this staff member holds roles beyond your reach; you may not change the account"}
			}
		}
	}
	st.Grants = VisibleGrants(p, st.Grants)
	return st, nil
}

// VisibleGrants drops the grants at nodes the caller cannot see.
func VisibleGrants(p *auth.Principal, grants []auth.Grant) []auth.Grant {
	out := []auth.Grant{}
	for _, g := range grants {
		if p.Sees(g.NodePath) {
			out = append(out, g)
		}
	}
	return out
}

// NodeForWrite loads a node named by code (from a form or body) where the
// caller wants to act with perm, as a field error when it does not exist
// for them.
func (s *Server) NodeForWrite(r *http.Request, field, code string, perm auth.Permission) (*org.Node, error) {
	if code == "" {
		return nil, apperr.Field(field, "请选择组织节点", "choose an org node")
	}
	n, err := s.Org.ByCode(r.Context(), code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !Principal(r).Sees(n.Path)) {
		return nil, apperr.Field(field, "组织节点 "+code+" 不存在", "org node "+code+" does not exist")
	}
	if err != nil {
		return nil, err
	}
	if !Principal(r).CanAt(perm, n.Path) {
		return nil, &apperr.Error{Code: apperr.Forbidden, Field: field, ZH: "你无权在 " + n.Name + " 执行此操作", EN: "you may not do this at " + n.Name}
	}
	return n, nil
}

func FieldErr(field, zh, en string) error { return apperr.Field(field, zh, en) }
