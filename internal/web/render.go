package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/request"
)

//go:embed templates/*.html
var templateFS embed.FS

// Page is what every console template receives.
type Page struct {
	Lang      string
	Title     string
	Nav       string // the active navigation item
	P         *auth.Principal
	CSRF      string
	Flash     string
	Error     *apperr.Error
	Form      url.Values
	Data      any
	Path      string
	Version   string
	RequestID string
	Refresh   int // seconds until the page reloads itself (job progress)
	Unread    int // the signed-in staff member's unread notices (提醒)
}

// parseTemplates parses the layout with each page, so that a broken or
// missing template stops the server at start, not a user at run time.
// pageLangs are the languages pages are parsed for: each language gets its
// own set, so that dates and times come out in its form without every
// template passing the language along.
var pageLangs = []string{"zh-CN", "en"}

// ParseTemplatesAll parses the pages once per language.
func (s *Server) ParseTemplatesAll() (map[string]map[string]*template.Template, error) {
	all := map[string]map[string]*template.Template{}
	for _, l := range pageLangs {
		pages, err := s.parseTemplates(l)
		if err != nil {
			return nil, err
		}
		all[l] = pages
	}
	return all, nil
}

// Page finds a parsed page in the language (Chinese if there is none).
func (s *Server) Page(lang, name string) (*template.Template, bool) {
	set, ok := s.pages[lang]
	if !ok {
		set = s.pages["zh-CN"]
	}
	t, ok := set[name]
	return t, ok
}

func (s *Server) parseTemplates(pageLang string) (map[string]*template.Template, error) {
	loc := s.Loc
	words, err := NewPhraseBook(s.Cat)
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		// Typed data and the system's stored words: see words.go.
		"typed":        typed,
		"word":         words.Show,
		"option":       words.option,
		"tt":           words.withTyped,
		"memberChange": words.memberChange,
		"leadAction":   words.LeadAction,
		"leadChange":   words.LeadChange,
		"t": func(lang, id string, kv ...any) string {
			if len(kv) == 0 {
				return s.Cat.T(lang, id)
			}
			data := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				key := fmt.Sprint(kv[i])
				data[key] = kv[i+1]
				switch v := kv[i+1].(type) {
				case int, int64:
					if key != "Y" { // a year is not a figure
						data[key] = Num(v)
					}
				case time.Time, *time.Time:
					data[key] = FormatDate(lang, loc, v)
				}
			}
			return s.Cat.T(lang, id, data)
		},
		"roleLabel": func(lang string, r auth.Role) string { return r.Label(lang) },
		"kindLabel": func(lang string, k org.Kind) string { return k.Label(lang) },
		"time":      func(t time.Time) string { return FormatTime(pageLang, loc, t) },
		"timep": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return FormatTime(pageLang, loc, *t)
		},
		"date":  func(v any) string { return FormatDate(pageLang, loc, v) },
		"num":   Num,
		"can":   func(p *auth.Principal, perm string) bool { return p.Can(auth.Permission(perm)) },
		"canAt": func(p *auth.Principal, perm, path string) bool { return p.CanAt(auth.Permission(perm), path) },
		// canGroup: perm over the whole group (the root node's path is /1/).
		"canGroup": func(p *auth.Principal, perm string) bool { return p.CanAt(auth.Permission(perm), "/1/") },

		"errFor": func(e *apperr.Error, field string) string {
			if e == nil || e.Field != field {
				return ""
			}
			return e.Message("zh-CN")
		},
		"msg": func(e *apperr.Error, lang string) string { return e.Message(lang) },
		"query": func(base url.Values, kv ...string) string {
			q := url.Values{}
			for k, v := range base {
				q[k] = v
			}
			for i := 0; i+1 < len(kv); i += 2 {
				q.Set(kv[i], kv[i+1])
			}
			return "?" + q.Encode()
		},
		"add":  func(a, b int) int { return a + b },
		"list": func(v ...string) []string { return v },
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
		"statusLabel":  func(lang string, st member.Status) string { return st.Label(lang) },
		"channelLabel": func(lang string, c member.Channel) string { return c.Label(lang) },
		"statuses":     func() []member.Status { return member.Statuses },
		"channels":     func() []member.Channel { return member.Channels },
		"tierLabel":    TierLabel,
		"departmentLabel": func(lang, code string) string {
			if l := request.DepartmentLabel(code, lang); l != "" {
				return l
			}
			return code // a department the admin added keeps its name
		},
		// Kinds and subkinds of requests by the names the admin gave them
		// (request.Catalogue, cached by the service).
		"reqKind": func(lang string, k request.Kind) string { return s.requestLabels().KindLabel(k, lang) },
		"reqSub": func(lang string, k request.Kind, sub request.Subkind) string {
			return s.requestLabels().SubkindLabel(k, sub, lang)
		},
		"genderLabel": GenderLabel,
		"changeValue": changeValue,
		"join":        strings.Join,
		"channel":     func(s string) member.Channel { return member.Channel(s) },
		// Bars take at most 240 of the chart's 400 units, after the labels.
		"barWidth": func(pct float64) string { return strconv.FormatFloat(barWidth(pct), 'f', 1, 64) },
		"barEnd":   func(pct float64) string { return strconv.FormatFloat(barEnd(pct), 'f', 1, 64) },
		"barLabel": func(lang string, b Bar) string {
			if l, ok := words.exact(lang, b.Key); ok && b.Kind == "word" {
				return l
			}
			return barLabel(lang, b, s.Cat.T(lang, "chart.unlabelled"))
		},
		// barTyped: the bar is labelled by typed data (a name, a medium
		// the project added).
		"barTyped": func(lang string, b Bar) bool {
			_, ok := words.exact(lang, b.Key)
			return b.Kind == "typed" || (b.Kind == "word" && !ok)
		},
		"fitLabel": fitLabel,
		"chartOf":  func(lang string, c Chart) map[string]any { return map[string]any{"Lang": lang, "C": c} },
		"roles":    func() []auth.Role { return auth.Roles },
		"kinds":    func() []org.Kind { return org.Kinds },
		"yuan":     Yuan,
		// Leads.
		"leadStatuses": func() []lead.Status { return lead.Statuses },
		"pct":          pct,
	}
	// Files named _*.html are the layout and partials every page shares.
	layout, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	err = fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), "_") {
			return err
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, path)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(path, "templates/"), ".html")
		pages[name] = t
		return nil
	})
	return pages, err
}

