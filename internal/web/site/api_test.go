package site

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// fakeClock is the database clock of a test that moves time by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// useFakeClock gives e's database a clock the test moves; call it before
// the first request.
func useFakeClock(e *testEnv) *fakeClock {
	c := &fakeClock{now: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)}
	e.d.Clock = c.Now
	return c
}

// in returns a copy of c that reports to t, for use inside a subtest.
func (c *client) in(t testing.TB) *client {
	cc := *c
	cc.t = t
	return &cc
}

// mustStatus reads the answer and fails unless its status is want.
func mustStatus(t *testing.T, res *http.Response, want int) string {
	t.Helper()
	body := readBody(res)
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%.600s", res.Request.Method, res.Request.URL.RequestURI(), res.StatusCode, want, body)
	}
	return body
}

// mustJSON reads a JSON answer of status want into a T.
func mustJSON[T any](t *testing.T, res *http.Response, want int) T {
	t.Helper()
	body := mustStatus(t, res, want)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q, want JSON", res.Request.URL.Path, ct)
	}
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%s: %v\n%s", res.Request.URL.Path, err, body)
	}
	return v
}

// mustAPIError checks an API error answer: its status, the one error shape and its code.
func mustAPIError(t *testing.T, res *http.Response, status int, code apperr.Code) web.ErrorBody {
	t.Helper()
	b := mustJSON[web.ErrorBody](t, res, status)
	if b.Error.Code != string(code) || b.Error.Message == "" {
		t.Fatalf("%s: error %+v, want code %q with a message", res.Request.URL.Path, b.Error, code)
	}
	return b
}

// mustRefuse checks that a write was refused: a field error, 403 or 404.
func mustRefuse(t *testing.T, res *http.Response) {
	t.Helper()
	body := readBody(res)
	switch res.StatusCode {
	case http.StatusForbidden, http.StatusNotFound:
	case http.StatusBadRequest:
		if strings.HasPrefix(res.Request.URL.Path, "/api/") && !strings.Contains(body, `"field"`) {
			t.Errorf("%s %s: 400 without a field: %s", res.Request.Method, res.Request.URL.Path, body)
		}
	default:
		t.Errorf("%s %s: status %d, want it refused\n%.600s", res.Request.Method, res.Request.URL.Path, res.StatusCode, body)
	}
}

func hasHan(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
}

func (e *testEnv) mustNodeName(t *testing.T, code string) string {
	t.Helper()
	n, err := e.srv.Org.ByCode(context.Background(), code)
	if err != nil {
		t.Fatalf("node %s: %v", code, err)
	}
	return n.Name
}

func (e *testEnv) mustNoNode(t *testing.T, code string) {
	t.Helper()
	if _, err := e.srv.Org.ByCode(context.Background(), code); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("node %s exists (%v), want none", code, err)
	}
}

func (e *testEnv) mustNoStaff(t *testing.T, login string) {
	t.Helper()
	if _, err := e.srv.Auth.StaffByLogin(context.Background(), login); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("account %s exists (%v), want none", login, err)
	}
}

