package site

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/web"
	"estateclub/internal/web/api"
)

// TestEventsAPI takes an event through the API on both engines, every
// answer checked against the OpenAPI document: see specEvents.
func TestEventsAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		specEvents(t, e, newSpecValidator(t, e))
	})
}

// evAPI is the state of specEvents: the clients and the event's path.
type evAPI struct {
	t                 *testing.T
	e                 *testEnv
	v                 *specValidator
	spec, boss, hz, a *client
}

// call checks one call and decodes its answer into out (if not nil).
func (x *evAPI) call(cl *client, c specCall, out any) []byte {
	x.t.Helper()
	raw := x.v.check(cl, c)
	if out != nil {
		mustSpecDecode(x.t, raw, out)
	}
	return raw
}

// refused checks a refusal and that its error names field.
func (x *evAPI) refused(cl *client, c specCall, field string) {
	x.t.Helper()
	var body web.ErrorBody
	x.call(cl, c, &body)
	if body.Error.Field != field || body.Error.Message == "" {
		x.t.Errorf("%s %s: error %+v, want field %q", c.method, c.path, body.Error, field)
	}
}

// specEvents goes through every event route of the API (part of
// TestOpenAPIResponses and TestEventsAPI): a yearly plan → a proposal →
// returned → approved by another staff member → preview → publish → staff
// registration retried with its Idempotency-Key (one registration) →
// capacity and the waiting list → a cancellation promotes one → check-in
// twice (points once) → calls → a cost with its receipt → evaluation →
// close → the case library → copy. Bad input changes nothing; Hangzhou's
// staff do not find Shanghai's event; the auditor reads but does not write.
func specEvents(t *testing.T, e *testEnv, v *specValidator) {
	t.Helper()
	ctx := context.Background()
	// The event starts in a week; the clock moves past it later on.
	clock := &fakeClock{now: time.Now().UTC().Truncate(time.Second)}
	realClock := e.d.Clock
	e.d.Clock = clock.Now
	defer func() { e.d.Clock = realClock }()

	spec := e.mustStaff(t, "ev-api-spec", auth.CitySpecialist, "SH")
	e.mustStaff(t, "ev-api-boss", auth.CitySupervisor, "SH")
	e.mustStaff(t, "ev-api-hz", auth.CitySpecialist, "HZ")
	e.mustStaff(t, "ev-api-audit", auth.Auditor, "GROUP")
	x := &evAPI{t: t, e: e, v: v, spec: e.mustToken(t, "ev-api-spec"), boss: e.mustToken(t, "ev-api-boss"),
		hz: e.mustToken(t, "ev-api-hz"), a: e.mustToken(t, "ev-api-audit")}
	mobile := func() string { return fmt.Sprintf("137%08d", fixtureMobiles.Add(1)) }
	m1, m2, m3 := mustNamedMember(t, e, "SH-PD", "赵报名", mobile()), mustNamedMember(t, e, "SH-PD", "钱报名", mobile()), mustNamedMember(t, e, "SH-PD", "孙候补", mobile())
	m4mobile := mobile()
	m4 := mustNamedMember(t, e, "SH-PD", "李现场", m4mobile)

	start := clock.Now().Add(7 * 24 * time.Hour).In(web.ChinaTime).Truncate(time.Hour)
	year, month := start.Year(), int(start.Month())

	// The yearly plan of Shanghai with one planned event.
	var plan event.Plan
	x.call(x.spec, specCall{method: "PUT", path: "/api/v1/event-plans", body: map[string]any{"org": "SH", "year": year}, want: 200}, &plan)
	planPath := fmt.Sprint("/api/v1/event-plans/", plan.ID)
	x.call(x.spec, specCall{method: "POST", path: planPath + "/items", want: 201,
		body: map[string]any{"month": month, "theme": "业主春季游园会", "kind": "leisure", "budget_fen": 500000}}, &plan)
	x.refused(x.spec, specCall{method: "POST", path: planPath + "/items", want: 400, body: map[string]any{"month": 13, "theme": "x", "kind": "leisure"}}, "month")
	x.call(x.a, specCall{method: "GET", path: planPath, want: 200}, &plan)
	if len(plan.Items) != 1 || plan.BudgetFen != 500000 {
		t.Fatalf("plan %+v", plan)
	}
	x.call(x.hz, specCall{method: "GET", path: planPath, want: 404}, nil)
	var plans web.List[event.Plan]
	x.call(x.a, specCall{method: "GET", path: fmt.Sprint("/api/v1/event-plans?year=", year), want: 200}, &plans)
	if plans.Total != 1 {
		t.Errorf("plans of %d: %+v", year, plans)
	}

	// Bad proposals change nothing.
	proposal := map[string]any{"org": "SH", "plan_item_id": plan.Items[0].ID, "kind": "leisure", "organiser": "host", "theme": "业主春季游园会",
		"starts_at": start, "ends_at": start.Add(3 * time.Hour), "deadline": start.Add(-24 * time.Hour), "venue": "滨江会所",
		"capacity": 2, "companions_max": 1, "point_mode": "fixed", "point_amount": 20,
		"budget": []map[string]any{{"category": "events", "item": "场地与物料", "amount_fen": 300000}}}
	bad := func(k string, val any) map[string]any {
		b := map[string]any{}
		for kk, vv := range proposal {
			b[kk] = vv
		}
		b[k] = val
		return b
	}
	x.refused(x.spec, specCall{method: "POST", path: "/api/v1/events", body: bad("capacity", 0), want: 400}, "capacity")
	x.refused(x.spec, specCall{method: "POST", path: "/api/v1/events", body: bad("ends_at", start.Add(-time.Hour)), want: 400, lang: "en"}, "ends_at")
	x.refused(x.hz, specCall{method: "POST", path: "/api/v1/events", body: proposal, want: 400}, "org")
	var list web.List[event.Event]
	x.call(x.a, specCall{method: "GET", path: "/api/v1/events", want: 200}, &list)
	if list.Total != 0 {
		t.Fatalf("refused proposals left events: %+v", list)
	}

	// The proposal, returned, revised and approved by the supervisor.
	var ev event.Event
	x.call(x.spec, specCall{method: "POST", path: "/api/v1/events", body: proposal, want: 201}, &ev)
	path := fmt.Sprint("/api/v1/events/", ev.ID)
	if ev.Status != event.Draft || ev.Unplanned || ev.BudgetFen != 300000 {
		t.Fatalf("proposal %+v", ev)
	}
	x.call(x.a, specCall{method: "GET", path: "/api/v1/events?status=draft,returned&kind=leisure&org=SH&unplanned=false&q=%E6%B8%B8%E5%9B%AD&from=" +
		start.Format("2006-01-02") + "&to=" + start.Format("2006-01-02"), want: 200}, &list)
	if list.Total != 1 || list.Items[0].ID != ev.ID {
		t.Errorf("filtered list %+v", list)
	}
	x.call(x.a, specCall{method: "GET", path: "/api/v1/events?status=nope", want: 400}, nil)
	x.call(x.hz, specCall{method: "GET", path: path, want: 404}, nil)
	x.call(x.a, specCall{method: "POST", path: path + "/submit", want: 403}, nil)
	x.call(x.spec, specCall{method: "POST", path: path + "/submit", want: 200}, &ev)
	x.call(x.spec, specCall{method: "POST", path: path + "/review", body: map[string]any{"decision": "approve"}, want: 403}, nil)
	x.refused(x.boss, specCall{method: "POST", path: path + "/review", body: map[string]any{"decision": "return"}, want: 400}, "comments")
	x.call(x.boss, specCall{method: "POST", path: path + "/review", body: map[string]any{"decision": "return", "comments": "请补充雨天预案"}, want: 200}, &ev)
	if ev.Status != event.Returned {
		t.Fatalf("returned: %s", ev.Status)
	}
	proposal["agenda"] = "14:00 签到\n14:30 游园\n雨天移至会所大厅"
	x.call(x.spec, specCall{method: "PUT", path: path, body: proposal, want: 200}, &ev)
	x.call(x.spec, specCall{method: "POST", path: path + "/submit", want: 200}, nil)
	x.call(x.boss, specCall{method: "POST", path: path + "/review", body: map[string]any{"decision": "approve", "comments": "同意"}, want: 200}, &ev)
	x.call(x.spec, specCall{method: "PUT", path: path, body: proposal, want: 409}, nil)
	x.call(x.a, specCall{method: "GET", path: path, want: 200}, &ev)
	if ev.Status != event.Approved || len(ev.Reviews) != 2 || ev.Reviews[0].Approved || !ev.Reviews[1].Approved {
		t.Fatalf("approved: %s, reviews %+v", ev.Status, ev.Reviews)
	}

	// Preview (nothing changes), then publish to Shanghai.
	var pre struct{ Members, Texted int }
	x.call(x.spec, specCall{method: "POST", path: path + "/publish-preview", body: map[string]any{"orgs": []string{"SH"}}, want: 200}, &pre)
	if pre.Members < 4 {
		t.Errorf("preview: %+v, want at least the 4 members of SH-PD", pre)
	}
	x.refused(x.spec, specCall{method: "POST", path: path + "/publish-preview", body: map[string]any{"orgs": []string{"HZ"}}, want: 400}, "orgs")
	x.call(x.a, specCall{method: "GET", path: path, want: 200}, &ev)
	if ev.Status != event.Approved {
		t.Fatalf("the preview changed the event: %s", ev.Status)
	}
	x.call(x.spec, specCall{method: "POST", path: path + "/publish", body: map[string]any{"orgs": []string{"SH"}}, want: 200}, &ev)
	if ev.Status != event.Published {
		t.Fatalf("published: %s", ev.Status)
	}

	// Staff register m1, the request retried with its key: one registration.
	regs := path + "/registrations"
	key := map[string]string{"Idempotency-Key": "ev-api-" + strconv.FormatInt(ev.ID, 10)}
	var r1, again event.Registration
	x.call(x.spec, specCall{method: "POST", path: regs, header: key, body: map[string]any{"member_id": m1.ID}, want: 201}, &r1)
	x.call(x.spec, specCall{method: "POST", path: regs, header: key, body: map[string]any{"member_id": m1.ID}, want: 200}, &again)
	if r1.Status != event.Registered || again.ID != r1.ID {
		t.Fatalf("retried registration: %+v then %+v", r1, again)
	}
	x.refused(x.spec, specCall{method: "POST", path: regs, body: map[string]any{"member_id": m2.ID, "companions": 5}, want: 400}, "companions")
	var r2, r3, rv event.Registration
	x.call(x.spec, specCall{method: "POST", path: regs, body: map[string]any{"member_id": m2.ID}, want: 201}, &r2)
	x.call(x.spec, specCall{method: "POST", path: regs, body: map[string]any{"member_id": m3.ID}, want: 201}, &r3)
	visitor := mobile()
	x.call(x.spec, specCall{method: "POST", path: regs, body: map[string]any{"mobile": visitor, "name": "周访客"}, want: 201}, &rv)
	x.call(x.spec, specCall{method: "POST", path: regs, body: map[string]any{"mobile": visitor, "name": "周访客"}, want: 200}, nil)
	if r2.Status != event.Registered || r3.Status != event.Waiting || rv.Status != event.Waiting || rv.Seq <= r3.Seq {
		t.Fatalf("capacity 2: %s, %s, visitor %s", r2.Status, r3.Status, rv.Status)
	}
	var rl web.List[event.Registration]
	x.call(x.a, specCall{method: "GET", path: regs + "?status=waiting", want: 200}, &rl)
	if rl.Total != 2 || rl.Items[0].MemberID != m3.ID {
		t.Fatalf("waiting list %+v", rl)
	}
	x.call(x.hz, specCall{method: "POST", path: regs, body: map[string]any{"member_id": m1.ID}, want: 404}, nil)

	// m1 cancels: the first one waiting (m3) takes the seat, only her.
	x.call(x.spec, specCall{method: "DELETE", path: fmt.Sprint(regs, "/", m1.ID), want: 200}, &again)
	if again.Status != event.RegCancelled {
		t.Fatalf("cancelled: %+v", again)
	}
	// m1's first request retried after the cancellation: the key's
	// registration, still cancelled; the key is m1's, not m2's.
	var late event.Registration
	x.call(x.spec, specCall{method: "POST", path: regs, header: key, body: map[string]any{"member_id": m1.ID}, want: 200}, &late)
	if late.ID != r1.ID || late.Status != event.RegCancelled {
		t.Fatalf("a late retry registered again: %+v", late)
	}
	x.refused(x.spec, specCall{method: "POST", path: regs, header: key, body: map[string]any{"member_id": m2.ID}, want: 409}, "Idempotency-Key")
	x.call(x.a, specCall{method: "GET", path: regs + "?checked_in=false", want: 200}, &rl)
	status := map[int64]event.RegStatus{}
	for _, r := range rl.Items {
		status[r.MemberID] = r.Status
	}
	if status[m3.ID] != event.Registered || status[rv.MemberID] != event.Waiting || status[m1.ID] != event.RegCancelled {
		t.Fatalf("after the cancellation: %v", status)
	}

	// Check-in: twice for m2 (points once), m3, and m4 as a walk-in.
	checkins := path + "/checkins"
	var done event.CheckIn
	x.call(x.spec, specCall{method: "POST", path: checkins, body: map[string]any{"member_id": m2.ID}, want: 201}, &done)
	if done.Points != 20 || done.Registration.CheckedInAt == nil {
		t.Fatalf("check-in %+v", done)
	}
	x.refused(x.spec, specCall{method: "POST", path: checkins, body: map[string]any{"member_id": m2.ID}, want: 409}, event.FieldAlreadyIn)
	if _, err := e.srv.Events.AwardPending(ctx); err != nil {
		t.Fatal(err)
	}
	if got := rewardOf(t, e, m2.ID); got != 20 {
		t.Fatalf("m2 has %d points after checking in twice, want 20", got)
	}
	x.call(x.spec, specCall{method: "POST", path: checkins, body: map[string]any{"member_id": m3.ID}, want: 201}, nil)
	x.refused(x.spec, specCall{method: "POST", path: checkins, body: map[string]any{"member_id": m4.ID}, want: 409}, event.FieldNotOnList)
	var cands web.List[event.Candidate]
	x.call(x.spec, specCall{method: "GET", path: path + "/attendees/find?last4=" + m4mobile[7:] + "&surname=%E6%9D%8E", want: 200}, &cands)
	if cands.Total != 1 || cands.Items[0].MemberID != m4.ID {
		t.Fatalf("find %+v", cands)
	}
	x.call(x.spec, specCall{method: "GET", path: path + "/attendees/find?last4=12&surname=%E6%9D%8E", want: 400}, nil)
	x.call(x.spec, specCall{method: "POST", path: checkins, body: map[string]any{"member_id": m4.ID, "walk_in": true}, want: 201}, &done)
	if !done.WalkIn {
		t.Errorf("walk-in %+v", done)
	}
	x.call(x.a, specCall{method: "GET", path: regs + "?walk_in=true", want: 200}, &rl)
	if rl.Total != 1 || rl.Items[0].MemberID != m4.ID {
		t.Fatalf("walk-ins listed: %+v", rl)
	}
	x.call(x.hz, specCall{method: "POST", path: checkins, body: map[string]any{"member_id": m4.ID}, want: 404}, nil)
	x.call(x.a, specCall{method: "POST", path: checkins, body: map[string]any{"member_id": m4.ID}, want: 403}, nil)

	// After the day.
	x.call(x.spec, specCall{method: "POST", path: path + "/held", want: 409}, nil) // not started yet
	clock.Add(8 * 24 * time.Hour)
	x.call(x.spec, specCall{method: "POST", path: path + "/held", want: 200}, &ev)

	var calls web.List[event.Call]
	x.call(x.spec, specCall{method: "POST", path: path + "/calls", body: map[string]any{"staff_ids": []int64{spec.ID}}, want: 201}, &calls)
	if calls.Total != 3 {
		t.Fatalf("calls %+v", calls)
	}
	callPath := fmt.Sprint("/api/v1/event-calls/", calls.Items[0].ID)
	var call event.Call
	x.call(x.spec, specCall{method: "PATCH", path: callPath, body: map[string]any{"outcome": "reached", "note": "很满意，希望多办"}, want: 200}, &call)
	x.refused(x.spec, specCall{method: "PATCH", path: callPath, body: map[string]any{"outcome": "maybe"}, want: 400, badRequest: true}, "outcome")
	x.call(x.hz, specCall{method: "PATCH", path: callPath, body: map[string]any{"outcome": "reached"}, want: 404}, nil)
	x.call(x.a, specCall{method: "GET", path: fmt.Sprint(path, "/calls?staff_id=", spec.ID), want: 200}, &calls)
	if calls.Total != 3 || calls.Items[0].Outcome != event.Reached || calls.Items[0].Note != "很满意，希望多办" {
		t.Fatalf("calls after one: %+v", calls.Items)
	}

	// A cost with its receipt; an oversize receipt changes nothing.
	costForm := map[string]string{"category": "events", "item": "场地费", "amount_fen": "250000"}
	x.call(x.spec, specCall{method: "POST", path: path + "/costs", upload: pdfFile(), file: "receipt", fileName: "发票.pdf", form: costForm, want: 201}, &ev)
	big := append(pdfFile(), bytes.Repeat([]byte{' '}, event.MaxReceipt)...)
	x.refused(x.spec, specCall{method: "POST", path: path + "/costs", upload: big, file: "receipt", fileName: "big.pdf", form: costForm, want: 413}, "receipt")
	// A body over the route's bound is refused as it is read; a cost
	// must come as a form.
	huge := bytes.Repeat([]byte{'%'}, int(api.CostUploadLimit)+1024)
	x.refused(x.spec, specCall{method: "POST", path: path + "/costs", upload: huge, file: "receipt", fileName: "huge.pdf", form: costForm, want: 413}, "receipt")
	x.refused(x.spec, specCall{method: "POST", path: path + "/costs", body: map[string]any{"category": "events", "item": "场地费", "amount_fen": 1},
		want: 400, badRequest: true}, "receipt")
	x.call(x.a, specCall{method: "GET", path: path, want: 200}, &ev)
	if len(ev.Costs) != 1 || ev.Costs[0].ReceiptName != "发票.pdf" {
		t.Fatalf("costs %+v", ev.Costs)
	}
	receipt := fmt.Sprint("/api/v1/event-costs/", ev.Costs[0].ID, "/receipt")
	if got := x.call(x.a, specCall{method: "GET", path: receipt, want: 200}, nil); !bytes.Equal(got, pdfFile()) {
		t.Errorf("receipt %q", got)
	}
	x.call(x.hz, specCall{method: "GET", path: receipt, want: 404}, nil)
	if entries, _, err := audit.List(ctx, e.d, audit.Filter{Action: "event.receipt", ObjectID: strconv.FormatInt(ev.ID, 10), Unscoped: true, Limit: 10}); err != nil || len(entries) != 1 {
		t.Errorf("receipt audit: %d entries, %v", len(entries), err)
	}

	var sent struct{ Invited int }
	x.call(x.spec, specCall{method: "POST", path: path + "/survey", want: 200}, &sent)
	if sent.Invited != 3 {
		t.Errorf("survey to %d, want 3 attendees", sent.Invited)
	}
	var eval event.Evaluation
	x.call(x.a, specCall{method: "GET", path: path + "/evaluation", want: 200}, &eval)
	if eval.Attended != 3 || eval.WalkIns != 1 || eval.Registered != 2 || eval.ActualFen != 250000 || eval.BudgetFen != 300000 || eval.CostPerHeadFen != 250000/3 {
		t.Errorf("evaluation %+v", eval)
	}
	sheet := x.call(x.a, specCall{method: "GET", path: path + "/export", want: 200}, nil)
	if f, err := excelize.OpenReader(bytes.NewReader(sheet)); err != nil {
		t.Error(err)
	} else if rows, _ := f.GetRows(f.GetSheetName(0)); len(rows) != 6 { // the head and 5 registrations
		t.Errorf("export has %d rows, want 6", len(rows))
	}

	x.refused(x.spec, specCall{method: "POST", path: path + "/close", body: map[string]any{"lessons": ""}, want: 400}, "lessons")
	x.call(x.spec, specCall{method: "POST", path: path + "/close", body: map[string]any{"lessons": "雨天预案有效；签到提前半小时"}, want: 200}, &ev)
	if ev.Status != event.Closed {
		t.Fatalf("closed: %s", ev.Status)
	}

	// The case library, and a case copied as a new proposal.
	x.call(x.a, specCall{method: "GET", path: "/api/v1/event-cases?q=%E9%9B%A8%E5%A4%A9&kind=leisure&org=SH&year=" + strconv.Itoa(year), want: 200}, &list)
	if list.Total != 1 || list.Items[0].ID != ev.ID {
		t.Fatalf("case search %+v", list)
	}
	x.call(x.hz, specCall{method: "GET", path: "/api/v1/event-cases?q=%E9%9B%A8%E5%A4%A9", want: 200}, &list)
	if list.Total != 0 {
		t.Errorf("Hangzhou finds Shanghai's case")
	}
	var cp event.Event
	x.call(x.spec, specCall{method: "POST", path: "/api/v1/event-cases/" + strconv.FormatInt(ev.ID, 10) + "/copy",
		body: map[string]any{"starts_at": clock.Now().Add(30 * 24 * time.Hour)}, want: 201}, &cp)
	if cp.Status != event.Draft || cp.CopiedFrom == nil || *cp.CopiedFrom != ev.ID || cp.Theme != ev.Theme || !cp.Unplanned {
		t.Fatalf("copy %+v", cp)
	}
	cpPath := fmt.Sprint("/api/v1/events/", cp.ID)
	x.call(x.spec, specCall{method: "POST", path: cpPath + "/close-registration", want: 409}, nil)
	x.call(x.a, specCall{method: "POST", path: cpPath + "/cancel", body: map[string]any{"reason": "场地冲突"}, want: 403}, nil)
	x.call(x.spec, specCall{method: "POST", path: cpPath + "/cancel", body: map[string]any{"reason": "场地冲突"}, want: 200}, &cp)
	if cp.Status != event.Cancelled {
		t.Errorf("cancelled copy: %s", cp.Status)
	}

	// The month's figures.
	var months web.List[event.MonthStat]
	x.call(x.a, specCall{method: "GET", path: fmt.Sprint("/api/v1/events/monthly?year=", year), want: 200}, &months)
	if got := months.Items[month-1]; months.Total != 12 || got.Events != 1 || got.Attended != 3 || got.WalkIns != 1 {
		t.Errorf("monthly %+v", months.Items)
	}

	// A planned event with an event is kept; a new one can be removed.
	x.call(x.spec, specCall{method: "DELETE", path: fmt.Sprint("/api/v1/event-plan-items/", plan.Items[0].ID), want: 409}, nil)
	x.call(x.spec, specCall{method: "POST", path: planPath + "/items", want: 201, body: map[string]any{"month": 12, "theme": "年末答谢", "kind": "business"}}, &plan)
	x.call(x.hz, specCall{method: "DELETE", path: fmt.Sprint("/api/v1/event-plan-items/", plan.Items[1].ID), want: 404}, nil)
	x.call(x.spec, specCall{method: "DELETE", path: fmt.Sprint("/api/v1/event-plan-items/", plan.Items[1].ID), want: 200}, &plan)
	if len(plan.Items) != 1 {
		t.Errorf("plan after removing: %+v", plan.Items)
	}
}

