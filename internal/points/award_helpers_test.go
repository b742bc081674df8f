package points_test

import (
	"context"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/points"
)

// as is a context acting as the staff member login.
func as(login string) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: login, RequestID: "req-" + login})
}

// The people of the plan and adjustment tests.
var (
	specialist = as("zhuanyuan") // 集团专员: drafts plans, proposes adjustments
	supervisor = as("zhuguan")   // 集团客户会主管: approves
)

// mustPlan drafts, submits and approves a 2025 yearly plan at node with
// the rules, budgets of a million points of each kind.
func (f *fixture) mustPlan(t testing.TB, node string, rules ...points.RuleInput) *points.Plan {
	t.Helper()
	p, err := f.points.CreatePlan(specialist, points.PlanInput{NodeCode: node, Kind: points.Yearly, Name: node + " 2025 年度积分计划",
		Year: 2025, Budget: points.Amounts{Upgrade: 1_000_000, Reward: 1_000_000}, Rules: rules})
	if err != nil {
		t.Fatalf("create plan: %v", err)
	}
	if _, err := f.points.SubmitPlan(specialist, p.ID); err != nil {
		t.Fatalf("submit plan: %v", err)
	}
	if p, err = f.points.ApprovePlan(supervisor, p.ID); err != nil {
		t.Fatalf("approve plan: %v", err)
	}
	return p
}

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
	e, err := f.points.RecordEvent(staffCtx(), in)
	if err != nil {
		t.Fatalf("record %+v: %v", in, err)
	}
	return e
}