func (e *testEnv) mustAuditCount(t *testing.T) int {
	t.Helper()
	var n int
	err := e.d.View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.Count(context.Background(), "SELECT count(*) FROM audit_log")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func nodeCodes(nodes []org.Node) []string {
	var codes []string
	for _, n := range nodes {
		codes = append(codes, n.Code)
	}
	slices.Sort(codes)
	return codes
}

func staffLogins(list []auth.Staff) []string {
	var logins []string
	for _, s := range list {
		logins = append(logins, s.Login)
	}
	return logins
}

var nodeLink = regexp.MustCompile(`href="/org/([^"]+)"`)

func TestCitySpecialistSeesOnlyTheirCity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sh-admin", auth.Admin, "SH")
		hz := e.mustStaff(t, "hz-staff", auth.CitySpecialist, "HZ-XH")
		pd := e.mustStaff(t, "pd-staff", auth.SalesConsultant, "SH-PD")
		spec, specTok := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")
		admin, adminTok := e.mustLogin(t, "sh-admin"), e.mustToken(t, "sh-admin")
		hzID, pdID := strconv.FormatInt(hz.ID, 10), strconv.FormatInt(pd.ID, 10)

		for _, c := range []*client{spec, specTok} {
			list := mustJSON[web.List[org.Node]](t, c.get("/api/v1/org/nodes"), http.StatusOK)
			if got := nodeCodes(list.Items); !slices.Equal(got, []string{"SH", "SH-PD"}) || list.Total != 2 {
				t.Errorf("API org list: %v (total %d), want SH and SH-PD", got, list.Total)
			}
		}
		page := mustStatus(t, spec.get("/org"), http.StatusOK)
		var linked []string
		for _, m := range nodeLink.FindAllStringSubmatch(page, -1) {
			linked = append(linked, m[1])
		}
		if slices.Sort(linked); !slices.Equal(linked, []string{"SH", "SH-PD"}) || strings.Contains(page, "杭州") {
			t.Errorf("console /org links %v, want SH and SH-PD only", linked)
		}
		// A node's page names its parent and children only where the caller reaches.
		if page := mustStatus(t, spec.get("/org/SH"), http.StatusOK); !strings.Contains(page, "浦东·滨江府") ||
			strings.Contains(page, "华东事业部") || strings.Contains(page, "杭州") {
			t.Errorf("console /org/SH shows nodes outside SH or misses SH-PD:\n%s", page)
		}
		for _, code := range []string{"HZ", "HZ-XH", "EAST", "GROUP"} {
			mustAPIError(t, spec.get("/api/v1/org/nodes/"+code), http.StatusNotFound, apperr.NotFound)
			mustStatus(t, spec.get("/org/"+code), http.StatusNotFound)
		}

		// Changing HZ: the specialist lacks org.write (403); the SH admin has
		// it but HZ does not exist for them (404).
		rename := map[string]any{"name": "被改名"}
		mustAPIError(t, spec.json(http.MethodPatch, "/api/v1/org/nodes/HZ", rename, nil), http.StatusForbidden, apperr.Forbidden)
		mustStatus(t, spec.postForm("/org/HZ", url.Values{"name": {"被改名"}}), http.StatusForbidden)
		mustAPIError(t, admin.json(http.MethodPatch, "/api/v1/org/nodes/HZ", rename, nil), http.StatusNotFound, apperr.NotFound)
		mustAPIError(t, adminTok.json(http.MethodPatch, "/api/v1/org/nodes/HZ-XH", rename, nil), http.StatusNotFound, apperr.NotFound)
		mustStatus(t, admin.postForm("/org/HZ", url.Values{"name": {"被改名"}}), http.StatusNotFound)
		child := map[string]any{"parent": "HZ", "kind": "project", "code": "HZ-NEW", "name": "新项目"}
		mustRefuse(t, adminTok.json(http.MethodPost, "/api/v1/org/nodes", child, nil))
		mustRefuse(t, admin.postForm("/org", url.Values{"parent": {"HZ"}, "kind": {"project"}, "code": {"HZ-NEW"}, "name": {"新项目"}}))
		if got := e.mustNodeName(t, "HZ"); got != "杭州城市公司" {
			t.Errorf("HZ is now called %q", got)
		}
		if got := e.mustNodeName(t, "HZ-XH"); got != "西湖·云栖里" {
			t.Errorf("HZ-XH is now called %q", got)
		}
		e.mustNoNode(t, "HZ-NEW")

		// Staff: lists hold SH staff only; HZ staff do not exist for SH.
		for _, c := range []*client{spec, specTok} {
			list := mustJSON[web.List[auth.Staff]](t, c.get("/api/v1/staff"), http.StatusOK)
			if got := staffLogins(list.Items); !slices.Contains(got, "pd-staff") || slices.Contains(got, "hz-staff") || list.Total != len(got) {
				t.Errorf("API staff list: %v (total %d), want SH staff only", got, list.Total)
			}
			if l := mustJSON[web.List[auth.Staff]](t, c.get("/api/v1/staff?q=hz"), http.StatusOK); l.Total != 0 {
				t.Errorf("searching for hz finds %v", staffLogins(l.Items))
			}
		}
		if page := mustStatus(t, spec.get("/staff"), http.StatusOK); !strings.Contains(page, "pd-staff") || strings.Contains(page, "hz-staff") {
			t.Errorf("console /staff shows HZ staff or misses SH staff:\n%s", page)
		}
		mustJSON[auth.Staff](t, spec.get("/api/v1/staff/"+pdID), http.StatusOK)
		mustAPIError(t, spec.get("/api/v1/staff/"+hzID), http.StatusNotFound, apperr.NotFound)
		mustStatus(t, spec.get("/staff/"+hzID), http.StatusNotFound)
		mustAPIError(t, adminTok.json(http.MethodPatch, "/api/v1/staff/"+hzID, map[string]any{"name": "x"}, nil), http.StatusNotFound, apperr.NotFound)
		mustStatus(t, admin.postForm("/staff/"+hzID, url.Values{"name": {"x"}, "active": {"on"}}), http.StatusNotFound)
		if st, _ := e.srv.Auth.StaffByID(context.Background(), hz.ID); st.Name != hz.Name {
			t.Errorf("HZ staff renamed to %q", st.Name)
		}

		// The SH admin places staff and grants roles in SH only.
		newStaff := func(login, at string, roles ...web.GrantBody) web.StaffCreateBody {
			return web.StaffCreateBody{Login: login, Name: "新员工", Org: at, Password: testPassword, Roles: roles}
		}
		created := mustJSON[auth.Staff](t, adminTok.json(http.MethodPost, "/api/v1/staff",
			newStaff("new-pd", "SH-PD", web.GrantBody{Role: "sales_consultant", Org: "SH-PD"}), nil), http.StatusCreated)
		if created.NodeCode != "SH-PD" || len(created.Grants) != 1 {
			t.Errorf("created %+v", created)
		}
		mustRefuse(t, adminTok.json(http.MethodPost, "/api/v1/staff", newStaff("new-hz", "HZ"), nil))
		mustRefuse(t, adminTok.json(http.MethodPost, "/api/v1/staff", newStaff("new-hz2", "SH-PD", web.GrantBody{Role: "city_specialist", Org: "HZ"}), nil))
		mustRefuse(t, admin.postForm("/staff", url.Values{"login": {"new-hz3"}, "name": {"新员工"}, "org": {"HZ"}, "password": {testPassword}}))
		for _, login := range []string{"new-hz", "new-hz2", "new-hz3"} {
			e.mustNoStaff(t, login)
		}
		id := strconv.FormatInt(created.ID, 10)
		mustRefuse(t, adminTok.json(http.MethodPost, "/api/v1/staff/"+id+"/roles", web.GrantBody{Role: "city_specialist", Org: "HZ"}, nil))
		mustRefuse(t, admin.postForm("/staff/"+id+"/roles", url.Values{"role": {"city_specialist"}, "org": {"HZ"}}))
		if st, _ := e.srv.Auth.StaffByID(context.Background(), created.ID); len(st.Grants) != 1 || st.Grants[0].NodeCode != "SH-PD" {
			t.Errorf("new-pd's roles are now %+v", st.Grants)
		}
	})
}

