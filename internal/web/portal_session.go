package web

import (
	"bytes"
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
)

// The member portal (会员自助) under /m/: members sign in with their
// mobile number and a one-time SMS code, in sessions of their own (never
// a staff session), and see only their own records. Pages are small,
// server-rendered and work without JavaScript.

const MemberCookie = "ec_member"

// The portal's pseudo-permissions.
const (
	// Visitor pages need no sign-in (sign-in, the code form).
	PortalPublic = auth.Public
	// PortalSignedIn pages need a member session, member or not yet.
	PortalSignedIn auth.Permission = "portal.session"
	// PortalMember pages need a session of a person who is a member.
	PortalMember auth.Permission = "portal.member"
)

var ErrPortalSignIn = &apperr.Error{Code: apperr.Unauthorized, ZH: "请先登录", EN: "sign in first"}

// portalGuard authenticates a portal request by its member session cookie,
// checks the route's pseudo-permission and, for unsafe methods of a
// session, its CSRF token.
func (s *Server) portalGuard(perm auth.Permission, upload int64, tooLarge func(error) error, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := Info(r)
		ri.surface, ri.perm, ri.maxBody, ri.tooLarge = Portal, perm, upload, tooLarge
		ri.lang = s.Cat.FromRequest(r, false)
		if ck, err := r.Cookie(MemberCookie); err == nil && ck.Value != "" {
			sess, err := s.MemberAuth.Session(r.Context(), ck.Value)
			switch {
			case err == nil:
				ri.Ms = sess
			case apperr.As(err).Code != apperr.Unauthorized:
				s.Fail(w, r, err)
				return
			default:
				ClearCookie(w, r, MemberCookie)
			}
		}
		actor := db.Actor{Kind: "anonymous", IP: s.ClientIP(r), RequestID: ri.id}
		if ri.Ms != nil && ri.Ms.MemberID != 0 {
			actor = db.Actor{Kind: "member", ID: ri.Ms.MemberID, Login: "member#" + strconv.FormatInt(ri.Ms.MemberID, 10), IP: s.ClientIP(r), RequestID: ri.id}
		}
		r = r.WithContext(db.WithActor(r.Context(), actor))
		switch {
		case perm == PortalPublic:
		case ri.Ms == nil:
			s.Fail(w, r, ErrPortalSignIn)
			return
		case perm == PortalMember && ri.Ms.MemberID == 0:
			http.Redirect(w, r, "/m/join", http.StatusSeeOther)
			return
		}
		if ri.Ms != nil && !safeMethod(r.Method) {
			if err := readForm(w, r, cmp.Or(upload, maxPortalUpload), tooLarge); err != nil {
				s.Fail(w, r, err)
				return
			}
			if !csrfMatch(r, ri.Ms.CSRFToken) {
				s.Fail(w, r, csrfErr)
				return
			}
		}
		h(w, r)
	})
}

// maxPortalUpload bounds a portal form of a route declared without an
// upload bound of its own (Table.AddUpload).
const maxPortalUpload = 8 << 20

// Mpage is what every portal template receives.
type Mpage struct {
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

// RenderPortal writes a portal page (templates m_*.html in the portal layout).
func (s *Server) RenderPortal(w http.ResponseWriter, r *http.Request, status int, name string, pg Mpage) {
	ri := Info(r)
	t, ok := s.Page(ri.lang, name)
	if !ok {
		s.Fail(w, r, errors.New("no template "+name))
		return
	}
	pg.Lang, pg.Path, pg.RequestID = ri.lang, r.URL.Path, ri.id
	if ri.Ms != nil {
		pg.Signed, pg.IsMember, pg.CSRF = true, ri.Ms.MemberID != 0, ri.Ms.CSRFToken
	}
	if pg.Flash == "" {
		if f := r.URL.Query().Get("flash"); f != "" && s.Cat.Has(ri.lang, f) {
			pg.Flash = s.Cat.T(ri.lang, f)
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "mlayout", pg); err != nil {
		s.Log.Error("render", "template", name, "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
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
		s.Log.Error("internal error", "request_id", Info(r).id, "err", e.Err)
	}
	s.RenderPortal(w, r, apperr.HTTPStatus(e.Code), "m_error", Mpage{Title: s.Cat.T(Lang(r), "error.title"), Data: e})
}
