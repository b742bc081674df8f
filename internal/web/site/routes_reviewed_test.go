package site

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"text/tabwriter"

	"estateclub/internal/auth"
	"estateclub/internal/web"
)

// reviewedFile is the reviewed list of every route of every surface with
// the permission that guards it. The permission walks take their expected
// answers from it, not from the route tables they test: a route registered
// with a wrong but valid permission, or auth.Public on a sensitive route,
// fails until the list says the same, so every change of access shows in
// a diff of this file.
const reviewedFile = "testdata/routes.txt"

const reviewedHeader = `# Every route of the server: surface, method, path and the permission that
# guards it. This list is reviewed: a change here is a change of who may do
# what. The permission walks (TestPermissionWalk, TestPortalWalk) expect the
# answers this list gives; a route table that disagrees fails the suite.
# After a deliberate change of a route table, rewrite it with
#   ESTATECLUB_ROUTES_UPDATE=1 go test ./internal/web/site -run TestReviewedRoutes
# and have the diff reviewed.
`

type reviewedRoute struct {
	surface web.Surface
	perm    auth.Permission
}

// routeList writes routes in the list's form, in the order they are mounted.
func routeList(routes []web.Route) []byte {
	var b bytes.Buffer
	b.WriteString(reviewedHeader)
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, rt := range routes {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", rt.Surface, rt.Method, rt.Path, rt.Perm)
	}
	w.Flush()
	return b.Bytes()
}

// parseRouteList reads the list: pattern → surface and permission.
func parseRouteList(data []byte) (map[string]reviewedRoute, error) {
	out := map[string]reviewedRoute{}
	for i, line := range strings.Split(string(data), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want surface, method, path and permission, got %q", reviewedFile, i+1, line)
		}
		pattern := f[1] + " " + f[2]
		if _, dup := out[pattern]; dup {
			return nil, fmt.Errorf("%s:%d: %s is listed twice", reviewedFile, i+1, pattern)
		}
		out[pattern] = reviewedRoute{surface: web.Surface(f[0]), perm: auth.Permission(f[3])}
	}
	return out, nil
}

// routeDiff lists where the routes and the reviewed list disagree.
func routeDiff(routes []web.Route, list map[string]reviewedRoute) []string {
	var diffs []string
	seen := map[string]bool{}
	for _, rt := range routes {
		seen[rt.Pattern()] = true
		want, ok := list[rt.Pattern()]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s (%s, %s) is not in the reviewed list", rt.Pattern(), rt.Surface, rt.Perm))
		case want.perm != rt.Perm:
			diffs = append(diffs, fmt.Sprintf("%s needs %s in the code but %s in the reviewed list", rt.Pattern(), rt.Perm, want.perm))
		case want.surface != rt.Surface:
			diffs = append(diffs, fmt.Sprintf("%s is on the %s surface in the code but %s in the reviewed list", rt.Pattern(), rt.Surface, want.surface))
		}
	}
	for p := range list {
		if !seen[p] {
			diffs = append(diffs, fmt.Sprintf("%s is in the reviewed list but no longer registered", p))
		}
	}
	return diffs
}

// reviewedRoutes is the server's routes with the permissions of the
// reviewed list; it fails the test where the two disagree.
func reviewedRoutes(t *testing.T, srv *web.Server) []web.Route {
	t.Helper()
	data, err := os.ReadFile(reviewedFile)
	if err != nil {
		t.Fatal(err)
	}
	list, err := parseRouteList(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range routeDiff(srv.Routes(), list) {
		t.Errorf("route table and %s disagree: %s", reviewedFile, d)
	}
	var out []web.Route
	for _, rt := range srv.Routes() {
		if want, ok := list[rt.Pattern()]; ok {
			rt.Perm, rt.Surface = want.perm, want.surface
		}
		out = append(out, rt)
	}
	return out
}

func TestReviewedRoutes(t *testing.T) {
	e := newEnv(t)
	if os.Getenv("ESTATECLUB_ROUTES_UPDATE") != "" {
		if err := os.WriteFile(reviewedFile, routeList(e.srv.Routes()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: review its diff", reviewedFile)
	}
	routes := reviewedRoutes(t, e.srv)
	surfaces := map[web.Surface]int{}
	for _, rt := range routes {
		surfaces[rt.Surface]++
	}
	for _, s := range []web.Surface{web.System, web.Console, web.Counter, web.API, web.Portal} {
		if surfaces[s] == 0 {
			t.Errorf("the reviewed list has no route of the %s surface", s)
		}
	}
}

// A route whose permission changed in code, one made public, one added
// and one removed all show as disagreements with the reviewed list.
func TestReviewedRoutesCatchChanges(t *testing.T) {
	e := newEnv(t)
	data, err := os.ReadFile(reviewedFile)
	if err != nil {
		t.Fatal(err)
	}
	list, err := parseRouteList(data)
	if err != nil {
		t.Fatal(err)
	}
	routes := append([]web.Route(nil), e.srv.Routes()...)
	var weakened, opened, removed string
	for i, rt := range routes {
		switch {
		case rt.Pattern() == "POST /members/{member}/reveal":
			routes[i].Perm = auth.MemberRead // a wrong but valid permission
			weakened = rt.Pattern()
		case rt.Pattern() == "GET /api/v1/members/export":
			routes[i].Perm = auth.Public
			opened = rt.Pattern()
		case rt.Pattern() == "GET /audit":
			removed = rt.Pattern()
		}
	}
	if weakened == "" || opened == "" || removed == "" {
		t.Fatalf("the routes this test changes are gone: %q %q %q", weakened, opened, removed)
	}
	routes = append(routes, web.Route{Method: "GET", Path: "/members/everything", Perm: auth.Authenticated, Surface: web.Console})
	var kept []web.Route
	for _, rt := range routes {
		if rt.Pattern() != removed {
			kept = append(kept, rt)
		}
	}
	diffs := strings.Join(routeDiff(kept, list), "\n")
	for _, want := range []string{
		"POST /members/{member}/reveal needs member.read in the code but member.reveal_pii",
		"GET /api/v1/members/export needs public in the code",
		"GET /members/everything (console, authenticated) is not in the reviewed list",
		"GET /audit is in the reviewed list but no longer registered",
	} {
		if !strings.Contains(diffs, want) {
			t.Errorf("the diff does not say %q:\n%s", want, diffs)
		}
	}
	if d := routeDiff(e.srv.Routes(), list); len(d) != 0 {
		t.Errorf("the server's own routes disagree with the list: %v", d)
	}
}