func TestAPIErrorBodyLanguage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-admin", auth.Admin, "SH")
		zh := e.mustToken(t, "sh-admin")
		en := e.mustToken(t, "sh-admin")
		en.lang = "en"
		anonZH, anonEN := e.anon(t), e.anon(t)
		anonEN.lang = "en"
		invalid := map[string]any{"parent": "SH", "kind": "project", "code": "SH-NEW", "name": ""}
		for _, tc := range []struct {
			name         string
			zh, en       *client
			method       string
			path         string
			body         any
			status       int
			code         apperr.Code
			zhHas, enHas string
		}{
			{"validation", zh, en, http.MethodPost, "/api/v1/org/nodes", invalid, 400, apperr.Invalid, "", ""},
			{"not found", zh, en, http.MethodGet, "/api/v1/org/nodes/NOPE", nil, 404, apperr.NotFound, "", ""},
			{"not signed in", anonZH, anonEN, http.MethodGet, "/api/v1/me", nil, 401, apperr.Unauthorized, "请先登录", "please sign in"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				bz := mustAPIError(t, tc.zh.in(t).json(tc.method, tc.path, tc.body, nil), tc.status, tc.code)
				be := mustAPIError(t, tc.en.in(t).json(tc.method, tc.path, tc.body, nil), tc.status, tc.code)
				if !hasHan(bz.Error.Message) || hasHan(be.Error.Message) || bz.Error.Field != be.Error.Field {
					t.Errorf("messages: zh %+v, en %+v; want Chinese, then English", bz.Error, be.Error)
				}
				if !strings.Contains(bz.Error.Message, tc.zhHas) || !strings.Contains(be.Error.Message, tc.enHas) {
					t.Errorf("messages: zh %q, en %q; want %q and %q", bz.Error.Message, be.Error.Message, tc.zhHas, tc.enHas)
				}
			})
		}
		e.mustNoNode(t, "SH-NEW")
		res := anonEN.get("/api/v1/me")
		if res.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		mustAPIError(t, res, http.StatusUnauthorized, apperr.Unauthorized)
		bad := e.anon(t)
		bad.token = "ec_not-a-real-token"
		mustAPIError(t, bad.get("/api/v1/me"), http.StatusUnauthorized, apperr.Unauthorized)
	})
}

