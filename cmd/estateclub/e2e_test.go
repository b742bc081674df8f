package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

// binary is the estateclub command built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "estateclub-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "estateclub")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build estateclub:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cleanEnv is the environment without any ESTATECLUB_ setting of the caller.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ESTATECLUB_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// cli runs the command and returns its output and exit code.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code == -1 {
		t.Fatalf("run %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func mustCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, errs, code := cli(t, stdin, args...)
	if code != 0 {
		t.Fatalf("estateclub %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// server is a running `estateclub serve` process.
type server struct {
	URL    string
	Stdout *testfix.Buffer // everything printed after the listening line
	cmd    *exec.Cmd
}

var listenRe = regexp.MustCompile(`estateclub listening on (http://\S+)`)

// startServer runs `estateclub serve` on port 0 with args and waits until it listens.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	return startServerEnv(t, nil, args...)
}

// startServerEnv is startServer with extra environment variables.
func startServerEnv(t *testing.T, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = cleanEnv(env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var logs testfix.Buffer // written by exec's copying goroutine, read on failure
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, Stdout: &testfix.Buffer{}}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if m := listenRe.FindStringSubmatch(line); m != nil {
				found <- m[1]
				continue
			}
			s.Stdout.WriteString(line + "\n")
		}
	}()
	select {
	case s.URL = <-found:
	case <-time.After(3 * time.Minute):
		t.Fatalf("server did not start; logs:\n%s", logs.String())
	}
	waitReady(t, s.URL)
	return s
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s/readyz never answered 200", base)
}

// browser is an HTTP client with cookies that does not follow redirects.
type browser struct {
	t    *testing.T
	http *http.Client
	csrf string
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) get(u string) (int, string) {
	b.t.Helper()
	res, err := b.http.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if m := csrfRe.FindStringSubmatch(string(body)); m != nil {
		b.csrf = m[1]
	}
	return res.StatusCode, string(body)
}

func (b *browser) post(u string, vals url.Values) (int, string) {
	b.t.Helper()
	if b.csrf != "" {
		vals.Set("csrf", b.csrf)
	}
	res, err := b.http.PostForm(u, vals)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, string(body)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// mustSignIn logs in through the form and loads the dashboard.
func (b *browser) mustSignIn(base, login, password string) string {
	b.t.Helper()
	code, body := b.post(base+"/login", url.Values{"login": {login}, "password": {password}, "next": {"/"}})
	if code != http.StatusSeeOther {
		b.t.Fatalf("login %s at %s: %d\n%s", login, base, code, body)
	}
	code, body = b.get(base + "/")
	if code != http.StatusOK {
		b.t.Fatalf("dashboard after login: %d\n%s", code, body)
	}
	return body
}

func TestServeDemoOnSQLite(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, "--demo", "--data-dir", dir)
	out := s.Stdout.String()
	for _, want := range []string{"club2026", "admin", "sh.specialist", "pd.consultant", "auditor", "merchant_staff"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "estateclub.db")); err != nil {
		t.Fatalf("no SQLite file in the data dir: %v", err)
	}
	b := newBrowser(t)
	body := b.mustSignIn(s.URL, "admin", "club2026")
	// The console opens in Chinese with the demo tree's real counts.
	for _, want := range []string{`lang="zh-CN"`, "概览", `id="count-city">4<`, `id="count-project">8<`, `id="count-region">2<`} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	out, _, _ = cli(t, "", "org", "list", "--data-dir", dir)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 15 || !strings.HasPrefix(lines[0], "GROUP\tgroup") {
		t.Fatalf("org list while serving: %d lines:\n%s", len(lines), out)
	}
}

