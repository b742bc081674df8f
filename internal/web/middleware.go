package web

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/memberauth"
)

const SessionCookie = "ec_session"

// reqInfo is what the middleware learns about a request.
type reqInfo struct {
	id      string
	lang    string
	p       *auth.Principal     // nil when not signed in
	Sess    *auth.Session       // nil for bearer tokens and anonymous requests
	Ms      *memberauth.Session // the member portal's session, if any
	surface Surface
	perm    auth.Permission // the permission the route declares
	maxBody int64           // the route's bound for a body with files (0: none)
	// tooLarge refuses a body over maxBody (nil: no files on the route).
	tooLarge func(error) error
}

type ctxKey struct{}

// Info is what the middleware learned about the request.
func Info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(ctxKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{lang: "zh-CN"}
}

// Principal is the signed-in staff member (nil when anonymous).
func Principal(r *http.Request) *auth.Principal { return Info(r).p }

// Lang is the language the request is answered in.
func Lang(r *http.Request) string { return Info(r).lang }

// RoutePerm is the permission the request's route declares: the one an
// object the route loads is checked against.
func RoutePerm(r *http.Request) auth.Permission { return Info(r).perm }

// NotFoundErr answers a page or an object that does not exist, or that the
// caller may not know of.
var NotFoundErr = &apperr.Error{Code: apperr.NotFound, ZH: "页面或对象不存在", EN: "not found"}

var csrfErr = &apperr.Error{Code: apperr.Forbidden, ZH: "表单已失效（CSRF 校验失败），请刷新页面后重试", EN: "the form has expired (CSRF check failed); reload the page and try again"}

// guard authenticates the request for its surface, checks the route's
// permission and, for cookie sessions, the CSRF token of unsafe methods.
func (s *Server) guard(surface Surface, perm auth.Permission, upload int64, tooLarge func(error) error, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := Info(r)
		ri.surface, ri.perm, ri.maxBody, ri.tooLarge = surface, perm, upload, tooLarge
		ri.lang = s.Cat.FromRequest(r, surface != Console && surface != Counter)
		if surface == System {
			h(w, r)
			return
		}
		p, sess, err := s.authenticate(r, surface)
		if err != nil && perm != auth.Public {
			s.Fail(w, r, err)
			return
		}
		ri.p, ri.Sess = p, sess
		if p != nil {
			ri.lang = p.Staff.Locale
			if surface == API && r.Header.Get("Accept-Language") != "" {
				ri.lang = s.Cat.Match(r.Header.Get("Accept-Language"))
			}
			r = r.WithContext(db.WithActor(r.Context(), db.Actor{Kind: "staff", ID: p.Staff.ID, Login: p.Staff.Login, IP: s.ClientIP(r), RequestID: ri.id}))
		} else {
			r = r.WithContext(db.WithActor(r.Context(), db.Actor{Kind: "anonymous", Login: "", IP: s.ClientIP(r), RequestID: ri.id}))
		}
		if !p.Can(perm) && perm != auth.Public {
			s.Fail(w, r, apperr.ForbiddenErr())
			return
		}
		if sess != nil && !safeMethod(r.Method) {
			if err := readForm(w, r, cmp.Or(upload, maxBody), tooLarge); err != nil {
				s.Fail(w, r, err)
				return
			}
			if !s.csrfOK(r, sess) {
				s.Fail(w, r, csrfErr)
				return
			}
		}
		h(w, r)
	})
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// authenticate finds the caller: a bearer token on the API, else the
// session cookie.
func (s *Server) authenticate(r *http.Request, surface Surface) (*auth.Principal, *auth.Session, error) {
	if surface == API {
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				return nil, nil, &apperr.Error{Code: apperr.Unauthorized, ZH: "Authorization 头须为 Bearer 令牌", EN: "the Authorization header must be a Bearer token"}
			}
			p, err := s.Auth.AuthenticateToken(r.Context(), strings.TrimSpace(tok))
			return p, nil, err
		}
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil, nil, auth.ErrNotSignedIn
	}
	return s.Auth.Authenticate(r.Context(), ck.Value)
}

func (s *Server) csrfOK(r *http.Request, sess *auth.Session) bool {
	return csrfMatch(r, sess.CSRFToken)
}

// maxFormBody bounds a form that carries no file.
const maxFormBody = 4 << 20