func TestAPIRefusesBadBodies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-admin", auth.Admin, "SH")
		c := e.mustToken(t, "sh-admin")
		before := e.mustAuditCount(t)
		good := `{"parent":"SH","kind":"project","code":"SH-NEW","name":"新项目"}`
		for _, tc := range []struct{ name, body string }{
			{"empty", ""},
			{"malformed", `{"parent":"SH","kind":`},
			{"not an object", `["SH"]`},
			{"wrong type", `{"parent":"SH","kind":"project","code":"SH-NEW","name":7}`},
			{"unknown field", `{"parent":"SH","kind":"project","code":"SH-NEW","name":"新项目","owner":"me"}`},
			{"second object", good + ` {}`},
			{"trailing word", good + ` x`},
			{"trailing brace", good + `}`},
			{"trailing bracket", good + `]`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := c.in(t).do(http.MethodPost, "/api/v1/org/nodes", strings.NewReader(tc.body), "application/json")
				mustAPIError(t, res, http.StatusBadRequest, apperr.Invalid)
			})
		}
		e.mustNoNode(t, "SH-NEW")
		if after := e.mustAuditCount(t); after != before {
			t.Errorf("bad bodies wrote %d audit entries", after-before)
		}
		mustJSON[org.Node](t, c.do(http.MethodPost, "/api/v1/org/nodes", strings.NewReader(good), "application/json"), http.StatusCreated)
	})
}

