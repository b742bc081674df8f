package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"estateclub/internal/auth"
)

// specPublicOps are the System routes the API document describes; they
// need no credential.
var specPublicOps = []string{"GET /api/openapi.json", "GET /healthz", "GET /readyz"}

// mustSpec loads the embedded document; each call returns a fresh copy
// that the caller may change (its servers, for one).
func mustSpec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapiDoc)
	if err != nil {
		t.Fatalf("load openapi.json: %v", err)
	}
	return doc
}

func TestOpenAPIDocumentValid(t *testing.T) {
	doc := mustSpec(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not a valid OpenAPI document: %v", err)
	}
}

func TestOpenAPIServedAsEmbedded(t *testing.T) {
	e := newEnv(t)
	res := e.anon(t).get("/api/openapi.json")
	body := readBody(res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: status %d", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if body != string(openapiDoc) {
		t.Errorf("GET /api/openapi.json serves %d bytes that differ from the %d embedded ones", len(body), len(openapiDoc))
	}
}

// specPath turns a ServeMux path pattern into an OpenAPI path: the
// wildcards are the same, except "{name...}" and the end anchor "{$}".
func specPath(pattern string) string {
	p := strings.TrimSuffix(pattern, "{$}")
	return strings.ReplaceAll(p, "...}", "}")
}

