package event_test

import (
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/event"
	"estateclub/internal/testfix"
)

func TestProposalValidation(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := staffCtx(f.proposer)
		cases := []struct {
			name  string
			edit  func(p *event.Proposal)
			field string
		}{
			{"capacity zero", func(p *event.Proposal) { p.Capacity = 0 }, "capacity"},
			{"capacity negative", func(p *event.Proposal) { p.Capacity = -5 }, "capacity"},
			{"end before start", func(p *event.Proposal) { p.EndsAt = p.StartsAt.Add(-time.Hour) }, "ends_at"},
			{"no theme", func(p *event.Proposal) { p.Theme = "  " }, "theme"},
			{"co-host without department", func(p *event.Proposal) { p.Organiser = event.CoHost }, "department"},
			{"fixed points without amount", func(p *event.Proposal) { p.PointAmount = 0 }, "point_amount"},
			{"bad budget category", func(p *event.Proposal) { p.Budget[0].Category = "food" }, "budget"},
			{"deadline after end", func(p *event.Proposal) { p.Deadline = p.EndsAt.Add(time.Hour) }, "deadline"},
		}
		for _, c := range cases {
			p := f.proposal()
			c.edit(&p)
			_, err := f.svc.Propose(ctx, p, f.proposer.ID, f.sh)
			testfix.WantErr(t, err, apperr.Invalid, c.field)
		}
		// Outside the proposer's scope.
		p := f.proposal()
		p.NodeID = f.Nodes["SZ"].ID
		_, err := f.svc.Propose(ctx, p, f.proposer.ID, f.sh)
		testfix.WantErr(t, err, apperr.Invalid, "node_id")
		if n := f.Count(t, "SELECT count(*) FROM events"); n != 0 {
			t.Fatalf("%d events after refused proposals", n)
		}
	})
}

func TestReviewRounds(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := staffCtx(f.proposer)
		plan := must(f.svc.PlanFor(ctx, f.Nodes["SH"].ID, 2025, f.sh))(t)
		plan = must(f.svc.AddPlanItem(ctx, plan.ID, event.PlanItemInput{Month: 3, Theme: "春季亲子游园会", Kind: event.Leisure, BudgetFen: 600000}, f.sh))(t)
		p := f.proposal()
		p.PlanItemID = plan.Items[0].ID
		e := must(f.svc.Propose(ctx, p, f.proposer.ID, f.sh))(t)
		if e.Unplanned || e.No == "" || e.BudgetFen != 580000 || e.Status != event.Draft {
			t.Fatalf("proposed %+v", e)
		}
		// A second proposal for the same planned item is refused.
		_, err := f.svc.Propose(ctx, p, f.proposer.ID, f.sh)
		testfix.WantErr(t, err, apperr.Invalid, "plan_item_id")

		must(f.svc.Submit(ctx, e.ID, f.sh))(t)
		_, err = f.svc.Review(ctx, e.ID, event.ReviewInput{ReviewerID: f.proposer.ID, Approve: true}, f.sh)
		testfix.WantCode(t, err, apperr.Forbidden)
		_, err = f.svc.Review(staffCtx(f.peer), e.ID, event.ReviewInput{ReviewerID: f.peer.ID}, f.sh)
		testfix.WantErr(t, err, apperr.Invalid, "comments")
		must(f.svc.Review(staffCtx(f.peer), e.ID, event.ReviewInput{ReviewerID: f.peer.ID, Comments: "预算请细化"}, f.sh))(t)
		p.Capacity = 60
		must(f.svc.Revise(ctx, e.ID, p, f.sh))(t)
		must(f.svc.Submit(ctx, e.ID, f.sh))(t)
		// A planned event: a peer may approve.
		e = must(f.svc.Review(staffCtx(f.peer), e.ID, event.ReviewInput{ReviewerID: f.peer.ID, Approve: true}, f.sh))(t)
		if e.Status != event.Approved || e.Capacity != 60 {
			t.Fatalf("after approval: %s capacity %d", e.Status, e.Capacity)
		}
		got := must(f.svc.Get(ctx, e.ID, f.sh))(t)
		if len(got.Reviews) != 2 || got.Reviews[0].Approved || got.Reviews[0].Comments != "预算请细化" || !got.Reviews[1].Approved {
			t.Fatalf("reviews %+v", got.Reviews)
		}
		if _, err := f.svc.Revise(ctx, e.ID, p, f.sh); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("revising an approved proposal: %v", err)
		}
		// Outside the scope it does not exist.
		_, err = f.svc.Get(ctx, e.ID, event.Within([]string{f.Path("SZ")}))
		testfix.WantCode(t, err, apperr.NotFound)

		// Unplanned: the peer may not approve it, the supervisor may.
		u := must(f.svc.Propose(ctx, f.proposal(), f.proposer.ID, f.sh))(t)
		if !u.Unplanned {
			t.Fatal("an event outside the plan is not marked unplanned")
		}
		must(f.svc.Submit(ctx, u.ID, f.sh))(t)
		_, err = f.svc.Review(staffCtx(f.peer), u.ID, event.ReviewInput{ReviewerID: f.peer.ID, Approve: true}, f.sh)
		testfix.WantCode(t, err, apperr.Forbidden)
		must(f.svc.Review(staffCtx(f.boss), u.ID, event.ReviewInput{ReviewerID: f.boss.ID, Approve: true, Unplanned: f.sh.Paths}, f.sh))(t)
		plan = must(f.svc.Plan(ctx, plan.ID, f.sh))(t)
		if plan.Items[0].EventID == nil || *plan.Items[0].EventID != e.ID {
			t.Fatalf("plan item not linked to its event: %+v", plan.Items[0])
		}
		if n := len(f.Audit(t, auditFilter("event.returned"))); n != 1 {
			t.Fatalf("%d audit entries of the return", n)
		}
	})
}