func TestAPIPaging(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
		c := e.mustToken(t, "boss")
		var all []string
		for page, want := range []int{2, 2, 2, 0} {
			l := mustJSON[web.List[org.Node]](t, c.get("/api/v1/org/nodes?per_page=2&page="+strconv.Itoa(page+1)), http.StatusOK)
			if l.Total != 6 || len(l.Items) != want || l.Page != page+1 || l.PerPage != 2 {
				t.Errorf("page %d: total %d, %d items, page %d, per_page %d; want 6, %d", page+1, l.Total, len(l.Items), l.Page, l.PerPage, want)
			}
			all = append(all, nodeCodes(l.Items)...)
		}
		if slices.Sort(all); !slices.Equal(all, []string{"EAST", "GROUP", "HZ", "HZ-XH", "SH", "SH-PD"}) {
			t.Errorf("the pages hold %v, want every node once", all)
		}
		if l := mustJSON[web.List[org.Node]](t, c.get("/api/v1/org/nodes"), http.StatusOK); l.PerPage != 50 || len(l.Items) != 6 {
			t.Errorf("default page: per_page %d, %d items", l.PerPage, len(l.Items))
		}
		for _, q := range []string{"per_page=1", "per_page=200", "page=99"} {
			mustJSON[web.List[org.Node]](t, c.get("/api/v1/org/nodes?"+q), http.StatusOK)
		}
		for _, q := range []string{"per_page=0", "per_page=201", "per_page=-1", "per_page=x", "page=0", "page=-2", "page=1.5"} {
			for _, path := range []string{"/api/v1/org/nodes", "/api/v1/staff", "/api/v1/audit"} {
				b := mustAPIError(t, c.get(path+"?"+q), http.StatusBadRequest, apperr.Invalid)
				if field, _, _ := strings.Cut(q, "="); b.Error.Field != field {
					t.Errorf("%s?%s: field %q, want %q", path, q, b.Error.Field, field)
				}
			}
		}
		e.mustStaff(t, "second", auth.Auditor, "SH")
		if l := mustJSON[web.List[auth.Staff]](t, c.get("/api/v1/staff?per_page=1&page=2"), http.StatusOK); l.Total != 2 || len(l.Items) != 1 || l.Items[0].Login != "second" {
			t.Errorf("staff page 2: total %d, %v", l.Total, staffLogins(l.Items))
		}
	})
}

func TestLoginRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		clock := useFakeClock(e)
		e.mustStaff(t, "clerk", auth.CitySpecialist, "SH")
		login := func(c *client, pw string) (*http.Response, string) {
			res := c.postForm("/login", url.Values{"login": {"clerk"}, "password": {pw}})
			for _, ck := range res.Cookies() {
				if ck.Name == web.SessionCookie && ck.Value != "" && res.StatusCode != http.StatusSeeOther {
					t.Errorf("password %q: answer %d sets a session cookie", pw, res.StatusCode)
				}
			}
			return res, readBody(res)
		}
		c := e.anon(t)
		res, body := login(c, "wrong-password1")
		if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "登录名或密码不正确") || !strings.Contains(body, `id="login"`) {
			t.Fatalf("wrong password: %d\n%.600s", res.StatusCode, body)
		}

		// Failures 2–10, each after the slow-down wait; an attempt made
		// without waiting is turned away (and not counted).
		for i := 2; i <= 10; i++ {
			if i == 6 {
				if res, body := login(c, "wrong-password1"); res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "秒后再试") {
					t.Fatalf("attempt without waiting: %d\n%.600s", res.StatusCode, body)
				}
			}
			clock.Add(time.Minute)
			if res, _ := login(c, "wrong-password1"); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: status %d", i, res.StatusCode)
			}
		}
		clock.Add(time.Minute)
		res, body = login(e.anon(t), testPassword)
		if res.StatusCode != http.StatusLocked || !strings.Contains(body, "锁定") {
			t.Fatalf("right password on a locked login: %d\n%.600s", res.StatusCode, body)
		}
		clock.Add(15 * time.Minute)
		if res, _ := login(e.anon(t), testPassword); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the lock: %d", res.StatusCode)
		}
	})
}

