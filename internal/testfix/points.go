package testfix

import (
	"context"
	"fmt"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/points"
)

// The two people a point plan needs: one drafts it, the other approves.
var (
	Specialist = db.Actor{Kind: "staff", Login: "zhuanyuan", RequestID: "req-zhuanyuan"} // 集团专员
	Supervisor = db.Actor{Kind: "staff", Login: "zhuguan", RequestID: "req-zhuguan"}     // 集团客户会主管
)

// Earn gives a member amount reward points in a region ("" the one they
// joined), posted to the ledger from plan 1 under a fresh key.
func (e *Env) Earn(t testing.TB, memberID, amount int64, region string) *points.Transaction {
	t.Helper()
	plan := int64(1)
	tr, err := e.Points.Post(Ctx(), points.Entry{MemberID: memberID, Kind: points.Reward, Region: region, Amount: amount,
		Source: points.FromPlan, PlanID: &plan, Reason: "活动奖励", IdempotencyKey: fmt.Sprint("earn-", e.seq.Add(1))})
	if err != nil {
		t.Fatalf("give %d points to member %d: %v", amount, memberID, err)
	}
	return tr
}

// Plan drafts, submits and approves a 2025 yearly plan at node with the
// rules and a budget of a million points of each kind. A plan that has
// ended cannot be approved: the Env needs a clock in 2025 (WithClock(Start)).
func (e *Env) Plan(t testing.TB, node string, rules ...points.RuleInput) *points.Plan {
	t.Helper()
	specialist := db.WithActor(context.Background(), Specialist)
	p, err := e.Points.CreatePlan(specialist, points.PlanInput{NodeCode: node, Kind: points.Yearly, Name: node + " 2025 年度积分计划",
		Year: 2025, Budget: points.Amounts{Upgrade: 1_000_000, Reward: 1_000_000}, Rules: rules})
	if err != nil {
		t.Fatalf("create plan: %v", err)
	}
	if _, err := e.Points.SubmitPlan(specialist, p.ID); err != nil {
		t.Fatalf("submit plan: %v", err)
	}
	if p, err = e.Points.ApprovePlan(db.WithActor(context.Background(), Supervisor), p.ID); err != nil {
		t.Fatalf("approve plan: %v", err)
	}
	return p
}

// Balance is a member's balance of a kind over every region.
func (e *Env) Balance(t testing.TB, memberID int64, kind points.Kind) int64 {
	t.Helper()
	var sum int64
	for _, b := range e.Balances(t, memberID, kind) {
		sum += b
	}
	return sum
}

// Balances is a member's balance of a kind by region path.
func (e *Env) Balances(t testing.TB, memberID int64, kind points.Kind) map[string]int64 {
	t.Helper()
	bs, err := e.Points.Balances(context.Background(), memberID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, b := range bs {
		if b.Kind == kind {
			out[b.Region] += b.Balance
		}
	}
	return out
}

// Verify fails the test unless the ledger holds together.
func (e *Env) Verify(t testing.TB) points.Report {
	t.Helper()
	r, err := e.Points.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range r.Mismatches {
		t.Errorf("verify: %s", m)
	}
	return r
}
