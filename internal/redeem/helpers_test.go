package redeem_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/redeem"
	"estateclub/internal/testfix"
)

// fixture is a catalogue on testfix's tree, with members who earn points.
type fixture struct {
	*testfix.Env
	redeem *redeem.Service
	seq    atomic.Int64 // idempotency keys
}

// The staff who act in the tests: a city specialist who applies on
// members' behalf, and a supervisor who approves.
var (
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
	f := &fixture{Env: testfix.New(t, d)}
	f.redeem = &redeem.Service{DB: d, Points: f.Points}
	return f
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

func ptr[T any](v T) *T { return &v }

var day = 24 * time.Hour

func memberApplication(node, mobile string) member.Application {
	return member.Application{NodeCode: node, Channel: member.SalesSite, Name: "赵六", Mobile: mobile}
}