func TestCSRF(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-admin", auth.Admin, "SH")
		c := e.mustLogin(t, "sh-admin")
		noToken := *c
		noToken.csrf = ""

		mustStatus(t, c.postForm("/org/SH-PD", url.Values{"name": {"改名一"}, "csrf": {c.csrf + "x"}}), http.StatusForbidden)
		mustStatus(t, noToken.postForm("/org/SH-PD", url.Values{"name": {"改名二"}}), http.StatusForbidden)
		if got := e.mustNodeName(t, "SH-PD"); got != "浦东·滨江府" {
			t.Fatalf("a POST without a valid CSRF token renamed SH-PD to %q", got)
		}
		mustStatus(t, c.postForm("/org/SH-PD", url.Values{"name": {"改名三"}}), http.StatusSeeOther)
		if got := e.mustNodeName(t, "SH-PD"); got != "改名三" {
			t.Fatalf("with the CSRF token SH-PD is %q", got)
		}

		node := func(code string) map[string]any {
			return map[string]any{"parent": "SH", "kind": "project", "code": code, "name": "新项目"}
		}
		badToken := *c
		badToken.csrf = c.csrf + "x"
		mustAPIError(t, noToken.json(http.MethodPost, "/api/v1/org/nodes", node("SH-A"), nil), http.StatusForbidden, apperr.Forbidden)
		mustAPIError(t, badToken.json(http.MethodPost, "/api/v1/org/nodes", node("SH-A"), nil), http.StatusForbidden, apperr.Forbidden)
		e.mustNoNode(t, "SH-A")
		mustJSON[org.Node](t, c.json(http.MethodPost, "/api/v1/org/nodes", node("SH-B"), nil), http.StatusCreated)
		bearer := e.mustToken(t, "sh-admin")
		mustJSON[org.Node](t, bearer.json(http.MethodPost, "/api/v1/org/nodes", node("SH-C"), nil), http.StatusCreated)
	})
}

func TestSessionEnds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		clock := useFakeClock(e)
		e.mustStaff(t, "clerk", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sh-admin", auth.Admin, "SH")
		c := e.mustLogin(t, "clerk")

		// Use slides the idle timeout (two hours) on.
		for range 2 {
			clock.Add(90 * time.Minute)
			mustStatus(t, c.get("/"), http.StatusOK)
		}
		clock.Add(2*time.Hour + time.Minute)
		b := mustAPIError(t, c.get("/api/v1/me"), http.StatusUnauthorized, apperr.Unauthorized)
		if !strings.Contains(b.Error.Message, "过期") {
			t.Errorf("expired session message %q", b.Error.Message)
		}
		res := c.get("/staff")
		readBody(res)
		loc, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || loc.Path != "/login" || loc.Query().Get("expired") != "1" || loc.Query().Get("next") != "/staff" {
			t.Fatalf("expired session on the console: %d → %s", res.StatusCode, loc)
		}
		if page := mustStatus(t, c.get(loc.String()), http.StatusOK); !strings.Contains(page, "会话已过期") {
			t.Errorf("the login page does not say the session expired")
		}

		// Disabling an account ends its sessions and tokens at once.
		c = e.mustLogin(t, "clerk")
		tok := e.mustToken(t, "clerk")
		mustJSON[map[string]any](t, tok.get("/api/v1/me"), http.StatusOK)
		clerk, _ := e.srv.Auth.StaffByLogin(context.Background(), "clerk")
		admin := e.mustToken(t, "sh-admin")
		mustJSON[auth.Staff](t, admin.json(http.MethodPatch, "/api/v1/staff/"+strconv.FormatInt(clerk.ID, 10), map[string]any{"active": false}, nil), http.StatusOK)
		res = c.get("/")
		readBody(res)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("a disabled account's session: %d → %s", res.StatusCode, res.Header.Get("Location"))
		}
		mustAPIError(t, c.get("/api/v1/me"), http.StatusUnauthorized, apperr.Unauthorized)
		mustAPIError(t, tok.get("/api/v1/me"), http.StatusUnauthorized, apperr.Unauthorized)
		res = e.anon(t).postForm("/login", url.Values{"login": {"clerk"}, "password": {testPassword}})
		if body := readBody(res); res.StatusCode != http.StatusForbidden || !strings.Contains(body, "停用") {
			t.Errorf("signing in to a disabled account: %d\n%.600s", res.StatusCode, body)
		}
	})
}

