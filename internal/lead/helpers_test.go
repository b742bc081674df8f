package lead_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/testfix"
)

// fixture is a lead service on testfix's tree with staff:
//
//	GROUP → EAST (华东事业部) → SH (上海城市公司) → SH-PD (浦东项目), SH-XH (徐汇项目)
//
// wang, li and zhao are consultants of SH-PD, zhou of SH-XH; chen is the
// sales manager of SH; admin is the sales administrator of SH-PD.
type fixture struct {
	*testfix.Env
	svc     *lead.Service
	staff   map[string]int64
	mobiles atomic.Int64
}

func mustFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{Env: testfix.New(t, d, testfix.WithClock(time.Date(2025, 3, 10, 10, 0, 0, 0, testfix.CST))), staff: map[string]int64{}}
	f.svc = &lead.Service{DB: d, Keys: f.Keys, Members: f.Members, Points: f.Points}
	for _, s := range []struct {
		login, name string
		role        auth.Role
		node        string
	}{
		{"wang", "王芳", auth.SalesConsultant, "SH-PD"}, {"li", "李强", auth.SalesConsultant, "SH-PD"},
		{"zhao", "赵敏", auth.SalesConsultant, "SH-PD"}, {"zhou", "周杰", auth.SalesConsultant, "SH-XH"},
		{"chen", "陈经理", auth.SalesManager, "SH"}, {"admin", "刘行政", auth.SalesAdmin, "SH-PD"},
	} {
		f.staff[s.login] = f.NewStaff(t, auth.NewStaff{Login: s.login, Name: s.name, NodeCode: s.node,
			Grants: []auth.NewGrant{{Role: s.role, NodeCode: s.node}}}).ID
	}
	return f
}

func system() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "system"})
}

// as acts as a staff member of the fixture.
func (f *fixture) as(login string) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: f.staff[login], Login: login})
}

func (f *fixture) id(login string) *int64 { id := f.staff[login]; return &id }

func (f *fixture) today() db.Date {
	n := f.Clock.Now().In(testfix.CST)
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

func ptr[T any](v T) *T { return &v }