// specOperations lists the document's operations as "METHOD /path".
func specOperations(doc *openapi3.T) map[string]*openapi3.Operation {
	ops := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

func TestOpenAPICoversRoutes(t *testing.T) {
	e := newEnv(t)
	doc := mustSpec(t)
	documented := specOperations(doc)

	want := map[string]bool{}
	registered := map[string]Surface{}
	for _, r := range e.srv.Routes() {
		key := r.Method + " " + specPath(r.Path)
		registered[key] = r.Surface
		if r.Surface == API || slices.Contains(specPublicOps, r.Pattern()) {
			want[key] = true
		}
	}
	var problems []string
	for key := range want {
		if documented[key] == nil {
			problems = append(problems, "not documented: "+key)
		}
	}
	for key := range documented {
		surface, ok := registered[key]
		switch {
		case !ok:
			problems = append(problems, "documented, but no registered route serves it: "+key)
		case !want[key]:
			problems = append(problems, fmt.Sprintf("documented, but it is a %s route, not part of the API: %s", surface, key))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		t.Errorf("openapi.json and the route table differ:\n  %s", strings.Join(problems, "\n  "))
	}
}

var specPathParam = regexp.MustCompile(`\{([^{}]+)\}`)

var specUnsafeMethods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func TestOpenAPIOperations(t *testing.T) {
	doc := mustSpec(t)
	if len(doc.Security) > 0 {
		t.Errorf("the document has top-level security; each operation must declare its own")
	}
	tags := []string{"me", "org", "staff", "audit", "system"}
	var problems []string
	bad := func(key, format string, args ...any) {
		problems = append(problems, key+": "+fmt.Sprintf(format, args...))
	}
	opIDs := map[string]string{}
	ops := specOperations(doc)
	keys := make([]string, 0, len(ops))
	for key := range ops {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		op := ops[key]
		method, path, _ := strings.Cut(key, " ")
		if op.OperationID == "" {
			bad(key, "no operationId")
		} else if other, dup := opIDs[op.OperationID]; dup {
			bad(key, "operationId %q is also used by %s", op.OperationID, other)
		}
		opIDs[op.OperationID] = key
		if op.Summary == "" {
			bad(key, "no summary")
		}
		if len(op.Tags) != 1 || !slices.Contains(tags, op.Tags[0]) {
			bad(key, "tags %v, want exactly one of %v", op.Tags, tags)
		}

		// Security: public system operations declare none; all others a
		// requirement naming only defined schemes.
		public := slices.Contains(specPublicOps, key)
		switch {
		case public && op.Security != nil && len(*op.Security) > 0:
			bad(key, "public operation declares security")
		case !public && (op.Security == nil || len(*op.Security) == 0):
			bad(key, "declares no security")
		case !public:
			for _, req := range *op.Security {
				for name := range req {
					if doc.Components.SecuritySchemes[name] == nil {
						bad(key, "security scheme %q is not defined", name)
					}
				}
			}
		}

		// Path parameters: each declared one is in the path, each {name}
		// of the path is declared.
		params := map[string]*openapi3.Parameter{}
		for _, ref := range append(slices.Clone(doc.Paths.Value(path).Parameters), op.Parameters...) {
			if p := ref.Value; p != nil {
				params[p.In+":"+p.Name] = p
			}
		}
		inPath := map[string]bool{}
		for _, m := range specPathParam.FindAllStringSubmatch(path, -1) {
			inPath[m[1]] = true
			if params["path:"+m[1]] == nil {
				bad(key, "path parameter {%s} is not declared", m[1])
			}
		}
		for _, p := range params {
			if p.In == openapi3.ParameterInPath && !inPath[p.Name] {
				bad(key, "declares path parameter %q that is not in the path", p.Name)
			}
		}

		// The API's common headers.
		if !public {
			if params["header:Accept-Language"] == nil {
				bad(key, "does not declare the Accept-Language header")
			}
			if slices.Contains(specUnsafeMethods, method) && params["header:X-CSRF-Token"] == nil {
				bad(key, "unsafe method does not declare the X-CSRF-Token header")
			}
			for _, status := range []string{"401", "500"} {
				if op.Responses.Value(status) == nil {
					bad(key, "does not document status %s", status)
				}
			}
		}
	}
	if len(problems) > 0 {
		t.Errorf("operations of openapi.json:\n  %s", strings.Join(problems, "\n  "))
	}
}

// specValidator checks requests and the server's answers against the document.
type specValidator struct {
	t      *testing.T
	router routers.Router
	seen   map[string]bool // operationIds exercised
}

func newSpecValidator(t *testing.T, e *testEnv) *specValidator {
	t.Helper()
	doc := mustSpec(t)
	doc.Servers = openapi3.Servers{{URL: e.ts.URL}}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &specValidator{t: t, router: router, seen: map[string]bool{}}
}

// specAuthenticate makes the document's security schemes check that a credential
// of their kind is present (not that it is good: that is the server's job).
func specAuthenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	switch in.SecuritySchemeName {
	case "bearerAuth":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ec_") {
			return errors.New("no bearer token starting with ec_")
		}
	case "sessionCookie":
		if _, err := r.Cookie(sessionCookie); err != nil {
			return errors.New("no ec_session cookie")
		}
	default:
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	return nil
}

// specCall is one request of a live check.
type specCall struct {
	method, path string
	body         any // JSON body; nil: none
	lang         string
	want         int // expected status
	// badRequest marks a request the document itself rejects (the 400 and
	// 401 cases): request validation must fail on it.
	badRequest bool
}

// check sends c as cl, checks the status, validates the request and the
// answer against the document, and returns the answer's body.
func (v *specValidator) check(cl *client, c specCall) []byte {
	v.t.Helper()
	name := c.method + " " + c.path
	cl.lang = c.lang
	res := cl.json(c.method, c.path, c.body, nil)
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		v.t.Fatalf("%s: read body: %v", name, err)
	}
	if res.StatusCode != c.want {
		v.t.Fatalf("%s: status %d, want %d: %s", name, res.StatusCode, c.want, raw)
	}

	// Rebuild the request as sent (with the cookies the jar added).
	req := res.Request.Clone(context.Background())
	if res.Request.GetBody != nil {
		if req.Body, err = res.Request.GetBody(); err != nil {
			v.t.Fatal(err)
		}
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		v.t.Errorf("%s: the document has no operation for it: %v", name, err)
		return raw
	}
	v.seen[route.Operation.OperationID] = true
	opts := &openapi3filter.Options{AuthenticationFunc: specAuthenticate, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	switch {
	case reqErr != nil && !c.badRequest:
		v.t.Errorf("%s: the request does not match the document: %v", name, reqErr)
	case reqErr == nil && c.badRequest:
		v.t.Errorf("%s: the document accepts a request the server refuses with %d", name, res.StatusCode)
	case reqErr != nil:
		first, _, _ := strings.Cut(reqErr.Error(), "\n")
		v.t.Logf("%s: refused by the document as by the server: %s", name, first)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode,
		Header: res.Header, Options: opts}
	out.SetBodyBytes(raw)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		v.t.Errorf("%s: the answer (%d) does not match the document: %v\nbody: %s", name, res.StatusCode, err, raw)
	}
	return raw
}

