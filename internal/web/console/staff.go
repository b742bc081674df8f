package console

import (
	"net/http"
	"net/url"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

type staffListData struct {
	Staff []auth.Staff
	Total int
	Page  web.Paging
	Query url.Values
	Pager web.Pager
}

func (s *handler) staffList(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err := web.StaffFilter(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := s.Auth.ListStaff(r.Context(), f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for i := range list {
		list[i].Grants = web.VisibleGrants(web.Principal(r), list[i].Grants)
	}
	d := staffListData{Staff: list, Total: total, Page: pg, Query: r.URL.Query(), Pager: web.NewPager(r, pg, total, 0, false)}
	s.Render(w, r, http.StatusOK, "staff", web.Page{Title: s.Cat.T(web.Lang(r), "nav.staff"), Nav: "staff", Data: d})
}

type staffFormData struct {
	Nodes []org.Node // where the caller may place staff and grant roles
	Staff *auth.Staff
	// Password is a generated password, shown once.
	Password string
}

func (s *handler) writableNodes(r *http.Request) ([]org.Node, error) {
	nodes, _, err := s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(auth.StaffWrite)})
	return nodes, err
}

func (s *handler) staffNew(w http.ResponseWriter, r *http.Request) {
	nodes, err := s.writableNodes(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "staff_new", web.Page{Title: s.Cat.T(web.Lang(r), "staff.new"), Nav: "staff", Data: staffFormData{Nodes: nodes}})
}

func (s *handler) staffCreate(w http.ResponseWriter, r *http.Request) {
	b := web.StaffCreateBody{Login: r.PostFormValue("login"), Name: r.PostFormValue("name"), Email: r.PostFormValue("email"),
		Org: r.PostFormValue("org"), Password: r.PostFormValue("password"), Locale: r.PostFormValue("locale")}
	if role := r.PostFormValue("role"); role != "" {
		at := r.PostFormValue("role_org")
		if at == "" {
			at = b.Org
		}
		b.Roles = []web.GrantBody{{Role: role, Org: at}}
	}
	st, generated, err := s.CreateStaff(r, b)
	if err != nil {
		nodes, nerr := s.writableNodes(r)
		if nerr != nil {
			s.Fail(w, r, nerr)
			return
		}
		s.FormError(w, r, "staff_new", web.Page{Title: s.Cat.T(web.Lang(r), "staff.new"), Nav: "staff", Data: staffFormData{Nodes: nodes}}, err)
		return
	}
	s.showStaff(w, r, st, generated, "flash.saved")
}

func (s *handler) showStaff(w http.ResponseWriter, r *http.Request, st *auth.Staff, password, flash string) {
	nodes, err := s.writableNodes(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: st.Name, Nav: "staff", Data: staffFormData{Nodes: nodes, Staff: st, Password: password}}
	if flash != "" {
		pg.Flash = s.Cat.T(web.Lang(r), flash)
	}
	s.Render(w, r, http.StatusOK, "staff_show", pg)
}

func (s *handler) staffShow(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.showStaff(w, r, st, "", "")
}

// staffFormFail re-renders the staff page with a form error.
func (s *handler) staffFormFail(w http.ResponseWriter, r *http.Request, st *auth.Staff, err error) {
	nodes, nerr := s.writableNodes(r)
	if nerr != nil {
		s.Fail(w, r, nerr)
		return
	}
	s.FormError(w, r, "staff_show", web.Page{Title: st.Name, Nav: "staff", Data: staffFormData{Nodes: nodes, Staff: st}}, err)
}

func (s *handler) staffUpdate(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	name, email := r.PostFormValue("name"), r.PostFormValue("email")
	active := r.PostFormValue("active") == "on"
	if !active && st.ID == web.Principal(r).Staff.ID {
		s.staffFormFail(w, r, st, apperr.Field("active", "不能停用自己的账号", "you cannot disable your own account"))
		return
	}
	if _, err := s.Auth.UpdateStaff(r.Context(), st.ID, auth.StaffUpdate{Name: &name, Email: &email, Active: &active}); err != nil {
		s.staffFormFail(w, r, st, err)
		return
	}
	web.Redirect(w, r, "/staff/"+r.PathValue("staff"), "flash.saved")
}

func (s *handler) staffGrant(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if _, err := s.Grant(r, st, web.GrantBody{Role: r.PostFormValue("role"), Org: r.PostFormValue("org")}); err != nil {
		s.staffFormFail(w, r, st, err)
		return
	}
	web.Redirect(w, r, "/staff/"+r.PathValue("staff"), "flash.saved")
}

func (s *handler) staffRevoke(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if _, err := s.Revoke(r, st); err != nil {
		s.Fail(w, r, err)
		return
	}
	web.Redirect(w, r, "/staff/"+r.PathValue("staff"), "flash.saved")
}

// staffResetPassword sets a new generated password and shows it once.
func (s *handler) staffResetPassword(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pw := strings.TrimSpace(r.PostFormValue("password"))
	generated := pw == ""
	if generated {
		pw = auth.GeneratePassword()
	}
	if err := s.Auth.SetPassword(r.Context(), st.ID, pw, ""); err != nil {
		s.staffFormFail(w, r, st, err)
		return
	}
	shown := ""
	if generated {
		shown = pw
	}
	s.showStaff(w, r, st, shown, "flash.password_reset")
}