func TestLanguage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "clerk", auth.CitySpecialist, "SH")
		c := e.mustLogin(t, "clerk")
		if page := mustStatus(t, c.get("/"), http.StatusOK); !strings.Contains(page, `<html lang="zh-CN">`) || !strings.Contains(page, "概览") {
			t.Fatalf("the default language is not Chinese:\n%.600s", page)
		}
		res := c.postForm("/account/locale", url.Values{"lang": {"en"}, "next": {"/org"}})
		if readBody(res); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/org" {
			t.Fatalf("switching language: %d → %s", res.StatusCode, res.Header.Get("Location"))
		}
		english := func(c *client, path string, words ...string) {
			t.Helper()
			page := mustStatus(t, c.get(path), http.StatusOK)
			if !strings.Contains(page, `<html lang="en">`) || strings.Contains(page, "概览") {
				t.Errorf("%s is not in English:\n%.600s", path, page)
			}
			for _, w := range words {
				if !strings.Contains(page, w) {
					t.Errorf("%s lacks %q", path, w)
				}
			}
		}
		english(c, "/", "Dashboard", "Sign out")
		english(c, "/org", "Organisation")
		if st, _ := e.srv.Auth.StaffByLogin(context.Background(), "clerk"); st.Locale != "en" {
			t.Errorf("the account's locale is %q", st.Locale)
		}
		english(e.mustLogin(t, "clerk"), "/account", "My account", "Change password")
		b := mustAPIError(t, e.mustToken(t, "clerk").get("/api/v1/org/nodes/NOPE"), http.StatusNotFound, apperr.NotFound)
		if hasHan(b.Error.Message) {
			t.Errorf("an English account's API error is %q", b.Error.Message)
		}

		a := e.anon(t)
		if page := mustStatus(t, a.get("/login"), http.StatusOK); !strings.Contains(page, "员工登录") {
			t.Fatalf("the anonymous login page is not Chinese")
		}
		res = a.postForm("/lang", url.Values{"lang": {"en"}, "next": {"/login"}})
		if readBody(res); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Fatalf("POST /lang: %d → %s", res.StatusCode, res.Header.Get("Location"))
		}
		english(a, "/login", "Staff sign-in")
		res = a.postForm("/lang", url.Values{"lang": {"zh-CN"}, "next": {"//evil.example/"}})
		if readBody(res); res.Header.Get("Location") != "/" {
			t.Errorf("POST /lang followed next to %q", res.Header.Get("Location"))
		}
	})
}

func TestSystemEndpoints(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		c := e.anon(t)
		h := mustJSON[map[string]any](t, c.get("/healthz"), http.StatusOK)
		if h["status"] != "ok" || h["version"] != "test" {
			t.Errorf("healthz: %v", h)
		}
		r := mustJSON[map[string]any](t, c.get("/readyz"), http.StatusOK)
		if r["status"] != "ready" || r["database"] != string(e.d.Dialect()) {
			t.Errorf("readyz: %v, want database %q", r, e.d.Dialect())
		}
		res := c.get("/api/v1/nope")
		if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Request-ID") == "" {
			t.Errorf("headers: %v", res.Header)
		}
		mustAPIError(t, res, http.StatusNotFound, apperr.NotFound)
		mustStatus(t, c.get("/login"), http.StatusOK)
		mustAPIError(t, c.get("/api/v1/org/nodes"), http.StatusUnauthorized, apperr.Unauthorized)

		m := mustStatus(t, c.get("/metrics"), http.StatusOK)
		for _, want := range [][]string{
			{`route="GET /login"`, `status="200"`},
			{`route="GET /api/v1/org/nodes"`, `status="401"`},
			{`route="GET /healthz"`, `method="GET"`},
		} {
			found := false
			for line := range strings.Lines(m) {
				found = found || strings.HasPrefix(line, "estateclub_http_requests_total{") &&
					strings.Contains(line, want[0]) && strings.Contains(line, want[1])
			}
			if !found {
				t.Errorf("/metrics has no estateclub_http_requests_total with %v", want)
			}
		}
	})
}

