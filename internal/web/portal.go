package web

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
)

// The member portal (会员自助) under /m/: members sign in with their
// mobile number and a one-time SMS code, in sessions of their own (never
// a staff session), and see only their own records. Pages are small,
// server-rendered and work without JavaScript.

const memberCookie = "ec_member"

// The portal's pseudo-permissions.
const (
	// Visitor pages need no sign-in (sign-in, the code form).
	portalPublic = auth.Public
	// portalSignedIn pages need a member session, member or not yet.
	portalSignedIn auth.Permission = "portal.session"
	// portalMember pages need a session of a person who is a member.
	portalMember auth.Permission = "portal.member"
)

var errPortalSignIn = &apperr.Error{Code: apperr.Unauthorized, ZH: "请先登录", EN: "sign in first"}

// memberSession is the portal session of the request, if any.
func memberSession(r *http.Request) *memberauth.Session { return info(r).ms }

// portalGuard authenticates a portal request by its member session cookie,
// checks the route's pseudo-permission and, for unsafe methods of a
// session, its CSRF token.
func (s *Server) portalGuard(perm auth.Permission, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		ri.surface = Portal
		ri.lang = s.cat.FromRequest(r, false)
		if ck, err := r.Cookie(memberCookie); err == nil && ck.Value != "" {
			sess, err := s.memberAuth.Session(r.Context(), ck.Value)
			switch {
			case err == nil:
				ri.ms = sess
			case apperr.As(err).Code != apperr.Unauthorized:
				s.fail(w, r, err)
				return
			default:
				clearCookie(w, r, memberCookie)
			}
		}
		actor := db.Actor{Kind: "anonymous", IP: s.clientIP(r), RequestID: ri.id}
		if ri.ms != nil && ri.ms.MemberID != 0 {
			actor = db.Actor{Kind: "member", ID: ri.ms.MemberID, Login: "member#" + strconv.FormatInt(ri.ms.MemberID, 10), IP: s.clientIP(r), RequestID: ri.id}
		}
		r = r.WithContext(db.WithActor(r.Context(), actor))
		switch {
		case perm == portalPublic:
		case ri.ms == nil:
			s.fail(w, r, errPortalSignIn)
			return
		case perm == portalMember && ri.ms.MemberID == 0:
			http.Redirect(w, r, "/m/join", http.StatusSeeOther)
			return
		}
		if ri.ms != nil && !safeMethod(r.Method) {
			if err := readForm(w, r, maxPortalUpload); err != nil {
				s.fail(w, r, err)
				return
			}
			if !csrfMatch(r, ri.ms.CSRFToken) {
				s.fail(w, r, csrfErr)
				return
			}
		}
		h(w, r)
	})
}

// maxPortalUpload bounds a portal form with a photo (one photo of up to 6 MB).
const maxPortalUpload = 8 << 20

// mpage is what every portal template receives.
type mpage struct {
	Lang      string
	Title     string
	Nav       string
	Signed    bool // a member session
	IsMember  bool
	CSRF      string
	Flash     string
	Error     *apperr.Error
	Form      url.Values
	Data      any
	Path      string
	RequestID string
}

