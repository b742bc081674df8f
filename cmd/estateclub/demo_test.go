package main

import (
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// serve --demo on an empty PostgreSQL database: it fills the demo club,
// prints the logins, a printed login signs in and sees the demo's tree;
// the ledger verifies; a second server started with --demo on the same
// database comes up on the finished demo without filling it again.
func TestServeDemoOnPostgres(t *testing.T) {
	dsn := dbtest.DSN(t, db.Postgres)
	dir := t.TempDir()
	s := startServer(t, "--demo", "--db", dsn, "--data-dir", dir)
	out := s.Stdout.String()
	m := regexp.MustCompile(`(?m)^\s+(sh\.supervisor)\s+\S+\s+city_supervisor`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "club2026") {
		t.Fatalf("no demo logins printed:\n%s", out)
	}
	body := newBrowser(t).mustSignIn(s.URL, m[1], "club2026")
	for _, want := range []string{`lang="zh-CN"`, `id="count-city">1<`, `id="count-project">2<`} {
		if !strings.Contains(body, want) {
			t.Errorf("the Shanghai supervisor's dashboard lacks %q", want)
		}
	}
	b := newBrowser(t)
	b.mustSignIn(s.URL, "supervisor", "club2026")
	if code, page := b.get(s.URL + "/members?q=林晓雨"); code != 200 || !strings.Contains(page, "林") {
		t.Errorf("members search for the portal member: %d", code)
	}
	if out := mustCLI(t, "", "points", "verify", "--db", dsn); !strings.Contains(out, "ok: every balance equals its postings") {
		t.Errorf("points verify on the demo: %s", out)
	}
	again := startServer(t, "--demo", "--db", dsn, "--data-dir", dir)
	newBrowser(t).mustSignIn(again.URL, "pd.consultant", "club2026")
	if out := mustCLI(t, "", "org", "list", "--db", dsn); strings.Count(out, "\n") != 15 {
		t.Errorf("org list after a second start: %d lines\n%s", strings.Count(out, "\n"), out)
	}
}