func TestPublishTargeting(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := staffCtx(f.proposer)
		pd := f.members(t, "SH-PD", 3)
		f.members(t, "SH-XH", 2)
		f.members(t, "SZ-QH", 4)
		e := must(f.svc.Propose(ctx, f.proposal(), f.proposer.ID, f.sh))(t)
		must(f.svc.Submit(ctx, e.ID, f.sh))(t)
		must(f.svc.Review(staffCtx(f.boss), e.ID, event.ReviewInput{ReviewerID: f.boss.ID, Approve: true, Unplanned: f.sh.Paths}, f.sh))(t)
		n, _ := must2(f.svc.Preview(ctx, e.ID, event.Target{}, f.sh))(t)
		if n != 5 {
			t.Fatalf("preview of all SH: %d, want 5", n)
		}
		pdOnly := event.Target{NodeIDs: []int64{f.Nodes["SH-PD"].ID}}
		if n, _ = must2(f.svc.Preview(ctx, e.ID, pdOnly, f.sh))(t); n != 3 {
			t.Fatalf("preview of SH-PD: %d, want 3", n)
		}
		_, _, err := f.svc.Preview(ctx, e.ID, event.Target{NodeIDs: []int64{f.Nodes["SZ-QH"].ID}}, f.sh)
		testfix.WantErr(t, err, apperr.Invalid, "target.node_ids")
		owns := true
		if n, _ = must2(f.svc.Preview(ctx, e.ID, event.Target{OwnsProperty: &owns}, f.sh))(t); n != 0 {
			t.Fatalf("preview of owners: %d, want 0", n)
		}
		must(f.svc.Publish(ctx, e.ID, pdOnly, f.sh))(t)
		mine := must(f.svc.ForMember(memberCtx(pd[0]), pd[0]))(t)
		if len(mine) != 1 || mine[0].ID != e.ID {
			t.Fatalf("events for a PD member: %+v", mine)
		}
		xh := f.Member(t, "SH-XH")
		if got := must(f.svc.ForMember(memberCtx(xh), xh))(t); len(got) != 0 {
			t.Fatalf("an XH member sees %d events published to PD", len(got))
		}
		_, err = f.svc.Register(memberCtx(xh), e.ID, event.RegisterInput{MemberID: xh}, nil)
		testfix.WantCode(t, err, apperr.NotFound)
	})
}
