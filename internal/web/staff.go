package web

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
)

// StaffFilter reads the staff list filters shared by the console and the API.
func StaffFilter(r *http.Request) (auth.StaffFilter, error) {
	q := r.URL.Query()
	f := auth.StaffFilter{Within: Principal(r).Paths(auth.StaffRead), Query: q.Get("q")}
	if v := q.Get("role"); v != "" {
		f.Role = auth.Role(v)
		if !f.Role.Valid() {
			return f, apperr.Field("role", "未知角色 "+v, "unknown role "+v)
		}
	}
	switch q.Get("active") {
	case "":
	case "true", "1":
		t := true
		f.Active = &t
	case "false", "0":
		fl := false
		f.Active = &fl
	default:
		return f, apperr.Field("active", "active 须为 true 或 false", "active must be true or false")
	}
	return f, nil
}

type StaffCreateBody struct {
	Login    string      `json:"login"`
	Name     string      `json:"name"`
	Email    string      `json:"email"`
	Org      string      `json:"org"`
	Password string      `json:"password"`
	Locale   string      `json:"locale"`
	Roles    []GrantBody `json:"roles"`
}

type GrantBody struct {
	Role string `json:"role"`
	Org  string `json:"org"`
}

// CreateStaff is shared by the console and the API. An empty password is
// generated and returned.
func (s *Server) CreateStaff(r *http.Request, b StaffCreateBody) (*auth.Staff, string, error) {
	if _, err := s.NodeForWrite(r, "org", b.Org, auth.StaffWrite); err != nil {
		return nil, "", err
	}
	in := auth.NewStaff{Login: b.Login, Name: b.Name, Email: b.Email, NodeCode: b.Org, Password: b.Password, Locale: b.Locale}
	for _, g := range b.Roles {
		if _, err := s.NodeForWrite(r, "roles", g.Org, auth.StaffWrite); err != nil {
			return nil, "", err
		}
		in.Grants = append(in.Grants, auth.NewGrant{Role: auth.Role(g.Role), NodeCode: g.Org})
	}
	generated := ""
	if in.Password == "" {
		generated = auth.GeneratePassword()
		in.Password = generated
	}
	st, err := s.Auth.CreateStaff(r.Context(), in)
	return st, generated, err
}

func (s *Server) Grant(r *http.Request, st *auth.Staff, g GrantBody) (*auth.Staff, error) {
	if _, err := s.NodeForWrite(r, "org", g.Org, auth.StaffWrite); err != nil {
		return nil, err
	}
	return s.Auth.GrantRole(r.Context(), st.ID, auth.NewGrant{Role: auth.Role(g.Role), NodeCode: g.Org})
}

// Revoke takes away the grant named by {grant}, if the caller reaches its node.
func (s *Server) Revoke(r *http.Request, st *auth.Staff) (*auth.Staff, error) {
	gid, err := strconv.ParseInt(r.PathValue("grant"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	g, err := s.Auth.GrantByID(r.Context(), st.ID, gid)
	if err != nil {
		return nil, err
	}
	if err := AuthorizeAt(r, auth.StaffWrite, g.NodePath); err != nil {
		return nil, err
	}
	return s.Auth.RevokeRole(r.Context(), st.ID, gid)
}
