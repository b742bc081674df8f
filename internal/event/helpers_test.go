package event_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/event"
	"estateclub/internal/sms"
	"estateclub/internal/survey"
	"estateclub/internal/testfix"
)

// fixture is an event service on testfix's tree, with the clock at
// testfix.Start (2025-03-10 09:00 China time) and a proposer, a peer
// reviewer and a supervisor in Shanghai.
type fixture struct {
	*testfix.Env
	svc                  *event.Service
	cards                *card.Service
	surveys              *survey.Service
	proposer, peer, boss *auth.Staff
	sh                   *event.Scope
}

func mustFixture(t testing.TB, e *testfix.Env) *fixture {
	t.Helper()
	f := &fixture{Env: e, cards: &card.Service{DB: e.DB, Secret: bytes.Repeat([]byte{9}, 32)}}
	smsSvc := &sms.Service{DB: e.DB, Keys: e.Keys}
	f.surveys = &survey.Service{DB: e.DB, Keys: e.Keys, SMS: smsSvc, Members: e.Members}
	f.svc = &event.Service{DB: e.DB, Keys: e.Keys, Members: e.Members, Cards: f.cards, Points: e.Points, Surveys: f.surveys, SMS: smsSvc}
	f.proposer = e.Staff(t, "sh-spec", auth.CitySpecialist, "SH")
	f.peer = e.Staff(t, "sh-spec2", auth.CitySpecialist, "SH")
	f.boss = e.Staff(t, "sh-boss", auth.CitySupervisor, "SH")
	f.sh = event.Within([]string{e.Path("SH")})
	return f
}

func run(t *testing.T, fn func(t *testing.T, f *fixture)) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) { fn(t, mustFixture(t, e)) }, testfix.WithClock(testfix.Start))
}

func staffCtx(st *auth.Staff) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: st.ID, Login: st.Login})
}

func memberCtx(id int64) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "member", ID: id, Login: "member"})
}

// proposal is a valid proposal at SH a week after the clock's start.
func (f *fixture) proposal() event.Proposal {
	start := testfix.Start.Add(7 * 24 * time.Hour)
	return event.Proposal{NodeID: f.Nodes["SH"].ID, Kind: event.Leisure, Organiser: event.Host, Theme: "春季亲子游园会",
		Goals: "增进业主互动", StartsAt: start, EndsAt: start.Add(3 * time.Hour), Deadline: start.Add(-24 * time.Hour),
		Venue: "浦东会所", Address: "浦东新区某路 1 号", Capacity: 50, CompanionsMax: 2, PointMode: event.FixedPoints, PointAmount: 20,
		Budget: []event.BudgetLine{{Category: event.BudgetEvents, Item: "场地布置", AmountFen: 500000}, {Category: event.BudgetEvents, Item: "宣传单", AmountFen: 80000}}}
}

// must is v, failing the test on err: must(f())(t).
func must[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// mustPublished takes a proposal through review to publication (to every
// active member of SH); an unplanned one is approved by the supervisor.
func (f *fixture) mustPublished(t testing.TB, p event.Proposal) *event.Event {
	t.Helper()
	ctx := staffCtx(f.proposer)
	e := must(f.svc.Propose(ctx, p, f.proposer.ID, f.sh))(t)
	must(f.svc.Submit(ctx, e.ID, f.sh))(t)
	must(f.svc.Review(staffCtx(f.boss), e.ID, event.ReviewInput{ReviewerID: f.boss.ID, Approve: true, Unplanned: f.sh.Paths}, f.sh))(t)
	return must(f.svc.Publish(ctx, e.ID, event.Target{}, f.sh))(t)
}

// members makes n active members at node.
func (f *fixture) members(t testing.TB, node string, n int) []int64 {
	t.Helper()
	out := make([]int64, n)
	for i := range out {
		out[i] = f.Member(t, node)
	}
	return out
}

func auditFilter(action string) audit.Filter { return audit.Filter{Action: action} }

// must2 is must for two values.
func must2[A, B any](a A, b B, err error) func(testing.TB) (A, B) {
	return func(t testing.TB) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// must3 is must for three values.
func must3[A, B, C any](a A, b B, c C, err error) func(testing.TB) (A, B, C) {
	return func(t testing.TB) (A, B, C) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b, c
	}
}
