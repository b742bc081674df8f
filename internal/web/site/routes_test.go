package site

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/calendar"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// The permission walk: every registered route, called as every role, must
// answer as the route table says it should. A route added without a
// permission, with a permission no role holds, or with a path value this
// file cannot fill makes these tests fail.

// pathParam matches a path value of a ServeMux pattern: {name}, {name...} or {$}.
var pathParam = regexp.MustCompile(`\{([^}]*)\}`)

// routeParams returns the names of a route's path values ({$} is none).
func routeParams(path string) []string {
	var names []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		if name := strings.TrimSuffix(m[1], "..."); name != "$" {
			names = append(names, name)
		}
	}
	return names
}

// walkScope is the set of objects a walk fills path values with.
type walkScope struct {
	node  string      // an org node code
	staff *auth.Staff // an account whose home node is node
	// foreignTokens makes {token} another account's token, not the caller's.
	foreignTokens bool
	// filled holds the values fillPath gave the route's earlier path
	// values, so that a later one can belong to them ({card} of {member}).
	filled map[string]string
}

// fixtureRole is the role of the grants that {grant} names.
const fixtureRole = auth.SalesConsultant

// pathFixtures fills each path value of a route for a caller in a scope.
// Fixtures that a call may use up (a grant or token it revokes) are made
// fresh for every call, so that each (route, role) pair is a real check.
var pathFixtures = map[string]func(t *testing.T, e *testEnv, caller *auth.Staff, sc walkScope) string{
	"node": func(_ *testing.T, _ *testEnv, _ *auth.Staff, sc walkScope) string {
		return sc.node
	},
	"staff": func(_ *testing.T, _ *testEnv, _ *auth.Staff, sc walkScope) string {
		return strconv.FormatInt(sc.staff.ID, 10)
	},
	"grant": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		return strconv.FormatInt(mustFixtureGrant(t, e, sc), 10)
	},
	// A member of an event's route ({event} before it) is registered for it.
	"member": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		m := mustFixtureMember(t, e, sc.node)
		if ev := sc.filled["event"]; ev != "" {
			mustFixtureRegistration(t, e, ev, m.ID, sc)
		}
		return strconv.FormatInt(m.ID, 10)
	},
	// Tier settings belong to the group: see groupWide.
	"tier": func(*testing.T, *testEnv, *auth.Staff, walkScope) string { return "silver" },
	"task": func(*testing.T, *testEnv, *auth.Staff, walkScope) string { return "points.report_rollup" },
	// The working-day calendar belongs to the group: see groupWideRoutes.
	"year": func(*testing.T, *testEnv, *auth.Staff, walkScope) string { return "2026" },
	"date": func(t *testing.T, e *testEnv, _ *auth.Staff, _ walkScope) string {
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
		if err := e.srv.Calendar.SetDays(ctx, []calendar.Day{{Date: "2026-10-01", Kind: calendar.Holiday, Name: "国庆节"}}); err != nil {
			t.Fatal(err)
		}
		return "2026-10-01"
	},
	"change": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		m := mustFixtureMember(t, e, sc.node)
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
		if _, err := e.srv.Members.Review(ctx, m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		c, err := e.srv.Members.RequestTierChange(ctx, m.ID, "gold", "fixture")
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(c.ID, 10)
	},
	"adjustment": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		m := mustFixtureMember(t, e, sc.node)
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
		if _, err := e.srv.Members.Review(ctx, m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		a, err := e.srv.Points.ProposeAdjustment(ctx, points.AdjustmentInput{MemberID: m.ID, Kind: points.Reward, Amount: 10, Reason: "walk"})
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(a.ID, 10)
	},
	"plan": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		return strconv.FormatInt(mustFixturePlan(t, e, sc.node, false).ID, 10)
	},
	"rule": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		id, err := strconv.ParseInt(sc.filled["plan"], 10, 64)
		if err != nil {
			t.Fatalf("{rule} needs {plan} before it: %v", err)
		}
		p, err := e.srv.Points.Plan(context.Background(), id)
		if err != nil || len(p.Rules) == 0 {
			t.Fatalf("plan %d: %+v, %v", id, p, err)
		}
		return strconv.FormatInt(p.Rules[0].ID, 10)
	},
	"revision": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		p := mustFixturePlan(t, e, sc.node, true)
		budget := points.Amounts{Reward: 20_000}
		c, err := e.srv.Points.ProposePlanChange(actorCtx("fixture"), p.ID, points.PlanRevision{Plan: points.PlanUpdate{Budget: &budget}}, "walk")
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(c.ID, 10)
	},
	"run": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		n, err := e.srv.Org.ByCode(context.Background(), sc.node)
		if err != nil {
			t.Fatal(err)
		}
		id, err := e.srv.Jobs.Enqueue(context.Background(), jobs.New{Kind: points.ExpiryJobKind, NodePath: n.Path,
			Params: `{"year":2024,"dry_run":true}`, FileName: "walk"})
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(id, 10)
	},
	// A catalogue item at the scope's node, and an order of one awaiting
	// approval: see mustFixtureItem and mustFixtureOrder.
	"item":  mustFixtureItem,
	"order": mustFixtureOrder,
	"job": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		n, err := e.srv.Org.ByCode(context.Background(), sc.node)
		if err != nil {
			t.Fatal(err)
		}
		id, err := e.srv.Jobs.Enqueue(context.Background(), jobs.New{Kind: web.ImportJob, NodePath: n.Path, FileName: "walk.xlsx"})
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(id, 10)
	},
	// A batch review (批量审核) queued at the scope's node.
	"batch": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		n, err := e.srv.Org.ByCode(context.Background(), sc.node)
		if err != nil {
			t.Fatal(err)
		}
		id, err := e.srv.Jobs.Enqueue(context.Background(), jobs.New{Kind: web.ReviewJob, NodePath: n.Path, FileName: "批量通过 1 条申请"})
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(id, 10)
	},
	// A card issued to {member} if the route names one, else to a fresh
	// member at the scope's node: see mustFixtureCard.
	"card":   mustFixtureCard,
	"number": mustFixtureCard,
	// A lead of the scope's project owned by its consultant, and a claim
	// on such a lead by another consultant.
	"lead": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		return strconv.FormatInt(mustFixtureLead(t, e, sc).ID, 10)
	},
	"claim": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		l := mustFixtureLead(t, e, sc)
		other := e.mustStaff(t, fmt.Sprintf("claimant-%d", fixtureMobiles.Add(1)), auth.SalesConsultant, sc.node)
		c, err := e.srv.Leads.FileClaim(db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: other.ID, Login: other.Login}), l.ID, "walk")
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(c.ID, 10)
	},
	// A complaint with a photo from an approved member at the scope's
	// node, and that photo.
	"request": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		m := mustFixtureMember(t, e, sc.node)
		if _, err := e.srv.Members.Review(actorCtx("fixture"), m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		q, err := e.srv.Requests.Submit(actorCtx("fixture"), request.NewRequest{MemberID: m.ID, Kind: request.Complaint,
			Subkind: request.SubProperty, Text: "walk: 电梯停运", Files: []request.Upload{{Name: "walk.png", Data: pngPhoto(t)}}})
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(q.ID, 10)
	},
	// A request department at the scope's node, and a routing rule to it.
	"department": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		return strconv.FormatInt(mustWalkDepartment(t, e, sc.node), 10)
	},
	"routing_rule": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		n, err := e.srv.Org.ByCode(context.Background(), sc.node)
		if err != nil {
			t.Fatal(err)
		}
		r, err := e.srv.Requests.SaveRule(actorCtx("fixture"), request.RuleInput{NodeID: n.ID, Kind: request.Suggestion,
			DepartmentID: mustWalkDepartment(t, e, sc.node)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(r.ID, 10)
	},
	"file": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		id, err := strconv.ParseInt(sc.filled["request"], 10, 64)
		if err != nil {
			t.Fatalf("{file} needs {request} before it: %v", err)
		}
		q, err := e.srv.Requests.Get(context.Background(), id)
		if err != nil || len(q.Files) == 0 {
			t.Fatalf("request %d: %+v, %v", id, q, err)
		}
		return strconv.FormatInt(q.Files[0].ID, 10)
	},
	// Requests (诉求) settings: a department at the scope's node, and a
	// routing rule there to it.
	"dept": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		return strconv.FormatInt(mustFixtureDepartment(t, e, sc.node).ID, 10)
	},
	"routing": func(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
		d := mustFixtureDepartment(t, e, sc.node)
		r, err := e.srv.Requests.SaveRule(actorCtx("fixture"), request.RuleInput{NodeID: d.NodeID, Kind: request.Suggestion,
			Subkind: request.SubWebsite, DepartmentID: d.ID}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(r.ID, 10)
	},
	// The kinds of request and their subkinds belong to the group: see
	// groupWideRoutes. A fresh subkind for every call, which may retire or
	// re-code it.
	"kind": func(*testing.T, *testEnv, *auth.Staff, walkScope) string { return string(request.Suggestion) },
	"subkind": func(t *testing.T, e *testEnv, _ *auth.Staff, _ walkScope) string {
		d, err := e.srv.Requests.AddSubkind(actorCtx("fixture"), request.Suggestion,
			request.SubkindInput{Name: "walk", NameEN: fmt.Sprintf("walk %d", fixtureMobiles.Add(1))})
		if err != nil {
			t.Fatal(err)
		}
		return string(d.Code)
	},
	// An event published at the scope's node: see mustFixtureEvent.
	"event": mustFixtureEvent,
	// Events after the day, a yearly plan and its items: see events_api_test.go.
	"call":       mustFixtureCall,
	"cost":       mustFixtureCost,
	"event_plan": mustFixtureEventPlan,
	"plan_item":  mustFixturePlanItem,
	"token": func(t *testing.T, e *testEnv, caller *auth.Staff, sc walkScope) string {
		owner := sc.staff
		if !sc.foreignTokens {
			owner = caller
		}
		_, tok, err := e.srv.Auth.CreateToken(context.Background(), owner.ID, "walk", 0)
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(tok.ID, 10)
	},
}

