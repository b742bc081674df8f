package web

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
)

func (s *Server) apiStaffList(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := staffFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	list, total, err := s.auth.ListStaff(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	for i := range list {
		list[i].Grants = visibleGrants(principal(r), list[i].Grants)
	}
	writeJSON(w, http.StatusOK, newList(list, total, pg))
}

// staffFilter reads the staff list filters shared by the console and the API.
func staffFilter(r *http.Request) (auth.StaffFilter, error) {
	q := r.URL.Query()
	f := auth.StaffFilter{Within: principal(r).Paths(auth.StaffRead), Query: q.Get("q")}
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

type staffCreateBody struct {
	Login    string      `json:"login"`
	Name     string      `json:"name"`
	Email    string      `json:"email"`
	Org      string      `json:"org"`
	Password string      `json:"password"`
	Locale   string      `json:"locale"`
	Roles    []grantBody `json:"roles"`
}

type grantBody struct {
	Role string `json:"role"`
	Org  string `json:"org"`
}

// createStaff is shared by the console and the API. An empty password is
// generated and returned.
func (s *Server) createStaff(r *http.Request, b staffCreateBody) (*auth.Staff, string, error) {
	if _, err := s.nodeForWrite(r, "org", b.Org, auth.StaffWrite); err != nil {
		return nil, "", err
	}
	in := auth.NewStaff{Login: b.Login, Name: b.Name, Email: b.Email, NodeCode: b.Org, Password: b.Password, Locale: b.Locale}
	for _, g := range b.Roles {
		if _, err := s.nodeForWrite(r, "roles", g.Org, auth.StaffWrite); err != nil {
			return nil, "", err
		}
		in.Grants = append(in.Grants, auth.NewGrant{Role: auth.Role(g.Role), NodeCode: g.Org})
	}
	generated := ""
	if in.Password == "" {
		generated = auth.GeneratePassword()
		in.Password = generated
	}
	st, err := s.auth.CreateStaff(r.Context(), in)
	return st, generated, err
}

func (s *Server) apiStaffCreate(w http.ResponseWriter, r *http.Request) {
	var b staffCreateBody
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	st, generated, err := s.createStaff(r, b)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		*auth.Staff
		Password string `json:"password,omitempty"`
	}{st, generated}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) apiStaffGet(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffRead)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiStaffUpdate(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Name   *string `json:"name"`
		Email  *string `json:"email"`
		Locale *string `json:"locale"`
		Active *bool   `json:"active"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if b.Active != nil && !*b.Active && st.ID == principal(r).Staff.ID {
		s.apiError(w, r, apperr.Field("active", "不能停用自己的账号", "you cannot disable your own account"))
		return
	}
	st, err = s.auth.UpdateStaff(r.Context(), st.ID, auth.StaffUpdate{Name: b.Name, Email: b.Email, Locale: b.Locale, Active: b.Active})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) grant(r *http.Request, st *auth.Staff, g grantBody) (*auth.Staff, error) {
	if _, err := s.nodeForWrite(r, "org", g.Org, auth.StaffWrite); err != nil {
		return nil, err
	}
	return s.auth.GrantRole(r.Context(), st.ID, auth.NewGrant{Role: auth.Role(g.Role), NodeCode: g.Org})
}

func (s *Server) apiStaffGrant(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b grantBody
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if st, err = s.grant(r, st, b); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, st)
}

// revoke takes away the grant named by {grant}, if the caller reaches its node.
func (s *Server) revoke(r *http.Request, st *auth.Staff) (*auth.Staff, error) {
	gid, err := strconv.ParseInt(r.PathValue("grant"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	g, err := s.auth.GrantByID(r.Context(), st.ID, gid)
	if err != nil {
		return nil, err
	}
	if err := authorizeAt(r, auth.StaffWrite, g.NodePath); err != nil {
		return nil, err
	}
	return s.auth.RevokeRole(r.Context(), st.ID, gid)
}

func (s *Server) apiStaffRevoke(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if st, err = s.revoke(r, st); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}
