package site

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	"github.com/xuri/excelize/v2"

	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

// specPublicOps are the System routes the API document describes; they
// need no credential.
var specPublicOps = []string{"GET /api/openapi.json", "GET /healthz", "GET /readyz"}

// mustSpec loads the embedded document; each call returns a fresh copy
// that the caller may change (its servers, for one).
func mustSpec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(web.OpenapiDoc)
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
	if body != string(web.OpenapiDoc) {
		t.Errorf("GET /api/openapi.json serves %d bytes that differ from the %d embedded ones", len(body), len(web.OpenapiDoc))
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
	registered := map[string]web.Surface{}
	for _, r := range e.srv.Routes() {
		key := r.Method + " " + specPath(r.Path)
		registered[key] = r.Surface
		if r.Surface == web.API || slices.Contains(specPublicOps, r.Pattern()) {
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
	tags := []string{"me", "org", "staff", "audit", "members", "tiers", "cards", "points", "system", "leads"}
	tags = append(tags, "redeem")
	tags = append(tags, "calendar")
	tags = append(tags, "requests")
	tags = append(tags, "surveys")
	tags = append(tags, "events")
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
		if _, err := r.Cookie(web.SessionCookie); err != nil {
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
	// upload, if set, is sent as the file of a multipart form with form.
	upload []byte
	form   map[string]string
	// file and fileName name the upload's form field and file ("file",
	// "members.xlsx" when empty).
	file, fileName string
	header         map[string]string // extra request headers
}

// check sends c as cl, checks the status, validates the request and the
// answer against the document, and returns the answer's body.
func (v *specValidator) check(cl *client, c specCall) []byte {
	v.t.Helper()
	name := c.method + " " + c.path
	cl.lang, cl.header = c.lang, c.header
	var res *http.Response
	if c.upload != nil {
		res = cl.uploadAs(c.path, c.form, cmp.Or(c.file, "file"), cmp.Or(c.fileName, "members.xlsx"), c.upload)
	} else {
		res = cl.json(c.method, c.path, c.body, nil)
	}
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
		today := time.Now().In(web.ChinaTime).Format("2006-01-02")
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

		specMembers(t, e, v, boss)
		specCards(t, e, v, boss)
		specTransfer(t, e, v, boss)
		specPoints(t, e, v, boss)
		specPointPlans(t, e, v, boss)
		specRedeem(t, e, v, boss)
		specLeads(t, e, v)
		specCalendar(t, e, v)
		specRequestReport(t, e, v, boss)
		specRequests(t, e, v)
		specRequestKinds(t, e, v)
		specSurveys(t, e, v)
		specEvents(t, e, v)

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
			t.Errorf("operations never called against the server (add them to the test): %v", missed)
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

// specMembers calls every member and tier operation: a city specialist at
// SH enters and corrects members and asks for a tier change; boss, the
// group supervisor, reviews, reveals and decides (the requester of a tier
// change cannot approve it).
func specMembers(t *testing.T, e *testEnv, v *specValidator, boss *client) {
	t.Helper()
	e.mustStaff(t, "wang", auth.CitySpecialist, "SH")
	e.mustStaff(t, "qian", auth.Auditor, "SH")
	spec, auditor := e.mustToken(t, "wang"), e.mustToken(t, "qian")
	type submitted struct {
		Outcome string `json:"outcome"`
		Member  struct {
			ID       int64  `json:"id"`
			MemberNo string `json:"member_no"`
			Status   string `json:"status"`
			Tier     string `json:"tier"`
			Mobile   string `json:"mobile"`
		} `json:"member"`
	}

	// An application (入会申请) with every field, then the same mobile again.
	raw := v.check(spec, specCall{method: "POST", path: "/api/v1/members", want: 201, body: map[string]any{
		"org": "SH-PD", "channel": "sales_site", "name": "张三", "gender": "男", "mobile": "13812345678",
		"id_number": "310115198503021233", "birthday": "1985-03-02", "address": "上海市浦东新区滨江大道 1 号",
		"email": "zhang.san@example.com", "wechat": "zhangsan_wx", "occupation": "工程师",
		"family":     []map[string]any{{"relation": "配偶", "name": "李四", "birthday": "1987-06-01"}},
		"tags":       []string{"高尔夫", "亲子、旅游"},
		"consent":    map[string]any{"sms": true, "email": true, "post": false},
		"properties": []map[string]any{{"project": "SH-PD", "building": "3", "unit": "1201", "contract_date": "2024-03-01"}},
	}})
	var created submitted
	mustSpecDecode(t, raw, &created)
	if created.Outcome != "created" || created.Member.Status != "pending" || created.Member.Mobile != "138****5678" {
		t.Errorf("application: %s", raw)
	}
	memberPath := "/api/v1/members/" + strconv.FormatInt(created.Member.ID, 10)
	raw = v.check(spec, specCall{method: "POST", path: "/api/v1/members", want: 200, body: map[string]any{
		"org": "SH-PD", "name": "张三", "mobile": "+86 138-1234-5678", "occupation": "高级工程师"}})
	var merged submitted
	mustSpecDecode(t, raw, &merged)
	if merged.Outcome != "merged" || merged.Member.ID != created.Member.ID {
		t.Errorf("second application of the same mobile: %s", raw)
	}

	// A default member (默认会员): a mobile number and nothing else, twice.
	v.check(spec, specCall{method: "POST", path: "/api/v1/members/enrol", want: 201,
		body: map[string]any{"org": "SH", "mobile": "13900001111", "channel": "service_center"}})
	v.check(spec, specCall{method: "POST", path: "/api/v1/members/enrol", want: 200,
		body: map[string]any{"org": "SH", "mobile": "13900001111", "name": "王五"}})

	// Read, correct, reveal, review, history.
	v.check(spec, specCall{method: "GET", path: memberPath, want: 200})
	v.check(spec, specCall{method: "PATCH", path: memberPath, want: 200, body: map[string]any{
		"email": "zs@example.com", "tags": []string{"高尔夫", "红酒"}, "family": []map[string]any{},
		"consent": map[string]any{"sms": true, "email": false, "post": true, "how": "电话确认"}}})
	v.check(boss, specCall{method: "POST", path: memberPath + "/reveal", want: 200, body: map[string]any{"reason": "核对会员身份"}})
	v.check(boss, specCall{method: "POST", path: memberPath + "/reveal", want: 200})
	raw = v.check(boss, specCall{method: "POST", path: memberPath + "/review", want: 200, body: map[string]any{"approve": true}})
	var approved struct {
		MemberNo string `json:"member_no"`
		Status   string `json:"status"`
	}
	mustSpecDecode(t, raw, &approved)
	if approved.Status != "active" || approved.MemberNo == "" {
		t.Errorf("approved member: %s", raw)
	}
	v.check(spec, specCall{method: "GET", path: memberPath + "/history", want: 200})
	v.check(spec, specCall{method: "POST", path: memberPath + "/properties", want: 201, body: map[string]any{
		"project": "SH-PD", "building": "5", "unit": "802", "contract_date": "2024-05-01", "payment_date": "2024/5/20"}})

	// The list with every filter, and with none.
	today := time.Now().In(web.ChinaTime).Format("2006-01-02")
	raw = v.check(auditor, specCall{method: "GET", want: 200, path: "/api/v1/members?q=zhangsan&status=active&tier=regular" +
		"&channel=sales_site&org=SH&tag=%E9%AB%98%E5%B0%94%E5%A4%AB&joined_from=" + today + "&joined_to=" + today +
		"&sort=name&page=1&per_page=10"})
	var found struct {
		Total int `json:"total"`
	}
	mustSpecDecode(t, raw, &found)
	if found.Total != 1 {
		t.Errorf("the filtered list finds %d members, want 1: %s", found.Total, raw)
	}
	v.check(boss, specCall{method: "GET", path: "/api/v1/members?sort=joined", want: 200})

	// Tiers (会员等级) and a tier change: asked by the specialist, decided by boss.
	v.check(spec, specCall{method: "GET", path: "/api/v1/tiers", want: 200})
	v.check(boss, specCall{method: "PATCH", path: "/api/v1/tiers/silver", want: 200,
		body: map[string]any{"threshold": 1200, "benefits": "联盟商家 95 折；生日礼品"}})
	raw = v.check(spec, specCall{method: "POST", path: memberPath + "/tier-changes", want: 201,
		body: map[string]any{"tier": "platinum", "reason": "三次购房，申请白金籍"}})
	var change struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &change)
	changePath := "/api/v1/tier-changes/" + strconv.FormatInt(change.ID, 10)
	v.check(boss, specCall{method: "GET", path: "/api/v1/tier-changes", want: 200})
	v.check(boss, specCall{method: "POST", path: changePath + "/decision", want: 200, body: map[string]any{"approve": true, "note": "同意"}})
	v.check(spec, specCall{method: "GET", path: memberPath, want: 200})
	v.check(boss, specCall{method: "GET", path: "/api/v1/dashboard", want: 200})

	// Errors.
	raw = v.check(spec, specCall{method: "POST", path: "/api/v1/members", want: 400, lang: "en",
		body: map[string]any{"org": "SH", "name": "赵六", "mobile": "12345"}})
	var bad web.ErrorBody
	mustSpecDecode(t, raw, &bad)
	if bad.Error.Field != "mobile" {
		t.Errorf("a bad mobile number: %s, want field mobile", raw)
	}
	raw = v.check(spec, specCall{method: "POST", path: "/api/v1/members/enrol", want: 400,
		body: map[string]any{"org": "SH", "mobile": "13900002222", "recruiter_id": 999999}})
	if mustSpecDecode(t, raw, &bad); bad.Error.Field != "recruiter_id" {
		t.Errorf("an unknown recruiter: %s, want field recruiter_id", raw)
	}
	v.check(spec, specCall{method: "POST", path: "/api/v1/members/enrol", want: 400, badRequest: true,
		body: map[string]any{"org": "SH", "mobile": "13900002222", "vip": true}})
	v.check(spec, specCall{method: "POST", path: "/api/v1/members/enrol", want: 409,
		body: map[string]any{"org": "SH", "mobile": "13900003333", "id_number": "310115198503021233"}})
	v.check(spec, specCall{method: "GET", path: "/api/v1/members?status=vip", want: 400, badRequest: true})
	v.check(spec, specCall{method: "GET", path: "/api/v1/members?q=12345", want: 400})
	v.check(spec, specCall{method: "GET", path: "/api/v1/members/999999", lang: "en", want: 404})
	v.check(spec, specCall{method: "POST", path: memberPath + "/reveal", want: 403})
	v.check(boss, specCall{method: "POST", path: memberPath + "/review", want: 409, body: map[string]any{"approve": true}})
	v.check(spec, specCall{method: "POST", path: memberPath + "/tier-changes", want: 400, badRequest: true,
		body: map[string]any{"tier": "gold"}})
	v.check(boss, specCall{method: "POST", path: changePath + "/decision", want: 409, body: map[string]any{"approve": false}})
	v.check(boss, specCall{method: "PATCH", path: "/api/v1/tiers/gold", want: 400, body: map[string]any{"threshold": 1}})
	v.check(spec, specCall{method: "PATCH", path: "/api/v1/tiers/gold", want: 403, body: map[string]any{"benefits": "x"}})
	v.check(spec, specCall{method: "GET", path: "/api/v1/tier-changes", want: 403})
}

// specCards calls every card operation: boss, the group supervisor, adds
// designs; a city specialist at SH stocks, issues, delivers, reports lost
// and reissues; a merchant verifies QR codes.
func specCards(t *testing.T, e *testEnv, v *specValidator, boss *client) {
	t.Helper()
	e.mustStaff(t, "card.spec", auth.CitySpecialist, "SH")
	e.mustStaff(t, "card.shop", auth.MerchantStaff, "SH")
	spec, shop := e.mustToken(t, "card.spec"), e.mustToken(t, "card.shop")

	raw := v.check(boss, specCall{method: "POST", path: "/api/v1/card-designs", want: 201,
		body: map[string]any{"name": "普卡", "tier": "", "description": "红色卡面，适用所有等级"}})
	var design struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &design)
	v.check(boss, specCall{method: "POST", path: "/api/v1/card-designs", want: 201, body: map[string]any{"name": "金卡", "tier": "gold"}})
	v.check(spec, specCall{method: "GET", path: "/api/v1/card-designs?active=true&tier=regular", want: 200})
	v.check(spec, specCall{method: "POST", path: "/api/v1/card-batches", want: 201, body: map[string]any{
		"design_id": design.ID, "city": "SH", "quantity": 20, "ordered_on": "2026-01-05", "produced_on": "2026-01-20",
		"received_on": nil, "cost_fen": 7000, "note": "首批"}})
	v.check(spec, specCall{method: "GET", path: "/api/v1/card-batches?city=SH&design_id=" + strconv.FormatInt(design.ID, 10) + "&page=1&per_page=10", want: 200})
	v.check(spec, specCall{method: "GET", path: "/api/v1/cards/stock?city=SH", want: 200})

	m := mustActiveMember(t, e, "SH-PD")
	cardsPath := "/api/v1/members/" + strconv.FormatInt(m.ID, 10) + "/cards"
	raw = v.check(spec, specCall{method: "POST", path: cardsPath, want: 201, body: map[string]any{"delivery": "post", "tracking": "SF1234567890"}})
	var issued struct {
		Number string `json:"number"`
	}
	mustSpecDecode(t, raw, &issued)
	cardPath := "/api/v1/cards/" + issued.Number
	v.check(spec, specCall{method: "GET", path: cardsPath, want: 200})
	v.check(spec, specCall{method: "GET", path: cardPath, want: 200})
	v.check(spec, specCall{method: "POST", path: cardPath + "/delivery", want: 200, body: map[string]any{"delivery_status": "delivered"}})

	c, err := e.srv.Cards.Lookup(context.Background(), issued.Number)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := e.srv.Cards.QRFor(c)
	if err != nil {
		t.Fatal(err)
	}
	v.check(shop, specCall{method: "POST", path: "/api/v1/cards/verify-qr", want: 200, body: map[string]any{"payload": payload}})
	v.check(spec, specCall{method: "POST", path: cardPath + "/lost", want: 200, body: map[string]any{"reason": "遗失"}})
	v.check(shop, specCall{method: "POST", path: "/api/v1/cards/verify-qr", lang: "en", want: 200, body: map[string]any{"payload": payload}})
	v.check(spec, specCall{method: "POST", path: cardPath + "/reissue", want: 201,
		body: map[string]any{"reason": "遗失", "fee_fen": 2000, "delivery": "on_site"}})

	// Errors.
	v.check(spec, specCall{method: "POST", path: "/api/v1/card-designs", want: 404, body: map[string]any{"name": "城市卡"}})
	v.check(boss, specCall{method: "POST", path: "/api/v1/card-designs", want: 409, body: map[string]any{"name": "普卡"}})
	v.check(spec, specCall{method: "POST", path: "/api/v1/card-batches", want: 400, badRequest: true,
		body: map[string]any{"design_id": design.ID, "city": "SH"}})
	v.check(spec, specCall{method: "POST", path: "/api/v1/card-batches", want: 400,
		body: map[string]any{"design_id": design.ID, "city": "HZ", "quantity": 5}})
	v.check(spec, specCall{method: "GET", path: "/api/v1/cards/HC0000000010", lang: "en", want: 400})
	v.check(spec, specCall{method: "GET", path: "/api/v1/cards/" + card.Number("HC", 99999), want: 404})
	v.check(spec, specCall{method: "POST", path: cardsPath, want: 409, body: map[string]any{"delivery": "on_site"}})
	v.check(spec, specCall{method: "POST", path: cardsPath, want: 400, badRequest: true, body: map[string]any{"delivery": "drone"}})
	v.check(spec, specCall{method: "POST", path: cardPath + "/lost", want: 409, body: map[string]any{"reason": "遗失"}})
	v.check(spec, specCall{method: "POST", path: cardPath + "/reissue", want: 409, body: map[string]any{"reason": "遗失", "delivery": "hand"}})
	v.check(spec, specCall{method: "POST", path: cardPath + "/delivery", want: 409, body: map[string]any{"delivery_status": "sent"}})
	v.check(shop, specCall{method: "POST", path: "/api/v1/cards/verify-qr", want: 400, body: map[string]any{"payload": payload + "x"}})
	v.check(spec, specCall{method: "POST", path: "/api/v1/cards/verify-qr", want: 403, body: map[string]any{"payload": payload}})
	v.check(shop, specCall{method: "GET", path: "/api/v1/cards/stock", want: 403})
}

// specTransfer calls the import and export operations: an upload becomes a
// job, the job runs, its error report downloads; exports are masked or, for
// those who may reveal, in clear.
func specTransfer(t *testing.T, e *testEnv, v *specValidator, boss *client) {
	t.Helper()
	e.mustStaff(t, "zhao", auth.CitySpecialist, "SH")
	spec := e.mustToken(t, "zhao")
	raw := v.check(spec, specCall{method: "POST", path: "/api/v1/members/import", want: 202,
		upload: mustSheet(t), form: map[string]string{"org": "SH-PD"}})
	var j struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	mustSpecDecode(t, raw, &j)
	jobPath := fmt.Sprintf("/api/v1/jobs/%d", j.ID)
	v.check(spec, specCall{method: "GET", path: jobPath, want: 200})
	v.check(spec, specCall{method: "GET", path: jobPath + "/output", want: 409})
	r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "spec", Handlers: e.srv.JobHandlers(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if ran, err := r.RunOne(context.Background(), []string{web.ImportJob}); !ran || err != nil {
		t.Fatalf("run the import: %v %v", ran, err)
	}
	raw = v.check(spec, specCall{method: "GET", path: jobPath, want: 200})
	if !strings.Contains(string(raw), `"failed":1`) {
		t.Fatalf("finished job: %s", raw)
	}
	v.check(spec, specCall{method: "GET", path: jobPath + "/output", want: 200})
	// The document cannot say that the file must be a readable sheet.
	v.check(spec, specCall{method: "POST", path: "/api/v1/members/import", want: 400, form: map[string]string{"org": "SH-PD"}, upload: []byte("not a sheet")})
	v.check(spec, specCall{method: "GET", path: "/api/v1/jobs/999999", want: 404})
	specImportConflicts(t, e, v, boss, spec)
	v.check(boss, specCall{method: "GET", path: "/api/v1/members/export?q=zs", want: 200})
	v.check(boss, specCall{method: "GET", path: "/api/v1/members/export?reveal=1&status=pending", want: 200})
	v.check(spec, specCall{method: "GET", path: "/api/v1/members/export", want: 403})
	v.check(boss, specCall{method: "PUT", path: "/api/v1/tiers/period", body: map[string]any{"evaluation_months": 24}, want: 200})
	v.check(boss, specCall{method: "PUT", path: "/api/v1/tiers/period", body: map[string]any{"evaluation_months": 0}, want: 400, badRequest: true})
	v.check(spec, specCall{method: "PUT", path: "/api/v1/tiers/period", body: map[string]any{"evaluation_months": 6}, want: 403})
}

// specImportConflicts imports a row that renames a member, lists the
// conflict it leaves and applies it.
func specImportConflicts(t *testing.T, e *testEnv, v *specValidator, boss, spec *client) {
	t.Helper()
	m := mustFixtureMember(t, e, "SH-PD")
	got, err := e.srv.Members.Get(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	mobile, err := e.srv.Members.Reveal(context.Background(), m.ID, "spec")
	if err != nil {
		t.Fatal(err)
	}
	x := excelize.NewFile()
	for i, row := range [][]any{{"姓名", "手机号码"}, {got.Name + "改", mobile.Mobile}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var sheet bytes.Buffer
	if err := x.Write(&sheet); err != nil {
		t.Fatal(err)
	}
	raw := v.check(spec, specCall{method: "POST", path: "/api/v1/members/import", want: 202,
		upload: sheet.Bytes(), form: map[string]string{"org": "SH-PD"}})
	var j struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &j)
	r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "spec", Handlers: e.srv.JobHandlers(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if ran, err := r.RunOne(context.Background(), []string{web.ImportJob}); !ran || err != nil {
		t.Fatalf("run the import: %v %v", ran, err)
	}
	if raw := v.check(spec, specCall{method: "GET", path: fmt.Sprintf("/api/v1/jobs/%d", j.ID), want: 200}); !strings.Contains(string(raw), `"conflicts":1`) {
		t.Fatalf("job with a conflict: %s", raw)
	}
	raw = v.check(boss, specCall{method: "GET", path: fmt.Sprintf("/api/v1/members/import/conflicts?job=%d&per_page=10", j.ID), want: 200})
	var list struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	mustSpecDecode(t, raw, &list)
	if len(list.Items) != 1 {
		t.Fatalf("conflicts: %s", raw)
	}
	v.check(boss, specCall{method: "GET", path: "/api/v1/members/import/conflicts?status=maybe", want: 400, badRequest: true})
	v.check(spec, specCall{method: "GET", path: "/api/v1/members/import/conflicts", want: 403})
	v.check(boss, specCall{method: "POST", path: "/api/v1/members/import/conflicts/decision", want: 200,
		body: map[string]any{"ids": []int64{list.Items[0].ID, 999999}, "decision": "apply"}})
	v.check(boss, specCall{method: "GET", path: "/api/v1/members/import/conflicts?status=applied", want: 200})
	v.check(boss, specCall{method: "POST", path: "/api/v1/members/import/conflicts/decision", want: 400, badRequest: true,
		body: map[string]any{"ids": []int64{}, "decision": "apply"}})
}

// specPoints reads a member's balances and statement after two postings.
func specPoints(t *testing.T, e *testEnv, v *specValidator, boss *client) {
	t.Helper()
	m := mustFixtureMember(t, e, "SH-PD")
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
	for i, kind := range []points.Kind{points.Upgrade, points.Reward} {
		if _, err := e.srv.Points.Post(ctx, points.Entry{MemberID: m.ID, Kind: kind, Amount: 100, Source: points.FromAdjustment,
			Reason: "测试", IdempotencyKey: fmt.Sprintf("spec-%d-%d", m.ID, i)}); err != nil {
			t.Fatal(err)
		}
	}
	base := fmt.Sprintf("/api/v1/members/%d/points", m.ID)
	raw := v.check(boss, specCall{method: "GET", path: base, want: 200})
	if !strings.Contains(string(raw), `"balance":100`) {
		t.Fatalf("balances: %s", raw)
	}
	v.check(boss, specCall{method: "GET", path: base + "/statement?kind=reward&per_page=10", want: 200})
	v.check(boss, specCall{method: "GET", path: base + "/statement?kind=gold", want: 400, badRequest: true})
	e.mustStaff(t, "pts-sales", auth.SalesConsultant, "SH")
	v.check(e.mustToken(t, "pts-sales"), specCall{method: "GET", path: base, want: 403})
	v.check(boss, specCall{method: "GET", path: "/api/v1/members/999999/points/statement", want: 404})

	// Adjustments: a specialist proposes, the supervisor decides.
	if _, err := e.srv.Members.Review(ctx, m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	e.mustStaff(t, "pts-spec", auth.CitySpecialist, "SH")
	spec := e.mustToken(t, "pts-spec")
	raw = v.check(spec, specCall{method: "POST", path: fmt.Sprintf("/api/v1/members/%d/adjustments", m.ID), want: 201,
		body: map[string]any{"kind": "reward", "amount": -30, "reason": "重复发放"}})
	var adj struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &adj)
	v.check(spec, specCall{method: "POST", path: fmt.Sprintf("/api/v1/members/%d/adjustments", m.ID), want: 400, badRequest: true,
		body: map[string]any{"kind": "gold", "amount": 1, "reason": "x"}})
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/adjustments?status=pending", want: 200})
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/adjustments?status=lost", want: 400, badRequest: true})
	v.check(spec, specCall{method: "GET", path: "/api/v1/points/adjustments", want: 403})
	decide := fmt.Sprintf("/api/v1/points/adjustments/%d/decision", adj.ID)
	v.check(boss, specCall{method: "POST", path: decide, body: map[string]any{"approve": false}, want: 400})
	v.check(boss, specCall{method: "POST", path: decide, body: map[string]any{"approve": true, "note": "核实无误"}, want: 200})
	v.check(boss, specCall{method: "POST", path: decide, body: map[string]any{"approve": true}, want: 409})
	v.check(boss, specCall{method: "POST", path: "/api/v1/points/adjustments/999999/decision", body: map[string]any{"approve": true}, want: 404})
}

// specPointPlans walks a plan through drafting, approval and a change,
// records events and batches under it, and runs a year-end dry run.
func specPointPlans(t *testing.T, e *testEnv, v *specValidator, boss *client) {
	t.Helper()
	e.mustStaff(t, "plan-gs", auth.GroupSpecialist, "GROUP")
	gs := e.mustToken(t, "plan-gs")
	today := time.Now().In(web.ChinaTime)
	from, to := today.Format("2006-01-02"), today.AddDate(0, 2, 0).Format("2006-01-02")
	raw := v.check(gs, specCall{method: "POST", path: "/api/v1/points/plans", want: 201, body: map[string]any{
		"node_code": "SH", "kind": "adhoc", "name": "春季答谢", "valid_from": from, "valid_to": to,
		"budget": map[string]any{"upgrade": 1000, "reward": 10000},
		"rules":  []any{map[string]any{"event_type": "event_attendance", "kind": "reward", "amount": 50}}}})
	var plan struct {
		ID    int64 `json:"id"`
		Rules []struct {
			ID int64 `json:"id"`
		} `json:"rules"`
	}
	mustSpecDecode(t, raw, &plan)
	v.check(gs, specCall{method: "POST", path: "/api/v1/points/plans", want: 400, badRequest: true, body: map[string]any{"node_code": "SH", "kind": "monthly", "name": "x"}})
	v.check(gs, specCall{method: "POST", path: "/api/v1/points/plans", want: 400, body: map[string]any{"node_code": "SH", "kind": "adhoc", "name": "无日期"}})
	base := fmt.Sprintf("/api/v1/points/plans/%d", plan.ID)
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/plans?status=draft", want: 200})
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/plans?status=lost", want: 400, badRequest: true})
	v.check(gs, specCall{method: "GET", path: base, want: 200})
	v.check(gs, specCall{method: "PATCH", path: base, want: 200, body: map[string]any{"note": "业主答谢会"}})
	raw = v.check(gs, specCall{method: "POST", path: base + "/rules", want: 201, body: map[string]any{"event_type": "site_visit", "kind": "upgrade", "amount": 20,
		"cap_period": "month", "cap_count": 2}})
	var rule struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &rule)
	v.check(gs, specCall{method: "PATCH", path: fmt.Sprintf("%s/rules/%d", base, rule.ID), want: 200, body: map[string]any{"amount": 30}})
	v.check(gs, specCall{method: "PATCH", path: base + "/rules/999999", want: 404, body: map[string]any{"amount": 30}})
	v.check(boss, specCall{method: "POST", path: base + "/decision", want: 409, body: map[string]any{"approve": true}})
	v.check(gs, specCall{method: "POST", path: base + "/submit", want: 200})
	v.check(gs, specCall{method: "POST", path: base + "/decision", want: 403, body: map[string]any{"approve": true}})
	v.check(boss, specCall{method: "POST", path: base + "/decision", want: 200, body: map[string]any{"approve": true}})
	v.check(gs, specCall{method: "PATCH", path: base, want: 409, body: map[string]any{"note": "改"}})
	v.check(boss, specCall{method: "GET", path: base + "/usage", want: 200})
	raw = v.check(gs, specCall{method: "POST", path: base + "/changes", want: 201, body: map[string]any{"reason": "追加预算",
		"revision": map[string]any{"plan": map[string]any{"budget": map[string]any{"upgrade": 1000, "reward": 20000}},
			"rules": []any{map[string]any{"id": plan.Rules[0].ID, "amount": 60}}}}})
	var change struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &change)
	v.check(gs, specCall{method: "GET", path: base + "/changes", want: 200})
	v.check(boss, specCall{method: "POST", path: fmt.Sprintf("/api/v1/points/plan-changes/%d/decision", change.ID), want: 200, body: map[string]any{"approve": true, "note": "同意"}})
	v.check(boss, specCall{method: "POST", path: "/api/v1/points/plan-changes/999999/decision", want: 404, body: map[string]any{"approve": true}})

	// Events and batches under the plan.
	m := mustFixtureMember(t, e, "SH-PD")
	if _, err := e.srv.Members.Review(actorCtx("fixture"), m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	m, err := e.srv.Members.Get(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.mustStaff(t, "plan-cs", auth.CitySpecialist, "SH")
	cs := e.mustToken(t, "plan-cs")
	events := fmt.Sprintf("/api/v1/members/%d/events", m.ID)
	raw = v.check(cs, specCall{method: "POST", path: events, want: 201, body: map[string]any{"event_type": "event_attendance", "ref": "EV-2026-01"}})
	if !strings.Contains(string(raw), `"reward":60`) {
		t.Fatalf("the approved change's amount was not awarded: %s", raw)
	}
	v.check(cs, specCall{method: "POST", path: events, want: 200, body: map[string]any{"event_type": "event_attendance", "ref": "EV-2026-01"}})
	v.check(cs, specCall{method: "POST", path: events, want: 400, badRequest: true, body: map[string]any{"event_type": "party"}})
	v.check(gs, specCall{method: "POST", path: events, want: 403, body: map[string]any{"event_type": "event_attendance", "ref": "x"}})
	v.check(cs, specCall{method: "GET", path: "/api/v1/points/events?event_type=event_attendance", want: 200})
	v.check(cs, specCall{method: "POST", path: "/api/v1/points/batches", want: 200, body: map[string]any{"event_type": "site_visit", "ref": "V-1", "dry_run": true,
		"rows": []any{map[string]any{"member_id": m.ID}}}})
	v.check(cs, specCall{method: "POST", path: "/api/v1/points/batches", want: 201, body: map[string]any{"event_type": "site_visit", "ref": "V-1",
		"rows": []any{map[string]any{"member_id": m.ID}}}})
	raw = v.check(cs, specCall{method: "POST", path: "/api/v1/points/batches", want: 400, body: map[string]any{"event_type": "site_visit", "ref": "V-2",
		"rows": []any{map[string]any{"member_id": m.ID}, map[string]any{"member_id": 999999}}}})
	if !strings.Contains(string(raw), `"outcome":"error"`) {
		t.Fatalf("a failed batch's report: %s", raw)
	}
	x := excelize.NewFile()
	_ = x.SetSheetRow("Sheet1", "A1", &[]any{"会员编号", "关联编号"})
	_ = x.SetSheetRow("Sheet1", "A2", &[]any{m.MemberNo, "V-3"})
	var sheet bytes.Buffer
	if err := x.Write(&sheet); err != nil {
		t.Fatal(err)
	}
	v.check(cs, specCall{method: "POST", path: "/api/v1/points/batches", want: 201, upload: sheet.Bytes(), form: map[string]string{"event_type": "site_visit"}})
	v.check(cs, specCall{method: "GET", path: fmt.Sprintf("/api/v1/members/%d/points/expiries", m.ID), want: 200})

	// Year-end expiry.
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/expiry", want: 200})
	v.check(boss, specCall{method: "PUT", path: "/api/v1/points/expiry", want: 200, body: map[string]any{"years": 2}})
	v.check(boss, specCall{method: "PUT", path: "/api/v1/points/expiry", want: 400, body: map[string]any{"years": 11}})
	v.check(gs, specCall{method: "PUT", path: "/api/v1/points/expiry", want: 403, body: map[string]any{"years": 1}})
	raw = v.check(boss, specCall{method: "POST", path: "/api/v1/points/expiry/runs", want: 202, body: map[string]any{"year": today.Year() - 1, "dry_run": true}})
	var run struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &run)
	v.check(boss, specCall{method: "POST", path: "/api/v1/points/expiry/runs", want: 409, body: map[string]any{"year": today.Year()}})
	r := &jobs.Runner{Queue: e.srv.Jobs, Worker: "spec", Handlers: e.srv.JobHandlers(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if ran, err := r.RunOne(context.Background(), []string{points.ExpiryJobKind}); !ran || err != nil {
		t.Fatalf("run the year-end: %v %v", ran, err)
	}
	raw = v.check(boss, specCall{method: "GET", path: fmt.Sprintf("/api/v1/points/expiry/runs/%d", run.ID), want: 200})
	if !strings.Contains(string(raw), `"status":"done"`) || !strings.Contains(string(raw), `"dry_run":true`) {
		t.Fatalf("the dry run: %s", raw)
	}
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/expiry/runs/999999", want: 404})
	// The effectiveness report shows the plan's awards.
	raw = v.check(boss, specCall{method: "GET", path: fmt.Sprintf("/api/v1/points/report?plan=%d&from=2020-01-01", plan.ID), want: 200})
	if !strings.Contains(string(raw), "春季答谢") || !strings.Contains(string(raw), `"net":60`) {
		t.Fatalf("the report: %s", raw)
	}
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/report?kind=gold", want: 400, badRequest: true})
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/report?plan=999999", want: 404})
	v.check(boss, specCall{method: "GET", path: "/api/v1/points/report/export?kind=reward", want: 200})
	v.check(boss, specCall{method: "POST", path: base + "/cancel", want: 200, body: map[string]any{"reason": "活动停办"}})
	v.check(boss, specCall{method: "POST", path: base + "/cancel", want: 409, body: map[string]any{"reason": "再取消"}})
}

// specRedeem calls every redemption operation: a city specialist at SH
// keeps the catalogue, orders for a member (a retry with the same
// Idempotency-Key orders once), fulfils and cancels; boss, the group
// supervisor, decides and changes the settings.
func specRedeem(t *testing.T, e *testEnv, v *specValidator, boss *client) {
	t.Helper()
	e.mustStaff(t, "rd.spec", auth.CitySpecialist, "SH")
	spec := e.mustToken(t, "rd.spec")
	raw := v.check(spec, specCall{method: "POST", path: "/api/v1/redeem/items", want: 201, body: map[string]any{
		"node_code": "SH", "kind": "voucher", "name": "合作商户代金券", "description": "滨江府商业街通用", "price": 100,
		"stock": 50, "member_limit": nil, "valid_from": "2026-01-01T00:00:00+08:00", "valid_to": nil}})
	var it struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &it)
	itemPath := fmt.Sprintf("/api/v1/redeem/items/%d", it.ID)
	v.check(spec, specCall{method: "POST", path: "/api/v1/redeem/items", want: 201, body: map[string]any{"node_code": "SH-PD", "kind": "gift", "name": "精美礼品", "price": 400, "inactive": true}})
	v.check(spec, specCall{method: "GET", path: "/api/v1/redeem/items?node=SH&kind=voucher&active=true&q=%E4%BB%A3%E9%87%91&per_page=10", want: 200})
	v.check(spec, specCall{method: "GET", path: itemPath, want: 200})
	v.check(spec, specCall{method: "PATCH", path: itemPath, want: 200, body: map[string]any{"stock_delta": 10, "member_limit": 5, "price": 120}})
	v.check(boss, specCall{method: "GET", path: "/api/v1/redeem/settings", want: 200})
	v.check(boss, specCall{method: "PUT", path: "/api/v1/redeem/settings", want: 200, body: map[string]any{"auto_approve_below": 0, "spend_anywhere": false}})

	m := mustActiveMember(t, e, "SH-PD")
	mustGive(t, e, m.ID, 1000)
	apply := fmt.Sprintf("/api/v1/members/%d/redemptions", m.ID)
	body := map[string]any{"item_id": it.ID, "quantity": 2, "note": "现场领取"}
	raw = v.check(spec, specCall{method: "POST", path: apply, want: 201, body: body, header: map[string]string{"Idempotency-Key": "order-1"}})
	var o struct {
		ID int64 `json:"id"`
	}
	mustSpecDecode(t, raw, &o)
	v.check(spec, specCall{method: "POST", path: apply, want: 200, body: body, header: map[string]string{"Idempotency-Key": "order-1"}})
	v.check(spec, specCall{method: "GET", path: apply + "?per_page=5", want: 200})
	v.check(spec, specCall{method: "GET", path: "/api/v1/redemptions?status=applied&node=SH&member=" + strconv.FormatInt(m.ID, 10) + "&from=2026-01-01", want: 200})
	order := fmt.Sprintf("/api/v1/redemptions/%d", o.ID)
	v.check(spec, specCall{method: "GET", path: order, want: 200})
	v.check(boss, specCall{method: "POST", path: order + "/decision", want: 200, body: map[string]any{"approve": true, "note": "同意"}})
	raw = v.check(spec, specCall{method: "POST", path: order + "/fulfilment", want: 200, body: map[string]any{"method": "voucher"}})
	if !strings.Contains(string(raw), `"voucher_code":"`) {
		t.Fatalf("fulfilled with a voucher code: %s", raw)
	}
	raw = v.check(spec, specCall{method: "POST", path: apply, want: 201, body: map[string]any{"item_id": it.ID}, header: map[string]string{"Idempotency-Key": "order-2"}})
	mustSpecDecode(t, raw, &o)
	v.check(spec, specCall{method: "POST", path: fmt.Sprintf("/api/v1/redemptions/%d/cancel", o.ID), want: 200, body: map[string]any{"reason": "会员改期"}})

	// Errors.
	v.check(spec, specCall{method: "POST", path: apply, want: 400, badRequest: true, body: body})
	v.check(spec, specCall{method: "POST", path: apply, want: 409, lang: "en", body: map[string]any{"item_id": it.ID, "quantity": 9},
		header: map[string]string{"Idempotency-Key": "order-3"}})
	v.check(spec, specCall{method: "POST", path: apply, want: 409, body: map[string]any{"item_id": it.ID, "quantity": 1},
		header: map[string]string{"Idempotency-Key": "order-1"}})
	v.check(spec, specCall{method: "POST", path: order + "/decision", want: 403, body: map[string]any{"approve": true}})
	v.check(boss, specCall{method: "POST", path: order + "/decision", want: 409, body: map[string]any{"approve": false, "note": "x"}})
	raw = v.check(spec, specCall{method: "POST", path: apply, want: 201, body: map[string]any{"item_id": it.ID}, header: map[string]string{"Idempotency-Key": "order-4"}})
	mustSpecDecode(t, raw, &o)
	post := fmt.Sprintf("/api/v1/redemptions/%d", o.ID)
	v.check(boss, specCall{method: "POST", path: post + "/decision", want: 200, body: map[string]any{"approve": true}})
	v.check(spec, specCall{method: "POST", path: post + "/fulfilment", want: 400, badRequest: true, body: map[string]any{"method": "drone"}})
	v.check(spec, specCall{method: "POST", path: post + "/fulfilment", want: 400, body: map[string]any{"method": "posted"}})
	v.check(spec, specCall{method: "POST", path: post + "/fulfilment", want: 200, body: map[string]any{"method": "posted", "tracking_no": "SF1400000001"}})
	v.check(spec, specCall{method: "GET", path: "/api/v1/redemptions?status=lost", want: 400, badRequest: true})
	v.check(spec, specCall{method: "GET", path: "/api/v1/redemptions/999999", want: 404})
	v.check(spec, specCall{method: "PATCH", path: itemPath, want: 400, body: map[string]any{"stock_delta": -1000}})
	v.check(spec, specCall{method: "POST", path: "/api/v1/redeem/items", want: 400, body: map[string]any{"node_code": "HZ", "kind": "gift", "name": "伞", "price": 1}})
	v.check(spec, specCall{method: "PUT", path: "/api/v1/redeem/settings", want: 403, body: map[string]any{"auto_approve_below": 100}})
	v.check(boss, specCall{method: "PUT", path: "/api/v1/redeem/settings", want: 400, badRequest: true, body: map[string]any{"auto_approve_below": -1}})
}