func TestAuditOfNodeCreation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-admin", auth.Admin, "SH")
		e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
		e.mustStaff(t, "hz-audit", auth.Auditor, "HZ")
		mustJSON[org.Node](t, e.mustToken(t, "sh-admin").json(http.MethodPost, "/api/v1/org/nodes",
			map[string]any{"parent": "SH", "kind": "project", "code": "SH-JA", "name": "静安·新项目"}, nil), http.StatusCreated)

		q := "/api/v1/audit?action=org.create&object_id=SH-JA"
		l := mustJSON[web.List[audit.Entry]](t, e.mustToken(t, "boss").get(q), http.StatusOK)
		if l.Total != 1 || len(l.Items) != 1 {
			t.Fatalf("the group supervisor sees %d entries for SH-JA, want 1", l.Total)
		}
		if en := l.Items[0]; en.ActorLogin != "sh-admin" || en.ActorKind != "staff" || en.ObjectType != "org_node" || !strings.Contains(en.After, "静安·新项目") {
			t.Errorf("entry %+v", en)
		}

		hz := e.mustToken(t, "hz-audit")
		if l := mustJSON[web.List[audit.Entry]](t, hz.get(q), http.StatusOK); l.Total != 0 || len(l.Items) != 0 {
			t.Errorf("an auditor at HZ sees SH's entry: %+v", l.Items)
		}
		// The auditor does see HZ's own entries, so the empty answer above is scope, not a broken query.
		l = mustJSON[web.List[audit.Entry]](t, hz.get("/api/v1/audit?action=org.create"), http.StatusOK)
		var ids []string
		for _, en := range l.Items {
			ids = append(ids, en.ObjectID)
		}
		if slices.Sort(ids); !slices.Equal(ids, []string{"HZ", "HZ-XH"}) {
			t.Errorf("the HZ auditor sees org.create for %v, want HZ and HZ-XH", ids)
		}
	})
}

// An administrator of a city cannot take over an account that also holds a
// role above the city (a password reset would hand them that role), nor see
// its grants elsewhere.
func TestStaffBeyondReachIsReadOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-admin2", auth.Admin, "SH")
		boss := e.mustStaff(t, "pd-boss", auth.SalesManager, "SH-PD")
		if _, err := e.srv.Auth.GrantRole(context.Background(), boss.ID, auth.NewGrant{Role: auth.GroupSupervisor, NodeCode: "GROUP"}); err != nil {
			t.Fatal(err)
		}
		c := e.mustLogin(t, "sh-admin2")
		id := strconv.FormatInt(boss.ID, 10)
		before, _ := e.srv.Auth.StaffByID(context.Background(), boss.ID)
		for _, tc := range []struct{ method, path string }{
			{"POST", "/staff/" + id + "/password"},
			{"POST", "/staff/" + id},
		} {
			res := c.postForm(tc.path, url.Values{"name": {"x"}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("%s %s: %d, want 403", tc.method, tc.path, res.StatusCode)
			}
			res.Body.Close()
		}
		var st auth.Staff
		res := c.json(http.MethodPatch, "/api/v1/staff/"+id, map[string]any{"active": false}, nil)
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("PATCH: %d, want 403", res.StatusCode)
		}
		res.Body.Close()
		c.json(http.MethodGet, "/api/v1/staff/"+id, nil, &st)
		if len(st.Grants) != 1 || st.Grants[0].NodeCode != "SH-PD" {
			t.Errorf("grants shown to a city admin: %+v", st.Grants)
		}
		after, _ := e.srv.Auth.StaffByID(context.Background(), boss.ID)
		if !after.PasswordChangedAt.Equal(before.PasswordChangedAt) || !after.Active || after.Name != before.Name {
			t.Errorf("the account changed: %+v", after)
		}
	})
}