// walkDepartments numbers the departments the walk makes.
var walkDepartments atomic.Int64

// mustWalkDepartment sets up a request department at node.
func mustWalkDepartment(t *testing.T, e *testEnv, node string) int64 {
	t.Helper()
	n, err := e.srv.Org.ByCode(context.Background(), node)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.srv.Requests.SaveDepartment(actorCtx("fixture"), 0, request.DepartmentInput{NodeID: n.ID,
		Code: fmt.Sprintf("walk_%d", walkDepartments.Add(1)), Name: "巡检部门"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func actorCtx(login string) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: login})
}

// mustFixturePlan drafts an ad-hoc plan with one rule at node, approved
// (by someone other than its drafter) if asked.
func mustFixturePlan(t *testing.T, e *testEnv, node string, approved bool) *points.Plan {
	t.Helper()
	today := time.Now().In(web.ChinaTime)
	from := db.DateOf(today.Year(), today.Month(), today.Day())
	p, err := e.srv.Points.CreatePlan(actorCtx("fixture"), points.PlanInput{NodeCode: node, Kind: points.AdHoc, Name: "walk",
		ValidFrom: from, ValidTo: db.Date{Time: from.AddDate(0, 1, 0)}, Budget: points.Amounts{Reward: 10_000},
		Rules: []points.RuleInput{{EventType: points.EvEventAttendance, Kind: points.Reward, Amount: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	if !approved {
		return p
	}
	if _, err := e.srv.Points.SubmitPlan(actorCtx("fixture"), p.ID); err != nil {
		t.Fatal(err)
	}
	if p, err = e.srv.Points.ApprovePlan(actorCtx("fixture-boss"), p.ID); err != nil {
		t.Fatal(err)
	}
	return p
}

var fixtureMobiles atomic.Int64

// mustFixtureDepartment sets up a fresh request department at node.
func mustFixtureDepartment(t *testing.T, e *testEnv, node string) *request.Department {
	t.Helper()
	n, err := e.srv.Org.ByCode(context.Background(), node)
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.srv.Requests.SaveDepartment(actorCtx("fixture"), 0, request.DepartmentInput{NodeID: n.ID,
		Code: fmt.Sprintf("walk_%d", fixtureMobiles.Add(1)), Name: "巡检部门"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// mustFixtureMember makes a fresh member awaiting review at node, so that
// routes that review or change a member always have one to act on.
func mustFixtureMember(t *testing.T, e *testEnv, node string) *member.Member {
	t.Helper()
	mobile := fmt.Sprintf("138%08d", fixtureMobiles.Add(1))
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
	m, _, err := e.srv.Members.Apply(ctx, member.Application{NodeCode: node, Name: "测试会员", Mobile: mobile})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mustFixtureLead registers a walk-in at the scope's project, received by
// the scope's consultant.
func mustFixtureLead(t *testing.T, e *testEnv, sc walkScope) *lead.Lead {
	t.Helper()
	mustFixtureGrant(t, e, sc) // a walked call may have revoked the consultant's role
	owner := sc.staff.ID
	res, err := e.srv.Leads.Register(actorCtx("fixture"), lead.Registration{ProjectCode: sc.node, Source: lead.Visit,
		Mobile: fmt.Sprintf("139%08d", fixtureMobiles.Add(1)), OwnerID: &owner})
	if err != nil || !res.Created {
		t.Fatalf("fixture lead: %+v %v", res, err)
	}
	return res.Lead
}

// groupWideRoutes act on objects that belong to the group as a whole
// without naming one in the path: card designs, tier, expiry and redemption settings,
// the kinds of request.
var groupWideRoutes = []string{"POST /cards/designs", "POST /api/v1/card-designs", "POST /tiers/period", "PUT /api/v1/tiers/period",
	"POST /points/expiry/settings", "POST /points/expiry/runs", "PUT /api/v1/points/expiry", "POST /api/v1/points/expiry/runs",
	"POST /redeem/settings", "PUT /api/v1/redeem/settings", "GET /sms/outbox", "GET /settings", "POST /settings",
	"GET /schedule", "POST /schedule/{task}/run",
	"POST /calendar/days", "POST /calendar/days/{date}/delete", "POST /calendar/hours", "POST /calendar/import",
	"PUT /api/v1/calendar/hours", "DELETE /api/v1/calendar/days/{date}", "PUT /api/v1/calendar/{year}",
	"PUT /api/v1/requests/settings/sla", "PUT /api/v1/requests/settings/close-after",
	"GET /requests/kinds", "POST /requests/kinds/{kind}/names", "POST /requests/kinds/{kind}/subkinds",
	"POST /requests/kinds/{kind}/subkinds/{subkind}", "POST /requests/kinds/{kind}/subkinds/{subkind}/move",
	"PUT /api/v1/request-kinds/{kind}", "POST /api/v1/request-kinds/{kind}/subkinds",
	"PUT /api/v1/request-kinds/{kind}/subkinds/{subkind}", "PUT /api/v1/request-kinds/{kind}/order"}

// unscopedValueRoutes have path values that name no object of the tree
// (a year of the working-day calendar): every caller with the permission
// reads the same thing, so there is nothing out of scope to refuse.
var unscopedValueRoutes = []string{"GET /api/v1/calendar/{year}"}

// groupWide reports whether rt acts on an object that belongs to the group
// as a whole (tier settings, card designs): out of every city's scope.
func groupWide(rt web.Route) bool {
	return slices.Contains(routeParams(rt.Path), "tier") || slices.Contains(groupWideRoutes, rt.Pattern())
}

// mustFixtureGrant returns the id of sc.staff's fixtureRole grant at sc.node,
// granting it again if a revoking call took it away.
func mustFixtureGrant(t *testing.T, e *testEnv, sc walkScope) int64 {
	t.Helper()
	ctx := context.Background()
	find := func(st *auth.Staff) int64 {
		for _, g := range st.Grants {
			if g.Role == fixtureRole && g.NodeCode == sc.node {
				return g.ID
			}
		}
		return 0
	}
	st, err := e.srv.Auth.StaffByID(ctx, sc.staff.ID)
	if err != nil {
		t.Fatal(err)
	}
	if id := find(st); id != 0 {
		return id
	}
	if st, err = e.srv.Auth.GrantRole(ctx, sc.staff.ID, auth.NewGrant{Role: fixtureRole, NodeCode: sc.node}); err != nil {
		t.Fatal(err)
	}
	return find(st)
}

// fillPath replaces a route's path values with fixtures.
func fillPath(t *testing.T, e *testEnv, rt web.Route, caller *auth.Staff, sc walkScope) string {
	t.Helper()
	sc.filled = map[string]string{}
	return pathParam.ReplaceAllStringFunc(rt.Path, func(m string) string {
		name := strings.TrimSuffix(m[1:len(m)-1], "...")
		if name == "$" {
			return ""
		}
		fill, ok := pathFixtures[name]
		if !ok {
			t.Fatalf("route %s has path value {%s} and pathFixtures has no fixture for it: add one", rt.Pattern(), name)
		}
		v := fill(t, e, caller, sc)
		sc.filled[name] = v
		return v
	})
}

// answer is what a walked call got back.
type answer struct {
	status   int
	location string
	code     string // the API error code, if any
}

// call sends rt's method to the route with no form and no body: a handler
// that needed one answers 400, which still shows that it was reached.
func call(t *testing.T, e *testEnv, cl *client, rt web.Route, caller *auth.Staff, sc walkScope) answer {
	t.Helper()
	path := fillPath(t, e, rt, caller, sc)
	var res *http.Response
	switch {
	case rt.Method == http.MethodGet:
		res = cl.get(path)
	case rt.Surface == web.Console || rt.Surface == web.Counter:
		res = cl.postForm(path, nil)
	default:
		res = cl.do(rt.Method, path, nil, "application/json")
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, location: res.Header.Get("Location")}
	if rt.Surface == web.API && res.StatusCode >= 400 {
		var body web.ErrorBody
		raw, _ := io.ReadAll(res.Body)
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Errorf("%s %s: status %d with a body that is not the API error shape: %q", rt.Method, path, res.StatusCode, raw)
		}
		a.code = body.Error.Code
	} else {
		_, _ = io.Copy(io.Discard, res.Body)
	}
	return a
}

// signInRedirect reports whether a console answer sends the caller to sign in.
func (a answer) signInRedirect() bool {
	return a.status == http.StatusSeeOther && strings.HasPrefix(a.location, "/login") && !strings.Contains(a.location, "flash=")
}

// mustBeAllowed checks that a call reached its handler: not refused, not
// hidden, not broken.
func mustBeAllowed(t *testing.T, who string, rt web.Route, a answer) {
	t.Helper()
	switch {
	case a.status == http.StatusUnauthorized, a.status == http.StatusForbidden, a.status == http.StatusNotFound, a.status >= 500:
		t.Errorf("%s: %s answered %d (code %q), want the handler's answer", who, rt.Pattern(), a.status, a.code)
	case (rt.Surface == web.Console || rt.Surface == web.Counter) && a.signInRedirect():
		t.Errorf("%s: %s redirected to sign-in (%s), want the handler's answer", who, rt.Pattern(), a.location)
	}
}

// mustBeRefused checks that a call was refused with want (403 or 404).
func mustBeRefused(t *testing.T, who string, rt web.Route, a answer, want int) {
	t.Helper()
	codes := map[int]string{http.StatusForbidden: "forbidden", http.StatusNotFound: "not_found"}
	if a.status != want {
		t.Errorf("%s: %s answered %d (code %q), want %d", who, rt.Pattern(), a.status, a.code, want)
	} else if rt.Surface == web.API && a.code != codes[want] {
		t.Errorf("%s: %s answered %d with code %q, want %q", who, rt.Pattern(), a.status, a.code, codes[want])
	}
}

// walkedRoutes returns the routes to walk: all but the System ones, with
// the route that ends the session last.
func walkedRoutes(t *testing.T, srv *web.Server) (routes []web.Route, logout web.Route) {
	t.Helper()
	for _, rt := range reviewedRoutes(t, srv) {
		switch {
		case rt.Surface == web.System, rt.Surface == web.Portal: // the portal has its own walk: TestPortalWalk
		case rt.Pattern() == "POST /logout":
			logout = rt
		default:
			routes = append(routes, rt)
		}
	}
	if logout.Path == "" || len(routes) == 0 {
		t.Fatalf("no routes to walk (logout %+v, %d others)", logout, len(routes))
	}
	return routes, logout
}

func TestRoutesDeclarePermissions(t *testing.T) {
	e := newEnv(t)
	routes := e.srv.Routes()
	if len(routes) < 40 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	seen := map[string]bool{}
	for _, rt := range routes {
		if seen[rt.Pattern()] {
			t.Errorf("%s is registered twice", rt.Pattern())
		}
		seen[rt.Pattern()] = true
		if rt.Perm == "" {
			t.Errorf("%s declares no permission", rt.Pattern())
			continue
		}
		granted := rt.Perm == auth.Public || rt.Perm == auth.Authenticated ||
			rt.Surface == web.Portal && (rt.Perm == web.PortalSignedIn || rt.Perm == web.PortalMember)
		for _, role := range auth.Roles {
			granted = granted || slices.Contains(role.Permissions(), rt.Perm)
		}
		if !granted {
			t.Errorf("%s needs %q, which no role grants: nobody could use it", rt.Pattern(), rt.Perm)
		}
		switch rt.Surface {
		case web.System:
			if rt.Perm != auth.Public {
				t.Errorf("system route %s needs %q; system routes are public", rt.Pattern(), rt.Perm)
			}
		case web.API:
			if !strings.HasPrefix(rt.Path, "/api/v1/") {
				t.Errorf("API route %s is outside /api/v1/", rt.Pattern())
			}
		case web.Console, web.Counter:
			if strings.HasPrefix(rt.Path, "/api/") || strings.HasPrefix(rt.Path, "/m/") {
				t.Errorf("console route %s is under /api/ or the portal's /m/", rt.Pattern())
			}
		case web.Portal:
			if rt.Path != "/m" && !strings.HasPrefix(rt.Path, "/m/") {
				t.Errorf("portal route %s is outside /m/", rt.Pattern())
			}
			if rt.Perm != auth.Public && rt.Perm != web.PortalSignedIn && rt.Perm != web.PortalMember {
				t.Errorf("portal route %s needs %q; portal routes need a member session, not a staff permission", rt.Pattern(), rt.Perm)
			}
			continue
		default:
			t.Errorf("%s has unknown surface %q", rt.Pattern(), rt.Surface)
		}
		if rt.Surface == web.System {
			continue
		}
		for _, name := range routeParams(rt.Path) {
			if _, ok := pathFixtures[name]; !ok {
				t.Errorf("%s has path value {%s} that the permission walk cannot fill: add it to pathFixtures", rt.Pattern(), name)
			}
		}
	}
}

func TestPermissionWalk(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := context.Background()
		routes, logout := walkedRoutes(t, e.srv)
		in := walkScope{node: "SH-PD", staff: e.mustStaff(t, "target-shpd", fixtureRole, "SH-PD")}
		out := walkScope{node: "HZ-XH", staff: e.mustStaff(t, "target-hzxh", fixtureRole, "HZ-XH"), foreignTokens: true}
		checked := map[string]int{}

		t.Run("anonymous", func(t *testing.T) {
			cl := e.anon(t)
			for _, rt := range append(routes, logout) {
				a := call(t, e, cl, rt, out.staff, out)
				switch {
				case rt.Perm == auth.Public:
					mustBeAllowed(t, "anonymous", rt, a)
				case rt.Surface == web.API:
					if a.status != http.StatusUnauthorized || a.code != "unauthorized" {
						t.Errorf("anonymous: %s answered %d (code %q), want 401 unauthorized", rt.Pattern(), a.status, a.code)
					}
				case !a.signInRedirect():
					t.Errorf("anonymous: %s answered %d → %q, want a redirect to sign in", rt.Pattern(), a.status, a.location)
				}
			}
		})

		// City-level roles: every role held at SH, objects at SH-PD are theirs
		// and objects at HZ-XH do not exist for them.
		t.Run("city", func(t *testing.T) {
			for _, role := range auth.Roles {
				t.Run(string(role), func(t *testing.T) {
					st := e.mustStaff(t, "city-"+string(role), role, "SH")
					cl, bearer := e.mustLogin(t, st.Login), e.mustToken(t, st.Login)
					for _, rt := range routes {
						who := string(role) + "@SH"
						if groupWide(rt) {
							want := http.StatusForbidden
							if role.Has(rt.Perm) {
								want = http.StatusNotFound
							}
							mustBeRefused(t, who+" (group-wide object)", rt, call(t, e, cl, rt, st, in), want)
							checked[rt.Pattern()]++
							continue
						}
						checkInScope(t, who, role, rt, call(t, e, cl, rt, st, in))
						checked[rt.Pattern()]++
						if rt.Surface == web.API {
							checkInScope(t, who+" (bearer)", role, rt, call(t, e, bearer, rt, st, in))
						}
						if len(routeParams(rt.Path)) == 0 || slices.Contains(unscopedValueRoutes, rt.Pattern()) {
							continue
						}
						// The permission is checked before the scope: a role
						// without it learns nothing about the object (403);
						// one with it is told the object does not exist (404).
						want := http.StatusForbidden
						if role.Has(rt.Perm) {
							want = http.StatusNotFound
						}
						mustBeRefused(t, who+" out of scope", rt, call(t, e, cl, rt, st, out), want)
					}
					mustWalkLogout(t, string(role)+"@SH", e, cl, logout, st, in)
					checked[logout.Pattern()]++
				})
			}
		})

		t.Run("out of scope objects are unchanged", func(t *testing.T) {
			n, err := e.srv.Org.ByCode(ctx, "HZ-XH")
			if err != nil || n.Name != "西湖·云栖里" {
				t.Errorf("HZ-XH is now %+v (%v)", n, err)
			}
			st, err := e.srv.Auth.StaffByID(ctx, out.staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			if st.Name != out.staff.Name || !st.Active || !st.PasswordChangedAt.Equal(out.staff.PasswordChangedAt) ||
				len(st.Grants) != 1 || st.Grants[0].ID != out.staff.Grants[0].ID {
				t.Errorf("the HZ-XH account changed:\nwas %+v\nnow %+v", out.staff, st)
			}
			toks, err := e.srv.Auth.ListTokens(ctx, out.staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range toks {
				if tok.RevokedAt != nil {
					t.Errorf("a city-level caller revoked the HZ-XH account's token %d", tok.ID)
				}
			}
		})

		// Group-level roles reach HZ-XH like their own objects.
		t.Run("group", func(t *testing.T) {
			sc := out
			sc.foreignTokens = false
			for _, role := range auth.Roles {
				t.Run(string(role), func(t *testing.T) {
					st := e.mustStaff(t, "group-"+string(role), role, "GROUP")
					cl := e.mustLogin(t, st.Login)
					for _, rt := range routes {
						checkInScope(t, string(role)+"@GROUP", role, rt, call(t, e, cl, rt, st, sc))
						checked[rt.Pattern()]++
					}
					mustWalkLogout(t, string(role)+"@GROUP", e, cl, logout, st, sc)
					checked[logout.Pattern()]++
				})
			}
		})

		for _, rt := range append(routes, logout) {
			if n := checked[rt.Pattern()]; n != 2*len(auth.Roles) {
				t.Errorf("%s was walked %d times, want once per role at each level (%d)", rt.Pattern(), n, 2*len(auth.Roles))
			}
		}
	})
}

// checkInScope checks a call on objects within the caller's reach: allowed
// when the role has the route's permission, else exactly 403.
func checkInScope(t *testing.T, who string, role auth.Role, rt web.Route, a answer) {
	t.Helper()
	if role.Has(rt.Perm) {
		mustBeAllowed(t, who, rt, a)
	} else {
		mustBeRefused(t, who, rt, a, http.StatusForbidden)
	}
}

// mustWalkLogout walks the session-ending route last and checks the session ended.
func mustWalkLogout(t *testing.T, who string, e *testEnv, cl *client, logout web.Route, st *auth.Staff, sc walkScope) {
	t.Helper()
	mustBeAllowed(t, who, logout, call(t, e, cl, logout, st, sc))
	res := cl.get("/")
	res.Body.Close()
	if a := (answer{status: res.StatusCode, location: res.Header.Get("Location")}); !a.signInRedirect() {
		t.Errorf("%s: after %s, GET / answered %d → %q, want a redirect to sign in", who, logout.Pattern(), a.status, a.location)
	}
}