// The permission walk's fixtures of the event routes.

// mustWalkHeldEvent is an event at node that started an hour ago, with one
// attendee checked in (a walk-in), marked held.
func mustWalkHeldEvent(t *testing.T, e *testEnv, node string) *siteEvent {
	t.Helper()
	now := e.d.Clock()
	ev := mustSiteEvent(t, e, node, event.Target{}, func(p *event.Proposal) {
		p.StartsAt, p.EndsAt, p.Deadline = now.Add(-time.Hour), now.Add(2*time.Hour), now.Add(time.Hour)
	})
	m := mustNamedMember(t, e, node, "回访会员", fmt.Sprintf("137%08d", fixtureMobiles.Add(1)))
	ctx := staffCtx(ev.proposer)
	if _, err := e.srv.Events.CheckIn(ctx, ev.ID, event.CheckInInput{MemberID: m.ID, WalkIn: true, StaffID: ev.proposer.ID}, ev.within); err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Events.MarkHeld(ctx, ev.ID, ev.within); err != nil {
		t.Fatal(err)
	}
	return ev
}

// mustFixtureCall fills {call}: the follow-up call of a held event's attendee.
func mustFixtureCall(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
	t.Helper()
	ev := mustWalkHeldEvent(t, e, sc.node)
	calls, err := e.srv.Events.MakeCalls(staffCtx(ev.proposer), ev.ID, []int64{ev.proposer.ID}, ev.within)
	if err != nil || len(calls) != 1 {
		t.Fatalf("fixture calls %+v: %v", calls, err)
	}
	return strconv.FormatInt(calls[0].ID, 10)
}