func TestServeOnPostgres(t *testing.T) {
	dsn := dbtest.DSN(t, db.Postgres)
	// The first administrator of a real install comes from the command line.
	out := mustCLI(t, "s3cret-pass1\n", "user", "add", "--db", dsn, "--login", "root.admin", "--name", "管理员", "--role", "admin", "--org", "GROUP")
	if !strings.Contains(out, "created root.admin") || strings.Contains(out, "password:") {
		t.Fatalf("user add: %s", out)
	}
	s := startServer(t, "--db", dsn, "--data-dir", t.TempDir())
	res, err := http.Get(s.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"postgres"`) {
		t.Fatalf("readyz: %s", body)
	}
	b := newBrowser(t)
	if page := b.mustSignIn(s.URL, "root.admin", "s3cret-pass1"); !strings.Contains(page, "概览") {
		t.Fatalf("dashboard not in Chinese:\n%s", page)
	}
}

// Two serve processes on one PostgreSQL behave as one service: a session
// made on one works on the other, and so does the login throttle.
func TestTwoServersShareState(t *testing.T) {
	dsn := dbtest.DSN(t, db.Postgres)
	mustCLI(t, "s3cret-pass1\n", "user", "add", "--db", dsn, "--login", "ops", "--name", "运维", "--role", "admin")
	mustCLI(t, "s3cret-pass1\n", "user", "add", "--db", dsn, "--login", "victim", "--name", "被测", "--role", "auditor")
	// Servers of one service share the personal-data key.
	key := []string{"ESTATECLUB_KEY=" + strings.Repeat("ab", 32)}
	a := startServerEnv(t, key, "--db", dsn, "--data-dir", t.TempDir())
	bsrv := startServerEnv(t, key, "--db", dsn, "--data-dir", t.TempDir())

	br := newBrowser(t)
	br.mustSignIn(a.URL, "ops", "s3cret-pass1")
	// The cookie jar is per host:port, so copy the session cookie to B.
	au, _ := url.Parse(a.URL)
	bu, _ := url.Parse(bsrv.URL)
	br.http.Jar.SetCookies(bu, br.http.Jar.Cookies(au))
	code, body := br.get(bsrv.URL + "/org")
	if code != http.StatusOK || !strings.Contains(body, "GROUP") {
		t.Fatalf("session from A on B: %d", code)
	}
	// A form made on A posts on B (the CSRF token is the session's).
	code, _ = br.post(bsrv.URL+"/org", url.Values{"parent": {"GROUP"}, "kind": {"region"}, "code": {"NORTH"}, "name": {"华北事业部"}})
	if code != http.StatusSeeOther {
		t.Fatalf("create node on B with A's session: %d", code)
	}
	if out := mustCLI(t, "", "org", "list", "--db", dsn); !strings.Contains(out, "NORTH\tregion") {
		t.Fatalf("node made on B missing:\n%s", out)
	}
	// Signing out on B ends the session on A too.
	if code, _ := br.post(bsrv.URL+"/logout", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("logout on B: %d", code)
	}
	br.http.Jar.SetCookies(au, br.http.Jar.Cookies(bu))
	if code, _ := br.get(a.URL + "/org"); code != http.StatusSeeOther {
		t.Fatalf("A still accepts a session ended on B: %d", code)
	}
	// Failed logins spread over both servers lock the account on both.
	for i := range 5 {
		srv := a
		if i%2 == 1 {
			srv = bsrv
		}
		code, _ := newBrowser(t).post(srv.URL+"/login", url.Values{"login": {"victim"}, "password": {"wrong-pass1"}})
		if code != http.StatusUnauthorized {
			t.Fatalf("failed login %d: %d", i, code)
		}
	}
	code, body = newBrowser(t).post(a.URL+"/login", url.Values{"login": {"victim"}, "password": {"s3cret-pass1"}})
	if code != http.StatusTooManyRequests || !strings.Contains(body, "秒后再试") {
		t.Fatalf("6th attempt right after 5 failures on two servers: %d", code)
	}
}

func TestCommandLine(t *testing.T) {
	dir := t.TempDir()
	out := mustCLI(t, "", "migrate", "--data-dir", dir)
	if !strings.Contains(out, "00001") || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: %s", out)
	}
	// A new database starts with the group's root node.
	out = mustCLI(t, "", "org", "list", "--data-dir", dir)
	if strings.TrimSpace(out) != "GROUP\tgroup\t-\t集团" {
		t.Fatalf("fresh org list: %q", out)
	}
	mustCLI(t, "", "org", "add", "--data-dir", dir, "--parent", "GROUP", "--kind", "region", "--code", "west", "--name", "西部事业部")
	mustCLI(t, "", "org", "add", "--data-dir", dir, "--parent", "WEST", "--kind", "city", "--code", "CD", "--name", "成都城市公司")
	out = mustCLI(t, "", "org", "list", "--data-dir", dir)
	want := "GROUP\tgroup\t-\t集团\nWEST\tregion\tGROUP\t西部事业部\nCD\tcity\tWEST\t成都城市公司\n"
	if out != want {
		t.Fatalf("org list:\n%s\nwant:\n%s", out, want)
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"unknown parent", []string{"org", "add", "--parent", "NOPE", "--kind", "city", "--code", "X1", "--name", "x"}, "上级节点 NOPE 不存在"},
		{"wrong kind", []string{"org", "add", "--parent", "GROUP", "--kind", "city", "--code", "X2", "--name", "x"}, "集团下只能建事业部"},
		{"bad kind", []string{"org", "add", "--parent", "GROUP", "--kind", "planet", "--code", "X3", "--name", "x"}, "kind must be one of"},
		{"duplicate code", []string{"org", "add", "--parent", "GROUP", "--kind", "region", "--code", "WEST", "--name", "x"}, "WEST 已被使用"},
		{"unknown org for user", []string{"user", "add", "--login", "zed", "--name", "Z", "--role", "admin", "--org", "MARS"}, "MARS 不存在"},
		{"unknown role", []string{"user", "add", "--login", "zed", "--name", "Z", "--role", "king"}, "unknown role king"},
		{"missing flag", []string{"org", "add", "--parent", "GROUP"}, "required flag"},
		{"token for nobody", []string{"token", "create", "--login", "ghost"}, "not found"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, errs, code := cli(t, "", append(tc.args, "--data-dir", dir)...)
			if code == 0 || !strings.Contains(errs, tc.want) {
				t.Fatalf("exit %d, stderr %q; want failure mentioning %q", code, errs, tc.want)
			}
		})
	}
	// Nothing of the failed commands was written.
	if out := mustCLI(t, "", "org", "list", "--data-dir", dir); out != want {
		t.Fatalf("failed commands changed the tree:\n%s", out)
	}

	// A password on stdin is used; without one a password is generated and printed.
	mustCLI(t, "given-pass1\n", "user", "add", "--data-dir", dir, "--login", "cd.admin", "--name", "成都管理员", "--role", "admin", "--org", "CD")
	out = mustCLI(t, "", "user", "add", "--data-dir", dir, "--login", "cd.audit", "--name", "审计", "--role", "auditor@WEST", "--org", "CD")
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no generated password printed: %s", out)
	}
	tok := strings.TrimSpace(mustCLI(t, "", "token", "create", "--data-dir", dir, "--login", "cd.audit"))
	if !strings.HasPrefix(tok, "ec_") {
		t.Fatalf("token: %q", tok)
	}

	s := startServer(t, "--data-dir", dir)
	newBrowser(t).mustSignIn(s.URL, "cd.admin", "given-pass1")
	newBrowser(t).mustSignIn(s.URL, "cd.audit", m[1])
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"login":"cd.audit"`) {
		t.Fatalf("token from the CLI: %d %s", res.StatusCode, body)
	}
	// The command line works while the server holds the same SQLite file.
	mustCLI(t, "", "org", "add", "--data-dir", dir, "--parent", "CD", "--kind", "project", "--code", "CD-GX", "--name", "高新·天府里")
}

