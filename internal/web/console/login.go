package console

import (
	"net/http"
	"net/url"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/i18n"
	"estateclub/internal/web"
)

type loginData struct {
	Next    string
	Expired bool
}

func (s *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	if web.Principal(r) != nil {
		http.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d := loginData{Next: web.SafeNext(r.URL.Query().Get("next")), Expired: r.URL.Query().Get("expired") == "1"}
	s.Render(w, r, http.StatusOK, "login", web.Page{Title: s.Cat.T(web.Lang(r), "login.title"), Data: d})
}

func (s *handler) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, apperr.New(apperr.Invalid, "表单无法解析", "the form could not be read"))
		return
	}
	d := loginData{Next: web.SafeNext(r.PostFormValue("next"))}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "login.title"), Data: d}
	login, pw := r.PostFormValue("login"), r.PostFormValue("password")
	if strings.TrimSpace(login) == "" || pw == "" {
		s.FormError(w, r, "login", pg, apperr.Field("login", "请输入登录名和密码", "enter your login and password"))
		return
	}
	sess, st, err := s.Auth.Login(r.Context(), login, pw, s.ClientIP(r), r.UserAgent())
	if err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Internal {
			s.Fail(w, r, err)
			return
		}
		pg.Error, pg.Form = e, url.Values{"login": {login}}
		status := apperr.HTTPStatus(e.Code)
		s.Render(w, r, status, "login", pg)
		return
	}
	s.SetCookie(w, r, web.SessionCookie, sess.Token, s.Auth.MaxAge)
	s.setLangCookie(w, r, st.Locale)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *handler) setLangCookie(w http.ResponseWriter, r *http.Request, l string) {
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: s.Secure(r), HttpOnly: true})
}

// setLanguage switches the language of a visitor who is not signed in.
func (s *handler) setLanguage(w http.ResponseWriter, r *http.Request) {
	l := r.PostFormValue("lang")
	if !i18n.Supported(l) {
		l = i18n.Default
	}
	s.setLangCookie(w, r, l)
	http.Redirect(w, r, web.SafeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *handler) logout(w http.ResponseWriter, r *http.Request) {
	if sess := web.Info(r).Sess; sess != nil {
		if err := s.Auth.Logout(r.Context(), sess); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	web.ClearCookie(w, r, web.SessionCookie)
	http.Redirect(w, r, "/login?flash=flash.logged_out", http.StatusSeeOther)
}

func (s *handler) dashboard(w http.ResponseWriter, r *http.Request) {
	d, err := s.DashboardData(r.Context(), web.Principal(r))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "dashboard", web.Page{Title: s.Cat.T(web.Lang(r), "nav.dashboard"), Nav: "dashboard", Data: d})
}
