package web

import (
	"net/http"
	"net/url"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
)

type staffListData struct {
	Staff []auth.Staff
	Total int
	Page  paging
	Query url.Values
	Pager pager
}

func (s *Server) staffList(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := staffFilter(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	list, total, err := s.auth.ListStaff(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for i := range list {
		list[i].Grants = visibleGrants(principal(r), list[i].Grants)
	}
	d := staffListData{Staff: list, Total: total, Page: pg, Query: r.URL.Query(), Pager: newPager(r, pg, total, 0, false)}
	s.render(w, r, http.StatusOK, "staff", page{Title: s.cat.T(lang(r), "nav.staff"), Nav: "staff", Data: d})
}

type staffFormData struct {
	Nodes []org.Node // where the caller may place staff and grant roles
	Staff *auth.Staff
	// Password is a generated password, shown once.
	Password string
}

func (s *Server) writableNodes(r *http.Request) ([]org.Node, error) {
	nodes, _, err := s.org.List(r.Context(), org.Filter{Within: principal(r).Paths(auth.StaffWrite)})
	return nodes, err
}

func (s *Server) staffNew(w http.ResponseWriter, r *http.Request) {
	nodes, err := s.writableNodes(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "staff_new", page{Title: s.cat.T(lang(r), "staff.new"), Nav: "staff", Data: staffFormData{Nodes: nodes}})
}

func (s *Server) staffCreate(w http.ResponseWriter, r *http.Request) {
	b := staffCreateBody{Login: r.PostFormValue("login"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Org: r.PostFormValue("org"), Password: r.PostFormValue("password"), Locale: r.PostFormValue("locale")}
	if role := r.PostFormValue("role"); role != "" {
		at := r.PostFormValue("role_org")
		if at == "" {
			at = b.Org
		}
		b.Roles = []grantBody{{Role: role, Org: at}}
	}
	st, generated, err := s.createStaff(r, b)
	if err != nil {
		nodes, nerr := s.writableNodes(r)
		if nerr != nil {
			s.fail(w, r, nerr)
			return
		}
		s.formError(w, r, "staff_new", page{Title: s.cat.T(lang(r), "staff.new"), Nav: "staff", Data: staffFormData{Nodes: nodes}}, err)
		return
	}
	s.showStaff(w, r, st, generated, "flash.saved")
}

func (s *Server) showStaff(w http.ResponseWriter, r *http.Request, st *auth.Staff, password, flash string) {
	nodes, err := s.writableNodes(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := page{Title: st.Name, Nav: "staff", Data: staffFormData{Nodes: nodes, Staff: st, Password: password}}
	if flash != "" {
		pg.Flash = s.cat.T(lang(r), flash)
	}
	s.render(w, r, http.StatusOK, "staff_show", pg)
}

func (s *Server) staffShow(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffRead)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showStaff(w, r, st, "", "")
}

// staffFormFail re-renders the staff page with a form error.
func (s *Server) staffFormFail(w http.ResponseWriter, r *http.Request, st *auth.Staff, err error) {
	nodes, nerr := s.writableNodes(r)
	if nerr != nil {
		s.fail(w, r, nerr)
		return
	}
	s.formError(w, r, "staff_show", page{Title: st.Name, Nav: "staff", Data: staffFormData{Nodes: nodes, Staff: st}}, err)
}

func (s *Server) staffUpdate(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name, email := r.PostFormValue("name"), r.PostFormValue("email")
	active := r.PostFormValue("active") == "on"
	if !active && st.ID == principal(r).Staff.ID {
		s.staffFormFail(w, r, st, apperr.Field("active", "不能停用自己的账号", "you cannot disable your own account"))
		return
	}
	if _, err := s.auth.UpdateStaff(r.Context(), st.ID, auth.StaffUpdate{Name: &name, Email: &email, Active: &active}); err != nil {
		s.staffFormFail(w, r, st, err)
		return
	}
	redirect(w, r, "/staff/"+r.PathValue("staff"), "flash.saved")
}

func (s *Server) staffGrant(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.grant(r, st, grantBody{Role: r.PostFormValue("role"), Org: r.PostFormValue("org")}); err != nil {
		s.staffFormFail(w, r, st, err)
		return
	}
	redirect(w, r, "/staff/"+r.PathValue("staff"), "flash.saved")
}

func (s *Server) staffRevoke(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.revoke(r, st); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/staff/"+r.PathValue("staff"), "flash.saved")
}

// staffResetPassword sets a new generated password and shows it once.
func (s *Server) staffResetPassword(w http.ResponseWriter, r *http.Request) {
	st, err := s.scopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pw := strings.TrimSpace(r.PostFormValue("password"))
	generated := pw == ""
	if generated {
		pw = auth.GeneratePassword()
	}
	if err := s.auth.SetPassword(r.Context(), st.ID, pw, ""); err != nil {
		s.staffFormFail(w, r, st, err)
		return
	}
	shown := ""
	if generated {
		shown = pw
	}
	s.showStaff(w, r, st, shown, "flash.password_reset")
}