var ChinaTime = time.FixedZone("CST", 8*3600)

// GenderLabel names a stored gender.
func GenderLabel(lang, g string) string {
	labels := map[string][2]string{"male": {"男", "Male"}, "female": {"女", "Female"}}
	l, ok := labels[g]
	if !ok {
		return ""
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// TierLabel names a tier code; the tiers themselves are fixed, only their
// thresholds and benefits are settings.
func TierLabel(lang, code string) string {
	names := map[string][2]string{"regular": {"普籍", "Regular"}, "silver": {"银籍", "Silver"}, "gold": {"金籍", "Gold"}, "platinum": {"白金", "Platinum"}}
	n, ok := names[code]
	if !ok {
		return code
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}

// Render writes a console page.
func (s *Server) Render(w http.ResponseWriter, r *http.Request, status int, name string, pg Page) {
	ri := Info(r)
	t, ok := s.Page(ri.lang, name)
	if !ok {
		s.Fail(w, r, fmt.Errorf("no template %q", name))
		return
	}
	pg.Lang, pg.P, pg.Path, pg.Version, pg.RequestID = ri.lang, ri.p, r.URL.Path, s.Config.Version, ri.id
	if ri.Sess != nil {
		pg.CSRF = ri.Sess.CSRFToken
	}
	if ri.p != nil && ri.p.Staff.ID != 0 && s.Notices != nil {
		if n, err := s.Notices.Unread(r.Context(), ri.p.Staff.ID); err == nil {
			pg.Unread = n
		} else {
			s.Log.Warn("unread notices", "err", err)
		}
	}
	if pg.Flash == "" {
		pg.Flash = s.Cat.T(ri.lang, r.URL.Query().Get("flash"))
		if pg.Flash == r.URL.Query().Get("flash") {
			pg.Flash = ""
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		s.Log.Error("render", "template", name, "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorPage shows an error in the console.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, e *apperr.Error) {
	if e.Code == apperr.Internal {
		s.Log.Error("internal error", "request_id", Info(r).id, "err", e.Err)
	}
	// The message goes in Data: the layout's banner shows page.Error, and
	// the error page says it once, in its own card, with the request id.
	s.Render(w, r, apperr.HTTPStatus(e.Code), "error", Page{Title: s.Cat.T(Lang(r), "error.title"), Data: e})
}

// FormError re-renders a form page with the error of its submission.
func (s *Server) FormError(w http.ResponseWriter, r *http.Request, name string, pg Page, err error) {
	e := apperr.As(err)
	if e.Code == apperr.Internal || e.Code == apperr.NotFound || e.Code == apperr.Forbidden {
		s.Fail(w, r, err)
		return
	}
	pg.Error, pg.Form = e, r.PostForm
	s.Render(w, r, apperr.HTTPStatus(e.Code), name, pg)
}

// Redirect answers a successful form with a redirect that shows a flash message.
func Redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "flash=" + url.QueryEscape(flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// --- JSON ---

func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ErrorBody is the one error shape of the API.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

func (s *Server) APIError(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.As(err)
	if e.Code == apperr.Internal {
		s.Log.Error("internal error", "request_id", Info(r).id, "err", e.Err)
	}
	var body ErrorBody
	body.Error.Code, body.Error.Message, body.Error.Field = string(e.Code), e.Message(Lang(r)), e.Field
	if e.Code == apperr.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="estateclub"`)
	}
	WriteJSON(w, apperr.HTTPStatus(e.Code), body)
}

// maxJSONBody bounds a JSON request body.
const maxJSONBody = 1 << 20

// DecodeJSON reads a JSON body into v, refusing unknown fields and trailing data.
func DecodeJSON(r *http.Request, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return &apperr.Error{Code: apperr.UnsupportedMedia, ZH: "请求体须为 JSON（Content-Type: application/json）",
			EN: "the request body must be JSON (Content-Type: application/json)"}
	}
	limit := int64(maxJSONBody)
	if ri := Info(r); ri.maxBody > 0 {
		limit = ri.maxBody // a route that takes files in base64
	}
	r.Body = http.MaxBytesReader(nil, r.Body, limit)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
			if tooLarge := Info(r).tooLarge; tooLarge != nil {
				return tooLarge(err)
			}
			mb := strconv.FormatInt((limit+1<<20-1)>>20, 10)
			return &apperr.Error{Code: apperr.TooLarge, ZH: "请求体太大（上限 " + mb + " MB）", EN: "the request body is too large (at most " + mb + " MB)", Err: err}
		}
		return &apperr.Error{Code: apperr.Invalid, ZH: "请求体不是有效的 JSON：" + err.Error(), EN: "the request body is not valid JSON: " + err.Error(), Err: err}
	}
	// More() misses a stray "}" or "]" after the object; only the end of
	// the body may follow it.
	if _, err := dec.Token(); err != io.EOF {
		return &apperr.Error{Code: apperr.Invalid, ZH: "请求体只能包含一个 JSON 对象", EN: "the request body must hold exactly one JSON object"}
	}
	return nil
}

// DayRange reads two query values as China-time days, both included: from
// is the start of the first day, to the start of the day after the last.
// An empty value leaves its bound zero (open).
func DayRange(q url.Values, fromField, toField string) (from, to time.Time, err error) {
	for _, d := range []struct {
		field string
		dst   *time.Time
		next  bool
	}{{fromField, &from, false}, {toField, &to, true}} {
		v := q.Get(d.field)
		if v == "" {
			continue
		}
		t, perr := time.ParseInLocation("2006-01-02", v, ChinaTime)
		if perr != nil {
			return from, to, apperr.Field(d.field, "日期格式须为 YYYY-MM-DD", "dates must look like YYYY-MM-DD")
		}
		if d.next {
			t = t.AddDate(0, 0, 1)
		}
		*d.dst = t
	}
	return from, to, nil
}

// Paging reads ?page= and ?per_page= (default 50, at most 200).
type Paging struct{ Page, PerPage int }

func (p Paging) Offset() int { return (p.Page - 1) * p.PerPage }

func ReadPaging(r *http.Request) (Paging, error) {
	p := Paging{Page: 1, PerPage: 50}
	q := r.URL.Query()
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, apperr.Field("page", "page 须为正整数", "page must be a positive integer")
		}
		p.Page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return p, apperr.Field("per_page", "per_page 须为 1–200 的整数", "per_page must be an integer from 1 to 200")
		}
		p.PerPage = n
	}
	return p, nil
}

// List is the API's envelope for a page of items.
type List[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
	// TotalIsLowerBound: counting stopped early; at least Total match.
	TotalIsLowerBound bool `json:"total_is_lower_bound,omitempty"`
	Page              int  `json:"page"`
	PerPage           int  `json:"per_page"`
}

func NewList[T any](items []T, total int, p Paging) List[T] {
	if items == nil {
		items = []T{}
	}
	return List[T]{Items: items, Total: total, Page: p.Page, PerPage: p.PerPage}
}
