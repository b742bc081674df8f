package console

import (
	"net/http"
	"strconv"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/i18n"
	"estateclub/internal/web"
)

type accountData struct {
	Tokens   []auth.Token
	NewToken string // shown once after creation
}

func (s *handler) accountPage(w http.ResponseWriter, r *http.Request, status int, d accountData, flash string, err error) {
	toks, terr := s.Auth.ListTokens(r.Context(), web.Principal(r).Staff.ID)
	if terr != nil {
		s.Fail(w, r, terr)
		return
	}
	d.Tokens = toks
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "nav.account"), Nav: "account", Data: d}
	if flash != "" {
		pg.Flash = s.Cat.T(web.Lang(r), flash)
	}
	if err != nil {
		s.FormError(w, r, "account", pg, err)
		return
	}
	s.Render(w, r, status, "account", pg)
}

func (s *handler) account(w http.ResponseWriter, r *http.Request) {
	s.accountPage(w, r, http.StatusOK, accountData{}, "", nil)
}

func (s *handler) accountPassword(w http.ResponseWriter, r *http.Request) {
	cur, next, again := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("new_password2")
	var err error
	if next != again {
		err = web.FieldErr("new_password2", "两次输入的新密码不一致", "the two new passwords differ")
	} else {
		err = s.Auth.ChangePassword(r.Context(), web.Principal(r).Staff.ID, cur, next, web.Info(r).Sess.IDHash)
	}
	if err != nil {
		s.accountPage(w, r, http.StatusBadRequest, accountData{}, "", err)
		return
	}
	web.Redirect(w, r, "/account", "flash.password_changed")
}

// accountLocale keeps the user's language on their account.
func (s *handler) accountLocale(w http.ResponseWriter, r *http.Request) {
	l := r.PostFormValue("lang")
	if !i18n.Supported(l) {
		l = i18n.Default
	}
	if _, err := s.Auth.UpdateStaff(r.Context(), web.Principal(r).Staff.ID, auth.StaffUpdate{Locale: &l}); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.setLangCookie(w, r, l)
	http.Redirect(w, r, web.SafeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

func (s *handler) accountTokenCreate(w http.ResponseWriter, r *http.Request) {
	days, _ := strconv.Atoi(r.PostFormValue("ttl_days"))
	if days < 0 || days > 3650 {
		s.accountPage(w, r, http.StatusBadRequest, accountData{}, "", web.FieldErr("ttl_days", "有效天数须为 0–3650", "validity must be 0–3650 days"))
		return
	}
	raw, _, err := s.Auth.CreateToken(r.Context(), web.Principal(r).Staff.ID, r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.accountPage(w, r, http.StatusOK, accountData{NewToken: raw}, "flash.token_created", nil)
}

func (s *handler) accountTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err != nil {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	if err := s.Auth.RevokeToken(r.Context(), web.Principal(r).Staff.ID, id); err != nil {
		s.Fail(w, r, err)
		return
	}
	web.Redirect(w, r, "/account", "flash.token_revoked")
}
