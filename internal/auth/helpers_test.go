package auth_test

import (
	"context"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

// password passes the policy; every test account starts with it.
const password = "Passw0rd-2025"

// start is a Beijing morning: the fake clock runs in UTC+8 so that any
// place that forgets to convert to UTC shows up.
var start = time.Date(2025, 3, 10, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// fixture is one database with an org tree, an auth service and a clock
// that only moves when told.
type fixture struct {
	d     *db.DB
	svc   *auth.Service
	now   time.Time
	nodes map[string]*org.Node
}

func (f *fixture) advance(d time.Duration) { f.now = f.now.Add(d) }

// mustFixture builds, on d:
//
//	GROUP
//	├── EAST: SH (SH-P1, SH-P2), HZ (HZ-P1)
//	└── SOUTH: SZ (SZ-P1)
func mustFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{d: d, svc: auth.NewService(d), now: start, nodes: map[string]*org.Node{}}
	d.Clock = func() time.Time { return f.now }
	orgs := &org.Service{DB: d}
	root, err := orgs.ByCode(context.Background(), "GROUP")
	if err != nil {
		t.Fatal(err)
	}
	f.nodes["GROUP"] = root
	for _, n := range []struct {
		parent string
		kind   org.Kind
		code   string
		name   string
	}{
		{"GROUP", org.Region, "EAST", "华东事业部"},
		{"GROUP", org.Region, "SOUTH", "华南事业部"},
		{"EAST", org.City, "SH", "上海城市公司"},
		{"EAST", org.City, "HZ", "杭州城市公司"},
		{"SOUTH", org.City, "SZ", "深圳城市公司"},
		{"SH", org.Project, "SH-P1", "滨江壹号"},
		{"SH", org.Project, "SH-P2", "浦东花园"},
		{"HZ", org.Project, "HZ-P1", "西溪府"},
		{"SZ", org.Project, "SZ-P1", "前海湾"},
	} {
		node, err := orgs.Create(context.Background(), org.NewNode{ParentCode: n.parent, Kind: n.kind, Code: n.code, Name: n.name})
		if err != nil {
			t.Fatalf("create %s: %v", n.code, err)
		}
		f.nodes[n.code] = node
	}
	return f
}

func (f *fixture) path(code string) string { return f.nodes[code].Path }

// mustStaff creates an account at home with the password and grants.
func mustStaff(t *testing.T, f *fixture, login, home string, grants ...auth.NewGrant) *auth.Staff {
	t.Helper()
	st, err := f.svc.CreateStaff(context.Background(), auth.NewStaff{Login: login, Name: "员工 " + login, NodeCode: home, Password: password, Grants: grants})
	if err != nil {
		t.Fatalf("create staff %s: %v", login, err)
	}
	return st
}

func grant(r auth.Role, node string) auth.NewGrant { return auth.NewGrant{Role: r, NodeCode: node} }

// mustLogin signs in and checks the session it gets.
func mustLogin(t *testing.T, f *fixture, login, pw string) *auth.Session {
	t.Helper()
	sess, st, err := f.svc.Login(context.Background(), login, pw, "192.0.2.1", "test-agent")
	if err != nil {
		t.Fatalf("login %s: %v", login, err)
	}
	if sess.Token == "" || sess.IDHash != auth.HashToken(sess.Token) || sess.StaffID != st.ID || sess.CSRFToken == "" {
		t.Fatalf("session = %+v for staff %d", sess, st.ID)
	}
	return sess
}

// mustAuthenticate resolves a session token that must be valid.
func mustAuthenticate(t *testing.T, f *fixture, token string) (*auth.Principal, *auth.Session) {
	t.Helper()
	p, sess, err := f.svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("authenticate at %v: %v", f.now, err)
	}
	return p, sess
}

// mustToken makes an API token and returns its raw value.
func mustToken(t *testing.T, f *fixture, staffID int64, ttl time.Duration) (string, *auth.Token) {
	t.Helper()
	raw, tok, err := f.svc.CreateToken(context.Background(), staffID, "test", ttl)
	if err != nil {
		t.Fatalf("create token: %v", err)
	}
	return raw, tok
}

// mustPrincipal resolves a staff member's principal through a new token.
func mustPrincipal(t *testing.T, f *fixture, staffID int64) *auth.Principal {
	t.Helper()
	raw, _ := mustToken(t, f, staffID, 0)
	p, err := f.svc.AuthenticateToken(context.Background(), raw)
	if err != nil {
		t.Fatalf("authenticate token: %v", err)
	}
	return p
}

// mustCount runs a SELECT count(*) query.
func mustCount(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	err := d.View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.Count(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// mustAudit returns the entries of one action, newest first.
func mustAudit(t *testing.T, d *db.DB, f audit.Filter) []audit.Entry {
	t.Helper()
	f.Unscoped = true
	f.Limit = 500
	entries, _, err := audit.List(context.Background(), d, f)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// mustErr checks an error's code and, when given, its field.
func mustErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if field != "" {
		if got := apperr.As(err).Field; got != field {
			t.Errorf("field = %q, want %q", got, field)
		}
	}
}
