package lead_test

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// fixture is a lead service on a small tree with staff:
//
//	GROUP → EAST (华东事业部) → SH (上海城市公司) → SH-PD (浦东项目), SH-XH (徐汇项目)
//
// wang, li and zhao are consultants of SH-PD, zhou of SH-XH; chen is the
// sales manager of SH; admin is the sales administrator of SH-PD.
type fixture struct {
	d       *db.DB
	svc     *lead.Service
	members *member.Service
	points  *points.Service
	staff   map[string]int64
	mobiles atomic.Int64
	now     atomic.Pointer[time.Time]
}

var cst = time.FixedZone("CST", 8*3600)

func mustFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	keys, err := pii.NewKeys(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, staff: map[string]int64{}}
	f.members = &member.Service{DB: d, Keys: keys}
	f.points = &points.Service{DB: d, Members: f.members}
	f.svc = &lead.Service{DB: d, Keys: keys, Members: f.members, Points: f.points}
	start := time.Date(2025, 3, 10, 10, 0, 0, 0, cst)
	f.now.Store(&start)
	d.Clock = func() time.Time { return *f.now.Load() }
	orgs := &org.Service{DB: d}
	for _, n := range []org.NewNode{
		{ParentCode: "GROUP", Kind: org.Region, Code: "EAST", Name: "华东事业部"},
		{ParentCode: "EAST", Kind: org.City, Code: "SH", Name: "上海城市公司"},
		{ParentCode: "SH", Kind: org.Project, Code: "SH-PD", Name: "浦东项目"},
		{ParentCode: "SH", Kind: org.Project, Code: "SH-XH", Name: "徐汇项目"},
	} {
		if _, err := orgs.Create(system(), n); err != nil {
			t.Fatalf("create %s: %v", n.Code, err)
		}
	}
	for _, s := range []struct{ login, name, role, node string }{
		{"wang", "王芳", "sales_consultant", "SH-PD"}, {"li", "李强", "sales_consultant", "SH-PD"},
		{"zhao", "赵敏", "sales_consultant", "SH-PD"}, {"zhou", "周杰", "sales_consultant", "SH-XH"},
		{"chen", "陈经理", "sales_manager", "SH"}, {"admin", "刘行政", "sales_admin", "SH-PD"},
	} {
		f.staff[s.login] = f.mustStaff(t, s.login, s.name, s.role, s.node)
	}
	return f
}

// mustStaff adds an active staff member with one role (no password: these
// tests never sign in).
func (f *fixture) mustStaff(t testing.TB, login, name, role, node string) int64 {
	t.Helper()
	var id int64
	err := f.d.Update(context.Background(), func(tx *db.Tx) error {
		var nodeID int64
		if err := tx.QueryRow(context.Background(), "SELECT id FROM org_nodes WHERE code = ?", node).Scan(&nodeID); err != nil {
			return err
		}
		var err error
		id, err = tx.InsertID(context.Background(), `INSERT INTO staff (login, name, node_id, password_hash, active, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, 'x', TRUE, ?, ?, ?)`, login, name, nodeID, tx.Now, tx.Now, tx.Now)
		if err != nil {
			return err
		}
		_, err = tx.Exec(context.Background(), "INSERT INTO staff_roles (staff_id, role, node_id, created_at) VALUES (?, ?, ?, ?)", id, role, nodeID, tx.Now)
		return err
	})
	if err != nil {
		t.Fatalf("staff %s: %v", login, err)
	}
	return id
}

func system() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "system"})
}

// as acts as a staff member of the fixture.
func (f *fixture) as(login string) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: f.staff[login], Login: login})
}

func (f *fixture) id(login string) *int64 { id := f.staff[login]; return &id }

func (f *fixture) advance(d time.Duration) {
	next := f.now.Load().Add(d)
	f.now.Store(&next)
}

func (f *fixture) today() db.Date {
	n := f.now.Load().In(cst)
	return db.DateOf(n.Year(), n.Month(), n.Day())
}

// mobile is a fresh mobile number.
func (f *fixture) mobile() string { return fmt.Sprintf("1391234%04d", f.mobiles.Add(1)) }

// mustRegister registers a walk-in at SH-PD received by login.
func (f *fixture) mustRegister(t testing.TB, login string, r lead.Registration) *lead.Lead {
	t.Helper()
	if r.ProjectCode == "" {
		r.ProjectCode = "SH-PD"
	}
	if r.Source == "" {
		r.Source = lead.Visit
	}
	if r.Mobile == "" {
		r.Mobile = f.mobile()
	}
	if r.OwnerID == nil && r.Assign == "" && login != "" {
		r.OwnerID = f.id(login)
	}
	ctx := system()
	if login != "" {
		ctx = f.as(login)
	}
	res, err := f.svc.Register(ctx, r)
	if err != nil {
		t.Fatalf("register %+v: %v", r, err)
	}
	if !res.Created {
		t.Fatalf("register %s: not created, existing %+v", r.Mobile, res.Existing)
	}
	if res.MemberError != nil {
		t.Fatalf("register %s: member: %v", r.Mobile, res.MemberError)
	}
	return res.Lead
}

func (f *fixture) mustGet(t testing.TB, id int64) *lead.Lead {
	t.Helper()
	l, err := f.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (f *fixture) mustCount(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	err := f.d.View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.Count(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// history returns the actions of a lead's history in order.
func (f *fixture) history(t testing.TB, id int64) []lead.Change {
	t.Helper()
	h, err := f.svc.History(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func countAction(h []lead.Change, action string) int {
	n := 0
	for _, c := range h {
		if c.Action == action {
			n++
		}
	}
	return n
}

// wantField fails unless err is an invalid-field error naming field.
func wantField(t testing.TB, err error, field string) {
	t.Helper()
	e := apperr.As(err)
	if e.Code != apperr.Invalid || e.Field != field {
		t.Fatalf("err = %v, want invalid %s", err, field)
	}
}

func wantCode(t testing.TB, err error, code apperr.Code) {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
}

func ptr[T any](v T) *T { return &v }