// mustFixtureCost fills {cost}: a held event's cost with a PDF receipt.
func mustFixtureCost(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
	t.Helper()
	ev := mustWalkHeldEvent(t, e, sc.node)
	in := event.CostInput{BudgetLine: event.BudgetLine{Category: event.BudgetEvents, Item: "场地", AmountFen: 10000}, Receipt: pdfFile(), ReceiptName: "r.pdf"}
	if _, err := e.srv.Events.AddCost(staffCtx(ev.proposer), ev.ID, in, ev.within); err != nil {
		t.Fatal(err)
	}
	got, err := e.srv.Events.Get(context.Background(), ev.ID, nil)
	if err != nil || len(got.Costs) != 1 {
		t.Fatalf("fixture cost: %+v, %v", got, err)
	}
	return strconv.FormatInt(got.Costs[0].ID, 10)
}

// mustWalkPlan is the scope node's event plan for this year.
func mustWalkPlan(t *testing.T, e *testEnv, node string) *event.Plan {
	t.Helper()
	n, err := e.srv.Org.ByCode(context.Background(), node)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.srv.Events.PlanFor(fixtureCtx(), n.ID, e.d.Clock().In(web.ChinaTime).Year(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mustFixtureEventPlan fills {event_plan}.
func mustFixtureEventPlan(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
	return strconv.FormatInt(mustWalkPlan(t, e, sc.node).ID, 10)
}

// mustFixturePlanItem fills {plan_item}: a fresh planned event.
func mustFixturePlanItem(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
	t.Helper()
	p, err := e.srv.Events.AddPlanItem(fixtureCtx(), mustWalkPlan(t, e, sc.node).ID,
		event.PlanItemInput{Month: 6, Theme: "巡检计划活动", Kind: event.Leisure}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(p.Items[len(p.Items)-1].ID, 10)
}

// mustFixtureRegistration registers a member for the event eventID on
// staff's behalf (the {member} of an event's route).
func mustFixtureRegistration(t *testing.T, e *testEnv, eventID string, memberID int64, sc walkScope) {
	t.Helper()
	id, err := strconv.ParseInt(eventID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Events.Register(fixtureCtx(), id, event.RegisterInput{MemberID: memberID, ByStaffID: sc.staff.ID}, nil); err != nil {
		t.Fatal(err)
	}
}
