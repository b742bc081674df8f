package web

import (
	"net/http"
	"strconv"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/i18n"
)

type accountData struct {
	Tokens   []auth.Token
	NewToken string // shown once after creation
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, status int, d accountData, flash string, err error) {
	toks, terr := s.auth.ListTokens(r.Context(), principal(r).Staff.ID)
	if terr != nil {
		s.fail(w, r, terr)
		return
	}
	d.Tokens = toks
	pg := page{Title: s.cat.T(lang(r), "nav.account"), Nav: "account", Data: d}
	if flash != "" {
		pg.Flash = s.cat.T(lang(r), flash)
	}
	if err != nil {
		s.formError(w, r, "account", pg, err)
		return
	}
	s.render(w, r, status, "account", pg)
}

func (s *Server) account(w http.ResponseWriter, r *http.Request) {
	s.accountPage(w, r, http.StatusOK, accountData{}, "", nil)
}

func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) {
	cur, next, again := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("new_password2")
	var err error
	if next != again {
		err = fieldErr("new_password2", "两次输入的新密码不一致", "the two new passwords differ")
	} else {
		err = s.auth.ChangePassword(r.Context(), principal(r).Staff.ID, cur, next, info(r).sess.IDHash)
	}
	if err != nil {
		s.accountPage(w, r, http.StatusBadRequest, accountData{}, "", err)
		return
	}
	redirect(w, r, "/account", "flash.password_changed")
}

// accountLocale keeps the user's language on their account.
func (s *Server) accountLocale(w http.ResponseWriter, r *http.Request) {
	l := r.PostFormValue("lang")
	if !i18n.Supported(l) {
		l = i18n.Default
	}
	if _, err := s.auth.UpdateStaff(r.Context(), principal(r).Staff.ID, auth.StaffUpdate{Locale: &l}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setLangCookie(w, r, l)
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *Server) accountTokenCreate(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.PostFormValue("ttl_days"))
	if days < 0 || days > 3650 {
		s.accountPage(w, r, http.StatusBadRequest, accountData{}, "", fieldErr("ttl_days", "有效天数须为 0–3650", "validity must be 0–3650 days"))
		return
	}
	raw, _, err := s.auth.CreateToken(r.Context(), principal(r).Staff.ID, r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.accountPage(w, r, http.StatusOK, accountData{NewToken: raw}, "flash.token_created", nil)
}

func (s *Server) accountTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err != nil {
		s.fail(w, r, notFoundErr)
		return
	}
	if err := s.auth.RevokeToken(r.Context(), principal(r).Staff.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/account", "flash.token_revoked")
}