// renderPortal writes a portal page (templates m_*.html in the portal layout).
func (s *Server) renderPortal(w http.ResponseWriter, r *http.Request, status int, name string, pg mpage) {
	ri := info(r)
	t, ok := s.page(ri.lang, name)
	if !ok {
		s.fail(w, r, errors.New("no template "+name))
		return
	}
	pg.Lang, pg.Path, pg.RequestID = ri.lang, r.URL.Path, ri.id
	if ri.ms != nil {
		pg.Signed, pg.IsMember, pg.CSRF = true, ri.ms.MemberID != 0, ri.ms.CSRFToken
	}
	if pg.Flash == "" {
		if f := r.URL.Query().Get("flash"); f != "" && s.cat.Has(ri.lang, f) {
			pg.Flash = s.cat.T(ri.lang, f)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "mlayout", pg); err != nil {
		s.log.Error("render", "template", name, "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// portalError re-renders a portal form with the error of its submission.
func (s *Server) portalError(w http.ResponseWriter, r *http.Request, name string, pg mpage, err error) {
	e := apperr.As(err)
	switch e.Code {
	case apperr.Internal, apperr.NotFound, apperr.Forbidden, apperr.Unauthorized:
		s.fail(w, r, err)
		return
	}
	pg.Error, pg.Form = e, r.PostForm
	s.renderPortal(w, r, apperr.HTTPStatus(e.Code), name, pg)
}

// portalFail answers an error of the portal: to sign in when there is no
// session, else an error page in the portal's layout.
func (s *Server) portalFail(w http.ResponseWriter, r *http.Request, e *apperr.Error) {
	if e.Code == apperr.Unauthorized {
		q := url.Values{}
		if r.Method == http.MethodGet {
			q.Set("next", r.URL.RequestURI())
		}
		http.Redirect(w, r, "/m/login?"+q.Encode(), http.StatusSeeOther)
		return
	}
	if e.Code == apperr.Internal {
		s.log.Error("internal error", "request_id", info(r).id, "err", e.Err)
	}
	s.renderPortal(w, r, apperr.HTTPStatus(e.Code), "m_error", mpage{Title: s.cat.T(lang(r), "error.title"), Data: e})
}

// me is the signed-in member, read fresh for every request.
func (s *Server) me(r *http.Request) (*member.Member, error) {
	ms := memberSession(r)
	if ms == nil || ms.MemberID == 0 {
		return nil, errPortalSignIn
	}
	return s.members.Get(r.Context(), ms.MemberID)
}

// --- sign-in ---

type mLoginData struct {
	Next     string
	Mobile   string
	CodeSent *memberauth.CodeSent
	Outbox   bool // the built-in SMS outbox: say where the demo's code is
}

func (s *Server) mLoginPage(w http.ResponseWriter, r *http.Request, status int, d mLoginData, err error) {
	d.Outbox = s.sms.Provider.Name() == "outbox"
	pg := mpage{Title: s.cat.T(lang(r), "m.login.title"), Data: d}
	if err != nil {
		s.portalError(w, r, "m_login", pg, err)
		return
	}
	s.renderPortal(w, r, status, "m_login", pg)
}

func (s *Server) mLogin(w http.ResponseWriter, r *http.Request) {
	if ms := memberSession(r); ms != nil {
		http.Redirect(w, r, "/m/", http.StatusSeeOther)
		return
	}
	s.mLoginPage(w, r, http.StatusOK, mLoginData{Next: safePortalNext(r.URL.Query().Get("next"))}, nil)
}

// mLoginCode sends a one-time code to the mobile number.
func (s *Server) mLoginCode(w http.ResponseWriter, r *http.Request) {
	d := mLoginData{Next: safePortalNext(r.PostFormValue("next")), Mobile: strings.TrimSpace(r.PostFormValue("mobile"))}
	sent, err := s.memberAuth.SendCode(r.Context(), d.Mobile, s.clientIP(r), lang(r))
	if err != nil {
		s.mLoginPage(w, r, 0, d, err)
		return
	}
	d.CodeSent = sent
	s.mLoginPage(w, r, http.StatusOK, d, nil)
}

// mLoginSubmit checks the code and opens a member session.
func (s *Server) mLoginSubmit(w http.ResponseWriter, r *http.Request) {
	d := mLoginData{Next: safePortalNext(r.PostFormValue("next")), Mobile: strings.TrimSpace(r.PostFormValue("mobile")),
		CodeSent: &memberauth.CodeSent{}}
	sess, token, err := s.memberAuth.SignIn(r.Context(), d.Mobile, strings.TrimSpace(r.PostFormValue("code")), s.clientIP(r), r.UserAgent())
	if err != nil {
		if apperr.As(err).Code == apperr.Unauthorized {
			e := *apperr.As(err)
			e.Code = apperr.Invalid // a wrong code is a form error, not a sign-in redirect
			err = &e
		}
		s.mLoginPage(w, r, 0, d, err)
		return
	}
	s.setCookie(w, r, memberCookie, token, 7*24*time.Hour)
	next := d.Next
	if sess.MemberID == 0 {
		next = "/m/join"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) mLogout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(memberCookie); err == nil {
		if err := s.memberAuth.SignOut(r.Context(), ck.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	clearCookie(w, r, memberCookie)
	http.Redirect(w, r, "/m/login?flash=m.flash.signed_out", http.StatusSeeOther)
}
