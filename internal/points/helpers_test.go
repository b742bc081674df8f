package points_test

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// fixture is a ledger on a small tree, with members to post to:
//
//	GROUP → EAST (华东事业部) → SH (上海城市公司) → SH-PD (浦东项目)
//	      → SOUTH (华南事业部) → SZ (深圳城市公司) → SZ-QH (前海项目)
type fixture struct {
	d       *db.DB
	points  *points.Service
	members *member.Service
	nodes   map[string]*org.Node
	mobiles atomic.Int64
	now     atomic.Pointer[time.Time]
}

func staffCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: 0, Login: "tester", RequestID: "req-1"})
}

func mustFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	keys, err := pii.NewKeys(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, nodes: map[string]*org.Node{}, members: &member.Service{DB: d, Keys: keys}}
	f.points = &points.Service{DB: d, Members: f.members}
	start := time.Date(2025, 3, 10, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	f.now.Store(&start)
	d.Clock = func() time.Time { return *f.now.Load() }
	orgs := &org.Service{DB: d}
	for _, n := range []org.NewNode{
		{ParentCode: "GROUP", Kind: org.Region, Code: "EAST", Name: "华东事业部"},
		{ParentCode: "EAST", Kind: org.City, Code: "SH", Name: "上海城市公司"},
		{ParentCode: "SH", Kind: org.Project, Code: "SH-PD", Name: "浦东项目"},
		{ParentCode: "GROUP", Kind: org.Region, Code: "SOUTH", Name: "华南事业部"},
		{ParentCode: "SOUTH", Kind: org.City, Code: "SZ", Name: "深圳城市公司"},
		{ParentCode: "SZ", Kind: org.Project, Code: "SZ-QH", Name: "前海项目"},
	} {
		node, err := orgs.Create(staffCtx(), n)
		if err != nil {
			t.Fatalf("create %s: %v", n.Code, err)
		}
		f.nodes[n.Code] = node
	}
	return f
}

// advance moves the fixture's clock.
func (f *fixture) advance(d time.Duration) {
	next := f.now.Load().Add(d)
	f.now.Store(&next)
}

// mustMember makes an approved member who joined at node.
func (f *fixture) mustMember(t testing.TB, node string) int64 {
	t.Helper()
	n := f.mobiles.Add(1)
	m, _, err := f.members.Apply(staffCtx(), member.Application{NodeCode: node, Channel: member.SalesSite,
		Name: "张" + string([]rune("伟芳娜敏静丽强磊军洋")[n%10]), Mobile: fmt.Sprintf("1390000%04d", n)})
	if err != nil {
		t.Fatalf("apply at %s: %v", node, err)
	}
	if _, err := f.members.Review(staffCtx(), m.ID, true, ""); err != nil {
		t.Fatalf("approve member %d: %v", m.ID, err)
	}
	return m.ID
}

func plan(id int64) *int64 { return &id }

// award is an entry giving a member reward points from plan 1.
func award(memberID, amount int64, key string) points.Entry {
	return points.Entry{MemberID: memberID, Kind: points.Reward, Amount: amount, Source: points.FromPlan, PlanID: plan(1),
		Reason: "推荐看房", IdempotencyKey: key}
}

// redeem is an entry taking reward points for a gift.
func redeem(memberID, amount int64, key string) points.Entry {
	return points.Entry{MemberID: memberID, Kind: points.Reward, Amount: -amount, Source: points.FromRedemption,
		Reason: "兑换礼品", Ref: "gift-1", IdempotencyKey: key}
}

func (f *fixture) mustPost(t testing.TB, e points.Entry) *points.Transaction {
	t.Helper()
	tr, err := f.points.Post(staffCtx(), e)
	if err != nil {
		t.Fatalf("post %+v: %v", e, err)
	}
	return tr
}

// mustBalance is a member's balance of a kind in the region they joined.
func (f *fixture) mustBalance(t testing.TB, memberID int64, kind points.Kind) int64 {
	t.Helper()
	bs, err := f.points.Balances(context.Background(), memberID)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, b := range bs {
		if b.Kind == kind {
			sum += b.Balance
		}
	}
	return sum
}

// mustVerify fails the test unless the ledger holds together.
func (f *fixture) mustVerify(t testing.TB) points.Report {
	t.Helper()
	r, err := f.points.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Mismatches {
		t.Errorf("verify: %s", m)
	}
	return r
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

// wantCode fails unless err carries code.
func wantCode(t testing.TB, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	return apperr.As(err)
}
