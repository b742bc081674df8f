package points_test

import (
	"context"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

// as is a context acting as the staff member login.
func as(login string) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: login, RequestID: "req-" + login})
}

// The people of the plan and adjustment tests, the ones who make
// testfix's plans: the specialist drafts plans and proposes adjustments,
// the supervisor approves.
var (
	specialist = db.WithActor(context.Background(), testfix.Specialist)
	supervisor = db.WithActor(context.Background(), testfix.Supervisor)
)

// rule is a rule of kind giving amount for an event type.
func rule(ev points.EventType, kind points.Kind, amount int64) points.RuleInput {
	return points.RuleInput{EventType: ev, Kind: kind, Amount: amount}
}

// capped is a rule with a cap.
func capped(ev points.EventType, amount int64, period points.CapPeriod, count int, pts int64) points.RuleInput {
	return points.RuleInput{EventType: ev, Kind: points.Reward, Amount: amount, CapPeriod: period, CapCount: count, CapPoints: pts}
}

func (f *fixture) mustEvent(t testing.TB, in points.EventInput) *points.Event {
	t.Helper()
	e, err := f.Points.RecordEvent(staffCtx(), in)
	if err != nil {
		t.Fatalf("record %+v: %v", in, err)
	}
	return e
}
