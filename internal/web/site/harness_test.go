package site

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/org"
	"estateclub/internal/testfix"
	"estateclub/internal/web"
)

// testPassword is the password of every account the harness makes.
const testPassword = "passw0rd-test"

// testEnv is a real Server on a real database behind httptest, with a small
// org tree: GROUP → EAST → {SH → SH-PD, HZ → HZ-XH}.
type testEnv struct {
	t   testing.TB
	d   *db.DB
	fix *testfix.Env // the store's fixtures the server runs over
	srv *web.Server
	ts  *httptest.Server
}

// forEachEngine runs fn on a fresh environment per database engine.
func forEachEngine(t *testing.T, fn func(t *testing.T, e *testEnv)) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		fn(t, newEnvOn(t, d))
	})
}

func newEnv(t testing.TB) *testEnv { return newEnvOn(t, dbtest.Open(t, db.SQLite)) }

func newEnvOn(t testing.TB, d *db.DB) *testEnv { return newEnvLogging(t, d, nil) }

// newEnvLogging is newEnvOn with the server's log written, as JSON, to logs.
func newEnvLogging(t testing.TB, d *db.DB, logs io.Writer) *testEnv {
	t.Helper()
	var log *slog.Logger
	if logs != nil {
		log = slog.New(slog.NewJSONHandler(logs, nil))
	} else {
		logs = io.Discard
		if os.Getenv("ESTATECLUB_TEST_LOG") != "" {
			logs = os.Stderr // server logs, for debugging a failing test
		}
		log = slog.New(slog.NewTextHandler(logs, nil))
	}
	// The store's fixtures (testfix) build the tree, the keys and the
	// services; the server runs over them.
	fix := testfix.New(t, d, testfix.WithTree(
		org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: "EAST", Name: "华东事业部"},
		org.NewNode{ParentCode: "EAST", Kind: org.City, Code: "SH", Name: "上海城市公司"},
		org.NewNode{ParentCode: "SH", Kind: org.Project, Code: "SH-PD", Name: "浦东·滨江府"},
		org.NewNode{ParentCode: "EAST", Kind: org.City, Code: "HZ", Name: "杭州城市公司"},
		org.NewNode{ParentCode: "HZ", Kind: org.Project, Code: "HZ-XH", Name: "西湖·云栖里"},
	))
	srv, err := New(web.Config{Version: "test", Keys: fix.Keys}, d, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &testEnv{t: t, d: d, srv: srv, fix: fix}
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// mustStaff makes an account holding role at orgCode (no role if empty).
func (e *testEnv) mustStaff(t testing.TB, login string, role auth.Role, orgCode string) *auth.Staff {
	t.Helper()
	in := auth.NewStaff{Login: login, Name: "测试 " + login, NodeCode: orgCode, Password: testPassword}
	if role != "" {
		in.Grants = []auth.NewGrant{{Role: role, NodeCode: orgCode}}
	}
	return e.fix.NewStaff(t, in)
}

// client is a browser-like HTTP client with a cookie jar and the session's CSRF token.
type client struct {
	t     testing.TB
	base  string
	http  *http.Client
	csrf  string
	token string // bearer token, for API clients
	lang  string // Accept-Language
	// header holds extra request headers (Idempotency-Key).
	header map[string]string
}

func (e *testEnv) anon(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: e.ts.URL, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// mustLogin signs in through the login form and picks up the CSRF token.
func (e *testEnv) mustLogin(t testing.TB, login string) *client {
	t.Helper()
	c := e.anon(t)
	res := c.postForm("/login", url.Values{"login": {login}, "password": {testPassword}, "next": {"/account"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: status %d: %s", login, res.StatusCode, readBody(res))
	}
	res.Body.Close()
	page := c.get("/account")
	body := readBody(page)
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on /account for %s (status %d)", login, page.StatusCode)
	}
	c.csrf = m[1]
	return c
}

// mustToken returns an API client with a bearer token for login.
func (e *testEnv) mustToken(t testing.TB, login string) *client {
	t.Helper()
	st, err := e.srv.Auth.StaffByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	raw, _, err := e.srv.Auth.CreateToken(context.Background(), st.ID, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := e.anon(t)
	c.token = raw
	return c
}

func (c *client) do(method, path string, body io.Reader, contentType string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	} else if c.csrf != "" && method != http.MethodGet && strings.HasPrefix(path, "/api/") {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

func (c *client) get(path string) *http.Response { return c.do(http.MethodGet, path, nil, "") }

// postForm posts a form, adding the session's CSRF token unless vals has one.
func (c *client) postForm(path string, vals url.Values) *http.Response {
	if vals == nil {
		vals = url.Values{}
	}
	if c.csrf != "" && !vals.Has("csrf") {
		vals.Set("csrf", c.csrf)
	}
	return c.do(http.MethodPost, path, strings.NewReader(vals.Encode()), "application/x-www-form-urlencoded")
}

// json sends v as a JSON body (nil: no body) and decodes the answer into out (if not nil).
func (c *client) json(method, path string, v any, out any) *http.Response {
	c.t.Helper()
	var body io.Reader
	if v != nil {
		b, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	res := c.do(method, path, body, "application/json")
	if out != nil {
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: status %d, body %q: %v", method, path, res.StatusCode, raw, err)
		}
	}
	return res
}

func readBody(res *http.Response) string {
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return string(b)
}