// readForm parses an unsafe request's form before its CSRF token is read,
// so an oversized form is answered "too large" rather than "CSRF check
// failed". Every body is already bounded by maxBody (bodyLimit); a form
// without files is held to maxFormBody, and one with files to maxMultipart
// where that is tighter. A request with the token in its header (the API's
// JSON calls) is left for its handler to read. On a route that takes files
// (tooLarge set), a multipart form over its bound is refused by tooLarge,
// naming the files' field.
func readForm(w http.ResponseWriter, r *http.Request, maxMultipart int64, tooLarge func(error) error) error {
	if r.Header.Get("X-CSRF-Token") != "" {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	limit := int64(maxFormBody)
	switch mt {
	case "multipart/form-data":
		limit = min(maxMultipart, maxBody)
		if limit < maxBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		err = r.ParseMultipartForm(8 << 20)
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		err = r.ParseForm()
	default:
		return nil
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) && tooLarge != nil && mt == "multipart/form-data":
		return tooLarge(err)
	case errors.As(err, &tooBig):
		mb := strconv.FormatInt((limit+1<<20-1)>>20, 10)
		return &apperr.Error{Code: apperr.TooLarge, ZH: "提交的内容太大（上限 " + mb + " MB），请减少内容或拆分文件后重试",
			EN: "what you sent is too large (at most " + mb + " MB); send less, or split the file", Err: err}
	case err != nil:
		return &apperr.Error{Code: apperr.Invalid, ZH: "表单无法解析，请刷新页面后重试", EN: "the form could not be read; reload the page and try again", Err: err}
	}
	return nil
}

// csrfMatch checks the request's CSRF token (header or form field) against want.
func csrfMatch(r *http.Request, want string) bool {
	tok := r.Header.Get("X-CSRF-Token")
	if tok == "" {
		tok = r.PostFormValue("csrf")
	}
	return tok != "" && want != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(want)) == 1
}

// Fail answers an error in the form of the request's surface.
func (s *Server) Fail(w http.ResponseWriter, r *http.Request, err error) {
	ri := Info(r)
	if ri.surface == API || ri.surface == System {
		s.APIError(w, r, err)
		return
	}
	if ri.surface == Portal {
		s.portalFail(w, r, apperr.As(err))
		return
	}
	e := apperr.As(err)
	if e.Code == apperr.Unauthorized {
		q := url.Values{"next": {r.URL.RequestURI()}}
		if e == auth.ErrSessionExpired {
			ClearCookie(w, r, SessionCookie)
			q.Set("expired", "1")
		}
		if r.Method != http.MethodGet {
			q.Del("next")
		}
		http.Redirect(w, r, "/login?"+q.Encode(), http.StatusSeeOther)
		return
	}
	s.errorPage(w, r, e)
}

// observe gives each request an id, recovers panics, logs one line and
// records metrics by route pattern.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{id: requestID(r), lang: "zh-CN", surface: Console}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			ri.surface = API
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		sw.Header().Set("X-Request-ID", ri.id)
		defer func() {
			if v := recover(); v != nil {
				s.Log.Error("panic", "request_id", ri.id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if !sw.wrote {
					s.Fail(sw, r, fmt.Errorf("panic: %v", v))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.metrics.observe(route, r.Method, sw.status, d)
			level := slogLevel(sw.status)
			attrs := []any{"request_id", ri.id, "method", r.Method, "path", r.URL.Path, "route", route,
				"status", sw.status, "duration_ms", float64(d.Microseconds()) / 1000, "ip", s.ClientIP(r)}
			if ri.p != nil {
				attrs = append(attrs, "staff", ri.p.Staff.Login)
			}
			s.Log.Log(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-ID"); id != "" && len(id) <= 64 {
		return id
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
		// Every 503 (apperr.Busy, a database that does not answer) tells
		// the client when to try again, whatever the surface.
		if code == http.StatusServiceUnavailable && w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", strconv.Itoa(apperr.RetryAfter))
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// securityHeaders sets the headers every answer carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		if s.Secure(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// Secure reports whether the client reached us over TLS.
func (s *Server) Secure(r *http.Request) bool {
	return r.TLS != nil || (s.Config.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https")
}

// ClientIP is the caller's address. Behind trusted proxies it is the
// X-Forwarded-For entry the outermost of them appended (ProxyHops from the
// right); the entries left of it are the client's own words.
func (s *Server) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if !s.Config.TrustProxy {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	if len(hops) == 0 {
		return host
	}
	n := max(s.Config.ProxyHops, 1)
	// With fewer entries than proxies, every entry was written by one of
	// them: the leftmost is the nearest to the client.
	ip := hops[max(len(hops)-n, 0)]
	if net.ParseIP(ip) == nil {
		return host
	}
	return ip
}

func (s *Server) SetCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: s.Secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds())})
}

func ClearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, MaxAge: -1, SameSite: http.SameSiteLaxMode})
}
