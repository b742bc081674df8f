package redeem_test

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
)

// fixture is a catalogue on a small tree:
//
//	GROUP → EAST (华东事业部) → SH (上海城市公司) → SH-PD (浦东项目)
//	      → SOUTH (华南事业部) → SZ (深圳城市公司) → SZ-QH (前海项目)
type fixture struct {
	d       *db.DB
	redeem  *redeem.Service
	points  *points.Service
	members *member.Service
	nodes   map[string]*org.Node
	seq     atomic.Int64
}

// The staff who act in the tests: a city specialist who applies on
// members' behalf, and a supervisor who approves.
var (
	setup      = db.Actor{Kind: "staff", Login: "setup"} // makes the tree and the members
	specialist = db.Actor{Kind: "staff", ID: 11, Login: "zhang.specialist", RequestID: "req-s"}
	supervisor = db.Actor{Kind: "staff", ID: 12, Login: "li.supervisor", RequestID: "req-v"}
)

func as(a db.Actor) context.Context { return db.WithActor(context.Background(), a) }

// asMember acts as the member in the portal.
func asMember(id int64) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "member", ID: id, Login: fmt.Sprint("member:", id)})
}

func mustFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	keys, err := pii.NewKeys(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, nodes: map[string]*org.Node{}, members: &member.Service{DB: d, Keys: keys}}
	f.points = &points.Service{DB: d, Members: f.members}
	f.redeem = &redeem.Service{DB: d, Points: f.points}
	orgs := &org.Service{DB: d}
	for _, n := range []org.NewNode{
		{ParentCode: "GROUP", Kind: org.Region, Code: "EAST", Name: "华东事业部"},
		{ParentCode: "EAST", Kind: org.City, Code: "SH", Name: "上海城市公司"},
		{ParentCode: "SH", Kind: org.Project, Code: "SH-PD", Name: "浦东项目"},
		{ParentCode: "GROUP", Kind: org.Region, Code: "SOUTH", Name: "华南事业部"},
		{ParentCode: "SOUTH", Kind: org.City, Code: "SZ", Name: "深圳城市公司"},
		{ParentCode: "SZ", Kind: org.Project, Code: "SZ-QH", Name: "前海项目"},
	} {
		node, err := orgs.Create(as(setup), n)
		if err != nil {
			t.Fatalf("create %s: %v", n.Code, err)
		}
		f.nodes[n.Code] = node
	}
	return f
}

// mustMember makes an approved member who joined at node.
func (f *fixture) mustMember(t testing.TB, node string) int64 {
	t.Helper()
	n := f.seq.Add(1)
	m, _, err := f.members.Apply(as(setup), member.Application{NodeCode: node, Channel: member.SalesSite,
		Name: "王" + string([]rune("伟芳娜敏静丽强磊军洋")[n%10]), Mobile: fmt.Sprintf("1380000%04d", n)})
	if err != nil {
		t.Fatalf("apply at %s: %v", node, err)
	}
	if _, err := f.members.Review(as(setup), m.ID, true, ""); err != nil {
		t.Fatalf("approve member %d: %v", m.ID, err)
	}
	return m.ID
}

// give awards a member reward points in a region ("" the one they joined).
func (f *fixture) give(t testing.TB, memberID, amount int64, region string) {
	t.Helper()
	plan := int64(1)
	_, err := f.points.Post(as(specialist), points.Entry{MemberID: memberID, Kind: points.Reward, Region: region, Amount: amount,
		Source: points.FromPlan, PlanID: &plan, Reason: "活动奖励", IdempotencyKey: fmt.Sprint("give-", f.seq.Add(1))})
	if err != nil {
		t.Fatalf("give %d points to %d: %v", amount, memberID, err)
	}
}

func (f *fixture) mustItem(t testing.TB, in redeem.NewItem) *redeem.Item {
	t.Helper()
	if in.Kind == "" {
		in.Kind = redeem.KindGift
	}
	if in.Name == "" {
		in.Name = "保温杯"
	}
	it, err := f.redeem.CreateItem(as(supervisor), in)
	if err != nil {
		t.Fatalf("create item %+v: %v", in, err)
	}
	return it
}

// apply places an order of one unit as the specialist, with a fresh key.
func (f *fixture) apply(memberID, itemID int64) (*redeem.Order, error) {
	return f.redeem.Apply(as(specialist), redeem.Application{MemberID: memberID, ItemID: itemID, IdempotencyKey: fmt.Sprint("tap-", f.seq.Add(1))})
}

func (f *fixture) mustApply(t testing.TB, memberID, itemID int64) *redeem.Order {
	t.Helper()
	o, err := f.apply(memberID, itemID)
	if err != nil {
		t.Fatalf("apply for item %d: %v", itemID, err)
	}
	return o
}

// balances is a member's reward balance by region.
func (f *fixture) balances(t testing.TB, memberID int64) map[string]int64 {
	t.Helper()
	bs, err := f.points.Balances(context.Background(), memberID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range bs {
		if b.Kind == points.Reward {
			out[b.Region] = b.Balance
		}
	}
	return out
}

// balance is a member's reward balance over every region.
func (f *fixture) balance(t testing.TB, memberID int64) int64 {
	t.Helper()
	var sum int64
	for _, b := range f.balances(t, memberID) {
		sum += b
	}
	return sum
}

func (f *fixture) stock(t testing.TB, itemID int64) int64 {
	t.Helper()
	it, err := f.redeem.Item(context.Background(), itemID)
	if err != nil {
		t.Fatal(err)
	}
	if it.Stock == nil {
		t.Fatalf("item %d has unlimited stock", itemID)
	}
	return *it.Stock
}

func (f *fixture) mustVerify(t testing.TB) {
	t.Helper()
	r, err := f.points.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Mismatches {
		t.Errorf("verify: %s", m)
	}
}

func (f *fixture) count(t testing.TB, query string, args ...any) int {
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

// wantCode fails unless err carries code; it returns the error.
func wantCode(t testing.TB, err error, code apperr.Code) *apperr.Error {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	e := apperr.As(err)
	if e.ZH == "" || e.EN == "" {
		t.Errorf("error without both messages: %+v", e)
	}
	return e
}

// race calls fn(0) … fn(n-1) in n goroutines released at one moment.
func race(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			fn(i)
		})
	}
	close(start)
	wg.Wait()
}

func ptr[T any](v T) *T { return &v }

var day = 24 * time.Hour

func memberApplication(node, mobile string) member.Application {
	return member.Application{NodeCode: node, Channel: member.SalesSite, Name: "赵六", Mobile: mobile}
}