func TestOpenAPIResponses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		v := newSpecValidator(t, e)
		e.mustStaff(t, "admin", auth.Admin, "GROUP")
		e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
		e.mustStaff(t, "sales", auth.SalesConsultant, "SH-PD")
		admin, boss, sales, anon := e.mustToken(t, "admin"), e.mustToken(t, "boss"), e.mustToken(t, "sales"), e.anon(t)

		// System.
		v.check(anon, specCall{method: "GET", path: "/healthz", want: 200})
		v.check(anon, specCall{method: "GET", path: "/readyz", want: 200})
		v.check(anon, specCall{method: "GET", path: "/api/openapi.json", want: 200})

		// Me, dashboard, roles.
		v.check(admin, specCall{method: "GET", path: "/api/v1/me", want: 200})
		v.check(boss, specCall{method: "GET", path: "/api/v1/dashboard", want: 200})
		v.check(sales, specCall{method: "GET", path: "/api/v1/dashboard", want: 200})
		v.check(sales, specCall{method: "GET", path: "/api/v1/roles", lang: "en", want: 200})

		// Org.
		v.check(admin, specCall{method: "GET", path: "/api/v1/org/nodes?kind=city&q=%E5%9F%8E%E5%B8%82&page=1&per_page=1", want: 200})
		v.check(admin, specCall{method: "GET", path: "/api/v1/org/nodes/GROUP", want: 200})
		v.check(admin, specCall{method: "POST", path: "/api/v1/org/nodes", want: 201,
			body: map[string]any{"parent": "SH", "kind": "project", "code": "SH-JA", "name": "静安·壹号院"}})
		v.check(admin, specCall{method: "PATCH", path: "/api/v1/org/nodes/SH-JA", want: 200,
			body: map[string]any{"name": "静安·壹号院二期"}})

		// Staff.
		raw := v.check(admin, specCall{method: "POST", path: "/api/v1/staff", want: 201, body: map[string]any{
			"login": "li.na", "name": "李娜", "email": "li.na@example.com", "org": "SH",
			"roles": []map[string]any{{"role": "city_specialist", "org": "SH"}}}})
		var created struct {
			ID       int64  `json:"id"`
			Password string `json:"password"`
		}
		mustSpecDecode(t, raw, &created)
		staffPath := "/api/v1/staff/" + strconv.FormatInt(created.ID, 10)
		v.check(admin, specCall{method: "GET", path: "/api/v1/staff?q=li&role=city_specialist&active=true", want: 200})
		v.check(admin, specCall{method: "GET", path: staffPath, want: 200})
		v.check(admin, specCall{method: "PATCH", path: staffPath, want: 200,
			body: map[string]any{"locale": "en", "email": "", "active": true}})
		raw = v.check(admin, specCall{method: "POST", path: staffPath + "/roles", want: 201,
			body: map[string]any{"role": "sales_manager", "org": "SH-PD"}})
		var granted auth.Staff
		mustSpecDecode(t, raw, &granted)
		var grantID int64
		for _, g := range granted.Grants {
			if g.Role == auth.SalesManager {
				grantID = g.ID
			}
		}
		v.check(admin, specCall{method: "DELETE", path: staffPath + "/roles/" + strconv.FormatInt(grantID, 10), want: 200})

		// Own password, on the new account's token.
		lina := e.mustToken(t, "li.na")
		v.check(lina, specCall{method: "POST", path: "/api/v1/me/password", want: 204,
			body: map[string]any{"current_password": created.Password, "new_password": "n3w-passw0rd"}})

		// Audit: today in China time, staff actions by prefix.
		today := time.Now().In(chinaTime).Format("2006-01-02")
		v.check(boss, specCall{method: "GET", path: "/api/v1/audit?action=staff.&from=" + today + "&to=" + today, want: 200})
		v.check(boss, specCall{method: "GET", path: "/api/v1/audit?actor=admin&object_type=org_node&object_id=SH-JA&per_page=200", want: 200})

		// Tokens: create, list (with expiry, last use and revocation), revoke.
		raw = v.check(admin, specCall{method: "POST", path: "/api/v1/me/tokens", want: 201, body: map[string]any{"name": "ci", "ttl_days": 30}})
		var tok struct {
			Info auth.Token `json:"info"`
		}
		mustSpecDecode(t, raw, &tok)
		v.check(admin, specCall{method: "DELETE", path: "/api/v1/me/tokens/" + strconv.FormatInt(tok.Info.ID, 10), want: 204})
		v.check(admin, specCall{method: "GET", path: "/api/v1/me/tokens", want: 200})

		// A cookie session: unsafe methods need X-CSRF-Token.
		sess := e.mustLogin(t, "boss")
		v.check(sess, specCall{method: "GET", path: "/api/v1/me", want: 200})
		v.check(sess, specCall{method: "POST", path: "/api/v1/me/tokens", body: map[string]any{}, want: 201})
		noCSRF := *sess
		noCSRF.csrf = ""
		v.check(&noCSRF, specCall{method: "POST", path: "/api/v1/me/tokens", body: map[string]any{}, want: 403})

		// A browser's cross-site write is refused before the API, in plain text.
		cross := *admin
		cross.http = &http.Client{Transport: crossSite{http.DefaultTransport}}
		v.check(&cross, specCall{method: "POST", path: "/api/v1/me/tokens", body: map[string]any{}, want: 403})

		// Errors.
		v.check(admin, specCall{method: "GET", path: "/api/v1/org/nodes?per_page=500", want: 400, badRequest: true})
		v.check(admin, specCall{method: "POST", path: "/api/v1/org/nodes", want: 400, badRequest: true, lang: "en",
			body: map[string]any{"parent": "SH", "kind": "project", "code": "SH-X", "name": "x", "colour": "red"}})
		v.check(boss, specCall{method: "GET", path: "/api/v1/audit?from=2024-13-01", want: 400, badRequest: true})
		v.check(boss, specCall{method: "GET", path: "/api/v1/staff?active=yes", want: 400, badRequest: true})
		// The document cannot say that "to" must not be before "from".
		v.check(boss, specCall{method: "GET", path: "/api/v1/audit?from=2024-03-02&to=2024-03-01", want: 400})
		v.check(admin, specCall{method: "POST", path: "/api/v1/org/nodes", want: 409,
			body: map[string]any{"parent": "SH", "kind": "project", "code": "SH-JA", "name": "重复"}})
		v.check(anon, specCall{method: "GET", path: "/api/v1/me", want: 401, badRequest: true})
		v.check(sales, specCall{method: "GET", path: "/api/v1/staff", want: 403})
		v.check(admin, specCall{method: "GET", path: "/api/v1/org/nodes/NOPE", lang: "en", want: 404})
		v.check(sales, specCall{method: "GET", path: "/api/v1/org/nodes/HZ", want: 404})

		var missed []string
		for key, op := range specOperations(mustSpec(t)) {
			if !v.seen[op.OperationID] {
				missed = append(missed, key)
			}
		}
		sort.Strings(missed)
		if len(missed) > 0 {
			t.Logf("operations not exercised against the server: %v", missed)
		}
	})
}

// crossSite sends each request as a browser does a cross-site one.
type crossSite struct{ rt http.RoundTripper }

func (c crossSite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	return c.rt.RoundTrip(r)
}

func mustSpecDecode(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}
