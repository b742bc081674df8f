package web

import (
	"net/http"
	"strings"

	"estateclub/internal/auth"
)

// Surface tells how a route authenticates and answers errors.
type Surface string

// The surfaces of the server.
const (
	Console Surface = "console" // HTML, cookie session, CSRF token in forms
	API     Surface = "api"     // JSON, bearer token (or session cookie + X-CSRF-Token)
	System  Surface = "system"  // health, metrics, static files, OpenAPI document
	Portal  Surface = "portal"  // the member portal: HTML, member session cookie
	Counter Surface = "counter" // the merchant counter: HTML, a merchant's staff session, as the console
)

// Route is one registered URL: the permission that guards it is declared
// with it, in its surface's route table.
type Route struct {
	Method  string
	Path    string
	Perm    auth.Permission
	Surface Surface
	// MaxBody bounds the body of a route that takes files, before
	// anything reads it (0: the surface's bound for forms and JSON).
	MaxBody int64 `json:"-"`
	// TooLarge is the refusal of a body over MaxBody, naming the field of
	// the files and their limits.
	TooLarge func(error) error `json:"-"`
	Handler  http.HandlerFunc  `json:"-"`
}

// Pattern is the ServeMux pattern.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Table collects a surface's routes in the order they are declared.
type Table struct {
	surface Surface
	routes  []Route
}

// NewTable starts the route table of a surface.
func NewTable(surface Surface) *Table { return &Table{surface: surface} }

// Add declares a route: pattern ("GET /path"), the permission that guards
// it and its handler.
func (t *Table) Add(pattern string, perm auth.Permission, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	t.routes = append(t.routes, Route{Method: method, Path: path, Perm: perm, Surface: t.surface, Handler: h})
}

// AddUpload declares a route that takes files: its body (a multipart form,
// or JSON with the files in base64) may hold up to maxBody bytes, and no
// more is read.
func (t *Table) AddUpload(pattern string, perm auth.Permission, maxBody int64, h http.HandlerFunc) {
	t.AddFile(pattern, perm, maxBody, filesTooLarge, h)
}

// AddFile declares a route that takes a file of its own kind (a receipt …):
// as AddUpload, but a body over maxBody is refused by tooLarge, which names
// the file's field and its limit.
func (t *Table) AddFile(pattern string, perm auth.Permission, maxBody int64, tooLarge func(error) error, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	t.routes = append(t.routes, Route{Method: method, Path: path, Perm: perm, Surface: t.surface, MaxBody: maxBody, TooLarge: tooLarge, Handler: h})
}

// Routes is the table's routes.
func (t *Table) Routes() []Route { return t.routes }

// Mount registers routes behind authentication and the permission check of
// their surface. A pattern registered twice panics, as ServeMux does.
func (s *Server) Mount(routes []Route) {
	for _, rt := range routes {
		s.routes = append(s.routes, rt)
		limit := int64(maxBody)
		if rt.MaxBody > 0 {
			limit = min(rt.MaxBody, maxBody)
		}
		if rt.Surface == Portal {
			s.Mux.Handle(rt.Pattern(), bodyLimit(limit, s.portalGuard(rt.Perm, rt.MaxBody, rt.TooLarge, rt.Handler)))
			continue
		}
		s.Mux.Handle(rt.Pattern(), bodyLimit(limit, s.guard(rt.Surface, rt.Perm, rt.MaxBody, rt.TooLarge, rt.Handler)))
	}
}

// systemRoutes are the core's own: health, metrics, static files, the
// OpenAPI document, and a JSON 404 for unknown API paths.
func (s *Server) systemRoutes() []Route {
	t := NewTable(System)
	t.Add("GET /healthz", auth.Public, s.healthz)
	t.Add("GET /readyz", auth.Public, s.readyz)
	t.Add("GET /metrics", auth.Public, s.metricsHandler)
	t.Add("GET /static/{file...}", auth.Public, s.static)
	t.Add("GET /api/openapi.json", auth.Public, s.openapi)
	return t.Routes()
}

// bodyLimit bounds every request body to limit before anything reads it
// (the CSRF check parses a form): a larger body fails as it is read.
func bodyLimit(limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		h.ServeHTTP(w, r)
	})
}
