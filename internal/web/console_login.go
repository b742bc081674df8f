package web

import (
	"net/http"
	"net/url"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/i18n"
)

type loginData struct {
	Next    string
	Expired bool
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if principal(r) != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	d := loginData{Next: safeNext(r.URL.Query().Get("next")), Expired: r.URL.Query().Get("expired") == "1"}
	s.render(w, r, http.StatusOK, "login", page{Title: s.cat.T(lang(r), "login.title"), Data: d})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, apperr.New(apperr.Invalid, "表单无法解析", "the form could not be read"))
		return
	}
	d := loginData{Next: safeNext(r.PostFormValue("next"))}
	pg := page{Title: s.cat.T(lang(r), "login.title"), Data: d}
	login, pw := r.PostFormValue("login"), r.PostFormValue("password")
	if strings.TrimSpace(login) == "" || pw == "" {
		s.formError(w, r, "login", pg, apperr.Field("login", "请输入登录名和密码", "enter your login and password"))
		return
	}
	sess, st, err := s.auth.Login(r.Context(), login, pw, s.clientIP(r), r.UserAgent())
	if err != nil {
		e := apperr.As(err)
		if e.Code == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		pg.Error, pg.Form = e, url.Values{"login": {login}}
		status := apperr.HTTPStatus(e.Code)
		s.render(w, r, status, "login", pg)
		return
	}
	s.setCookie(w, r, sessionCookie, sess.Token, s.auth.MaxAge)
	s.setLangCookie(w, r, st.Locale)
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) setLangCookie(w http.ResponseWriter, r *http.Request, l string) {
	http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: s.secure(r), HttpOnly: true})
}

// setLanguage switches the language of a visitor who is not signed in.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) {
	l := r.PostFormValue("lang")
	if !i18n.Supported(l) {
		l = i18n.Default
	}
	s.setLangCookie(w, r, l)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if sess := info(r).sess; sess != nil {
		if err := s.auth.Logout(r.Context(), sess); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	clearCookie(w, r, sessionCookie)
	http.Redirect(w, r, "/login?flash=flash.logged_out", http.StatusSeeOther)
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	d, err := s.dashboardData(r.Context(), principal(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", page{Title: s.cat.T(lang(r), "nav.dashboard"), Nav: "dashboard", Data: d})
}
