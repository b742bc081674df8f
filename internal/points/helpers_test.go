package points_test

import (
	"context"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

// fixture is a ledger on testfix's tree, with members to post to, and a
// clock that moves only when told.
type fixture struct{ *testfix.Env }

func staffCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: 0, Login: "tester", RequestID: "req-1"})
}

func mustFixture(t testing.TB, d *db.DB) *fixture {
	t.Helper()
	return &fixture{testfix.New(t, d, testfix.WithClock(testfix.Start))}
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
	tr, err := f.Points.Post(staffCtx(), e)
	if err != nil {
		t.Fatalf("post %+v: %v", e, err)
	}
	return tr
}
