package portal

import (
	"net/http"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
	"estateclub/internal/web"
)

// memberSession is the portal session of the request, if any.
func memberSession(r *http.Request) *memberauth.Session { return web.Info(r).Ms }

// portalError re-renders a portal form with the error of its submission.
func (s *handler) portalError(w http.ResponseWriter, r *http.Request, name string, pg web.Mpage, err error) {
	e := apperr.As(err)
	switch e.Code {
	case apperr.Internal, apperr.NotFound, apperr.Forbidden, apperr.Unauthorized:
		s.Fail(w, r, err)
		return
	}
	pg.Error, pg.Form = e, r.PostForm
	s.RenderPortal(w, r, apperr.HTTPStatus(e.Code), name, pg)
}

// me is the signed-in member, read fresh for every request.
func (s *handler) me(r *http.Request) (*member.Member, error) {
	ms := memberSession(r)
	if ms == nil || ms.MemberID == 0 {
		return nil, web.ErrPortalSignIn
	}
	return s.Members.Get(r.Context(), ms.MemberID)
}

// --- sign-in ---

type mLoginData struct {
	Next     string
	Mobile   string
	CodeSent *memberauth.CodeSent
	Outbox   bool // the built-in SMS outbox: say where the demo's code is
}

func (s *handler) mLoginPage(w http.ResponseWriter, r *http.Request, status int, d mLoginData, err error) {
	d.Outbox = s.SMS.Provider.Name() == "outbox"
	pg := web.Mpage{Title: s.Cat.T(web.Lang(r), "m.login.title"), Data: d}
	if err != nil {
		s.portalError(w, r, "m_login", pg, err)
		return
	}
	s.RenderPortal(w, r, status, "m_login", pg)
}

func (s *handler) mLogin(w http.ResponseWriter, r *http.Request) {
	if ms := memberSession(r); ms != nil {
		http.Redirect(w, r, "/m/", http.StatusSeeOther)
		return
	}
	s.mLoginPage(w, r, http.StatusOK, mLoginData{Next: web.SafePortalNext(r.URL.Query().Get("next"))}, nil)
}

// mLoginCode sends a one-time code to the mobile number.
func (s *handler) mLoginCode(w http.ResponseWriter, r *http.Request) {
	d := mLoginData{Next: web.SafePortalNext(r.PostFormValue("next")), Mobile: strings.TrimSpace(r.PostFormValue("mobile"))}
	sent, err := s.MemberAuth.SendCode(r.Context(), d.Mobile, s.ClientIP(r), web.Lang(r))
	if err != nil {
		s.mLoginPage(w, r, 0, d, err)
		return
	}
	d.CodeSent = sent
	s.mLoginPage(w, r, http.StatusOK, d, nil)
}

// mLoginSubmit checks the code and opens a member session.
func (s *handler) mLoginSubmit(w http.ResponseWriter, r *http.Request) {
	d := mLoginData{Next: web.SafePortalNext(r.PostFormValue("next")), Mobile: strings.TrimSpace(r.PostFormValue("mobile")),
		CodeSent: &memberauth.CodeSent{}}
	sess, token, err := s.MemberAuth.SignIn(r.Context(), d.Mobile, strings.TrimSpace(r.PostFormValue("code")), s.ClientIP(r), r.UserAgent())
	if err != nil {
		if apperr.As(err).Code == apperr.Unauthorized {
			e := *apperr.As(err)
			e.Code = apperr.Invalid // a wrong code is a form error, not a sign-in redirect
			err = &e
		}
		s.mLoginPage(w, r, 0, d, err)
		return
	}
	s.SetCookie(w, r, web.MemberCookie, token, 7*24*time.Hour)
	next := d.Next
	if sess.MemberID == 0 {
		next = "/m/join"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *handler) mLogout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(web.MemberCookie); err == nil {
		if err := s.MemberAuth.SignOut(r.Context(), ck.Value); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	web.ClearCookie(w, r, web.MemberCookie)
	http.Redirect(w, r, "/m/login?flash=m.flash.signed_out", http.StatusSeeOther)
}