func TestEnvironmentConfiguresServe(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(binary, "org", "list")
	cmd.Env = cleanEnv("ESTATECLUB_DATA_DIR=" + dir)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "GROUP") {
		t.Fatalf("org list with ESTATECLUB_DATA_DIR: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "estateclub.db")); err != nil {
		t.Fatalf("ESTATECLUB_DATA_DIR not used: %v", err)
	}
	other := filepath.Join(t.TempDir(), "x.db")
	cmd = exec.Command(binary, "migrate")
	cmd.Env = cleanEnv("ESTATECLUB_DATA_DIR="+dir, "ESTATECLUB_DB="+other)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("migrate with ESTATECLUB_DB: %v %s", err, out)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("ESTATECLUB_DB not used: %v", err)
	}
}

// A server refuses to start with a personal-data key other than the one the
// database was written with: it would write data no one can read.
func TestWrongKeyIsRefused(t *testing.T) {
	dir := t.TempDir()
	startServerEnv(t, []string{"ESTATECLUB_KEY=" + strings.Repeat("cd", 32)}, "--data-dir", dir)
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = cleanEnv("ESTATECLUB_KEY=" + strings.Repeat("ef", 32))
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "密钥与数据库不匹配") {
		t.Fatalf("serve with another key: %v\n%s", err, out)
	}
	cmd = exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = cleanEnv("ESTATECLUB_KEY=short")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "ESTATECLUB_KEY") {
		t.Fatalf("serve with a malformed key: %v\n%s", err, out)
	}
}
