package site

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/web"
)

// The console's events pages (活动管理, issue 15): a specialist takes an
// event from a planned item of the yearly plan to the case library, a
// supervisor reviews it, and the steps of the day and after are taken
// through the pages.

// postReceipt posts the cost form with a receipt file.
func (c *client) postReceipt(path string, fields url.Values, name string, data []byte) *http.Response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.WriteField("csrf", c.csrf)
	if data != nil {
		fw, _ := mw.CreateFormFile("receipt", name)
		_, _ = fw.Write(data)
	}
	mw.Close()
	return c.do(http.MethodPost, path, &body, mw.FormDataContentType())
}

var idAtEnd = regexp.MustCompile(`/(\d+)(?:\?|$)`)

// idOf reads the id a redirect's location ends with.
func idOf(t *testing.T, loc string) int64 {
	t.Helper()
	m := idAtEnd.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("no id in %q", loc)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// mustEventStatus checks the event's status in the store.
func mustEventStatus(t *testing.T, e *testEnv, id int64, want event.Status) *event.Event {
	t.Helper()
	ev, err := e.srv.Events.Get(context.Background(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Status != want {
		t.Fatalf("event %d is %s, want %s", id, ev.Status, want)
	}
	return ev
}

// formClock is a time as the proposal form takes it, in club time.
func formClock(t time.Time) string { return t.In(web.ChinaTime).Format("2006-01-02T15:04") }

// countAudit counts the audit entries of action on the event.
func countAudit(t *testing.T, e *testEnv, action string, eventID int64) int {
	t.Helper()
	return e.fix.Count(t, fmt.Sprintf("SELECT count(*) FROM audit_log WHERE action = '%s' AND object_type = 'event' AND object_id = '%d'", action, eventID))
}

func TestEventsConsoleLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		clock := useFakeClock(e)
		spec := e.mustStaff(t, "ev-specialist", auth.CitySpecialist, "SH")
		boss := e.mustStaff(t, "ev-supervisor", auth.CitySupervisor, "SH")
		e.mustStaff(t, "ev-hz", auth.CitySpecialist, "HZ")
		sp, bs, hz := e.mustLogin(t, spec.Login), e.mustLogin(t, boss.Login), e.mustLogin(t, "ev-hz")
		amy := mustNamedMember(t, e, "SH-PD", "林业主", "13912349001")
		bob := mustNamedMember(t, e, "SH-PD", "周业主", "13912349002")
		now := e.d.Clock()
		year := now.In(web.ChinaTime).Year()

		mustPage(t, sp, "/activities", `id="ev-monthly-none"`, fmt.Sprintf("%d 年还没有已举办的活动", year))

		// The yearly plan: opened for the city, a planned event added.
		planLoc := mustSeeOther(t, sp.postForm("/activity-plans", url.Values{"node": {"SH"}, "year": {fmt.Sprint(year)}}), "/activity-plans/")
		planPath := strings.SplitN(planLoc, "?", 2)[0]
		mustSeeOther(t, sp.postForm(planPath+"/items", url.Values{"month": {fmt.Sprint(int(now.In(web.ChinaTime).Month()))},
			"theme": {"业主答谢晚宴"}, "kind": {"business"}, "budget": {"8000"}}), planPath)
		mustRefusedPage(t, sp, planPath+"/items", url.Values{"month": {"13"}, "theme": {"无效"}, "kind": {"leisure"}}, http.StatusBadRequest, "月份须在 1–12 之间")
		plan, err := e.srv.Events.Plan(context.Background(), idOf(t, planPath), nil)
		if err != nil || len(plan.Items) != 1 || plan.BudgetFen != 800000 {
			t.Fatalf("plan after adding: %+v %v", plan, err)
		}
		item := plan.Items[0]
		mustPage(t, sp, planPath, "业主答谢晚宴", "8000.00", fmt.Sprintf(`href="/activities/new?plan_item=%d"`, item.ID))
		mustPage(t, sp, fmt.Sprintf("/activities/new?plan_item=%d", item.ID), `id="ev-form"`, fmt.Sprintf(`value="%d" selected`, item.ID))

		// The proposal: bad input is refused with the field named, nothing saved.
		start := now.Add(time.Hour)
		form := url.Values{"node": {"SH"}, "plan_item": {fmt.Sprint(item.ID)}, "kind": {"business"}, "organiser": {"cohost"},
			"department": {"营销部"}, "theme": {"业主答谢晚宴"}, "goals": {"答谢老业主，促进转介"}, "starts_at": {formClock(start)},
			"ends_at": {formClock(start.Add(4 * time.Hour))}, "deadline": {formClock(now.Add(30 * time.Minute))}, "venue": {"滨江会所宴会厅"},
			"address": {"浦东新区滨江大道 1 号"}, "capacity": {"0"}, "companions_max": {"1"}, "year_limit": {"0"},
			"audience": {"已交房业主"}, "agenda": {"18:00 签到\n18:30 晚宴"}, "staffing": {"专员 2 人"}, "resources": {"签到台"},
			"point_mode": {"fixed"}, "point_amount": {"30"},
			"b1.category": {"events"}, "b1.item": {"餐饮"}, "b1.amount": {"6000"}, "b2.category": {"events"}, "b2.item": {"场地布置"}, "b2.amount": {"1500.50"}}
		mustRefusedPage(t, sp, "/activities", form, http.StatusBadRequest, "人数上限须为 1–", `value="业主答谢晚宴"`)
		form.Set("capacity", "50")
		form.Set("ends_at", formClock(start.Add(-time.Hour)))
		mustRefusedPage(t, sp, "/activities", form, http.StatusBadRequest, "结束时间须晚于开始时间")
		if _, n, _ := e.srv.Events.List(context.Background(), event.Filter{}); n != 0 {
			t.Fatalf("%d events saved from refused forms", n)
		}
		form.Set("ends_at", formClock(start.Add(4*time.Hour)))
		evLoc := mustSeeOther(t, sp.postForm("/activities", form), "/activities/")
		id := idOf(t, strings.SplitN(evLoc, "?", 2)[0])
		base := fmt.Sprintf("/activities/%d", id)
		ev := mustEventStatus(t, e, id, event.Draft)
		if ev.Unplanned || ev.PlanItemID == nil || *ev.PlanItemID != item.ID || ev.BudgetFen != 750050 || ev.Department != "营销部" {
			t.Fatalf("proposal saved as %+v", ev)
		}
		mustPage(t, sp, base, "业主答谢晚宴", "滨江会所宴会厅", "7500.50", `id="ev-submit"`)
		mustPage(t, sp, planPath, fmt.Sprintf(`id="item-event-%d"`, item.ID))
		// A planned event with a proposal stays; the plan's page says why.
		mustRefusedPage(t, sp, fmt.Sprintf("/activity-plans/items/%d/delete", item.ID), url.Values{}, http.StatusConflict,
			"该计划活动已有方案，不能删除", `id="plan-items"`)

		// Review: the specialist may not review; the supervisor returns, then approves.
		mustSeeOther(t, sp.postForm(base+"/submit", nil), base)
		if res := sp.postForm(base+"/review", url.Values{"decision": {"approve"}}); res.Body.Close() != nil || res.StatusCode != http.StatusForbidden {
			t.Fatalf("a specialist reviewing: %d, want 403", res.StatusCode)
		}
		mustRefusedPage(t, bs, base+"/review", url.Values{"decision": {"return"}}, http.StatusBadRequest, "评审意见")
		mustSeeOther(t, bs.postForm(base+"/review", url.Values{"decision": {"return"}, "comments": {"餐饮预算偏高，请压缩"}}), base)
		mustEventStatus(t, e, id, event.Returned)
		mustPage(t, sp, base+"/edit", `value="6000.00"`, "营销部")
		form.Set("b1.amount", "5000")
		mustSeeOther(t, sp.postForm(base, form), base)
		mustSeeOther(t, sp.postForm(base+"/submit", nil), base)
		mustSeeOther(t, bs.postForm(base+"/review", url.Values{"decision": {"approve"}, "comments": {"同意"}}), base)
		ev = mustEventStatus(t, e, id, event.Approved)
		if len(ev.Reviews) != 2 || ev.Reviews[0].Approved || !ev.Reviews[1].Approved || ev.BudgetFen != 650050 {
			t.Fatalf("review rounds: %+v budget %d", ev.Reviews, ev.BudgetFen)
		}
		mustPage(t, sp, base, `id="round-1"`, "餐饮预算偏高，请压缩", `id="round-2"`, `id="ev-publish"`)

		// The reviewer is never the proposer: the core's message is shown.
		own := mustSeeOther(t, bs.postForm("/activities", url.Values{"node": {"SH"}, "kind": {"leisure"}, "organiser": {"host"},
			"theme": {"主管自拟活动"}, "starts_at": {formClock(now.Add(72 * time.Hour))}, "ends_at": {formClock(now.Add(75 * time.Hour))},
			"venue": {"会所"}, "capacity": {"10"}}), "/activities/")
		ownBase := strings.SplitN(own, "?", 2)[0]
		mustSeeOther(t, bs.postForm(ownBase+"/submit", nil), ownBase)
		mustRefusedPage(t, bs, ownBase+"/review", url.Values{"decision": {"approve"}}, http.StatusForbidden, "方案评审人不能是提案人")
		// Cancelled with a reason, which is required.
		mustRefusedPage(t, bs, ownBase+"/cancel", nil, http.StatusBadRequest, "请填写取消原因")
		mustEventStatus(t, e, idOf(t, ownBase), event.InReview)
		mustSeeOther(t, bs.postForm(ownBase+"/cancel", url.Values{"reason": {"场地改期"}}), ownBase)
		mustEventStatus(t, e, idOf(t, ownBase), event.Cancelled)
		mustPage(t, bs, ownBase, `id="ev-cancel-note"`, "场地改期")

		// Publication: the preview counts the audience before publishing.
		members, texted, err := e.srv.Events.Preview(context.Background(), id, event.Target{NodeIDs: []int64{mustNodeID(t, e, "SH-PD")}}, nil)
		if err != nil || members < 2 {
			t.Fatalf("preview: %d members, %v", members, err)
		}
		mustPage(t, sp, base+"/publish?preview=1&nodes=SH-PD", fmt.Sprintf("将发布给 %d 位会员，其中 %d 位会收到短信通知", members, texted), `id="publish-submit"`)
		mustSeeOther(t, sp.postForm(base+"/publish", url.Values{"nodes": {"SH-PD"}}), base)
		mustEventStatus(t, e, id, event.Published)

		// Registrations: the member in the portal, a visitor by staff, a cancellation.
		mustRegistered(t, e, id, amy.ID)
		mustSeeOther(t, sp.postForm(base+"/registrations", url.Values{"mobile": {"13912349099"}, "name": {"钱访客"}, "node": {"SH-PD"}}), base)
		mustRefusedPage(t, sp, base+"/registrations", url.Values{"mobile": {"13912349002"}, "companions": {"5"}}, http.StatusBadRequest, "最多可带 1 位同行人")
		mustSeeOther(t, sp.postForm(base+"/registrations", url.Values{"mobile": {"13912349002"}}), base)
		mustSeeOther(t, sp.postForm(base+"/registrations/cancel", url.Values{"member_id": {fmt.Sprint(bob.ID)}}), base)
		mustPage(t, sp, base+"?regs=registered", "林业主", "钱访客", `id="n-registered">2<`)
		mustPage(t, sp, base+"?regs=cancelled", "周业主")

		// The day: check-in from the event page's link, the export.
		mustPage(t, sp, base, fmt.Sprintf(`href="%s/checkin"`, base))
		mustRefusedPage(t, sp, base+"/checkin", url.Values{"member_id": {fmt.Sprint(amy.ID)}}, http.StatusOK, "签到成功")
		mustPage(t, sp, base+"?regs=checked_in", "林业主", `id="n-checked-in">1<`)
		res := sp.get(base + "/export")
		xlsx := readBody(res)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(xlsx, "PK") {
			t.Fatalf("export: %d %.40q", res.StatusCode, xlsx)
		}
		if n := countAudit(t, e, "event.export", id); n != 1 {
			t.Errorf("%d audit entries for the export", n)
		}
		mustRefusedPage(t, sp, base+"/held", nil, http.StatusConflict, "活动尚未开始")
		clock.Add(90 * time.Minute) // the event has started
		mustSeeOther(t, sp.postForm(base+"/held", nil), base)
		mustEventStatus(t, e, id, event.Held)

		// Follow-up calls, split among chosen staff; "my calls".
		mustSeeOther(t, sp.postForm(base+"/calls", url.Values{"staff_id": {fmt.Sprint(spec.ID)}}), base)
		calls, err := e.srv.Events.Calls(context.Background(), id, spec.ID, nil)
		if err != nil || len(calls) != 1 || calls[0].MemberID != amy.ID {
			t.Fatalf("calls: %+v %v", calls, err)
		}
		mustPage(t, sp, "/activities/calls", "林业主", fmt.Sprintf(`id="call-form-%d"`, calls[0].ID))
		mustRefusedPage(t, sp, fmt.Sprintf("/activity-calls/%d", calls[0].ID), url.Values{"outcome": {"maybe"}}, http.StatusBadRequest, "请选择回访结果")
		mustSeeOther(t, sp.postForm(fmt.Sprintf("/activity-calls/%d", calls[0].ID), url.Values{"outcome": {"reached"}, "note": {"很满意，想参加下次"}}), "/activities/calls")
		if calls, _ = e.srv.Events.Calls(context.Background(), id, spec.ID, nil); calls[0].Outcome != event.Reached || calls[0].Note != "很满意，想参加下次" {
			t.Fatalf("recorded call: %+v", calls[0])
		}
		if strings.Contains(mustPage(t, sp, "/activities/calls"), "林业主") {
			t.Error("a call made is still on the list of calls to make")
		}

		// The survey goes to the attendees; the page links to its summary.
		mustSeeOther(t, sp.postForm(base+"/survey", nil), base)
		if ev = mustEventStatus(t, e, id, event.Held); ev.SurveySent == nil {
			t.Fatal("survey not marked sent")
		}
		mustPage(t, sp, base, `id="survey-summary"`, fmt.Sprintf("subject_id=%d", id))

		// Costs with a receipt; a file that is not a photo or PDF is refused.
		mustRefusedPage(t, sp, base+"/costs", url.Values{"category": {"events"}, "item": {"餐饮"}}, http.StatusBadRequest, "请填写金额")
		res = sp.postReceipt(base+"/costs", url.Values{"category": {"events"}, "item": {"餐饮"}, "amount": {"4800"}}, "a.txt", []byte("plain text"))
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "票据须为") {
			t.Fatalf("a text receipt: %d", res.StatusCode)
		}
		// A receipt over 5 MB, within the body's bound and past it: named
		// as the receipt, in its own words, and nothing stored.
		for _, extra := range []int{10, 2 << 20} {
			big := append(pngPhoto(t), bytes.Repeat([]byte{0}, event.MaxReceipt+extra)...)
			res = sp.postReceipt(base+"/costs", url.Values{"category": {"events"}, "item": {"餐饮"}, "amount": {"4800"}}, "big.png", big)
			if body := readBody(res); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, "票据不能超过 5 MB") || strings.Contains(body, "附件太大") {
				t.Fatalf("a receipt %d bytes over 5 MB: %d\n%.600s", extra, res.StatusCode, body)
			}
		}
		if ev = mustEventStatus(t, e, id, event.Held); len(ev.Costs) != 0 {
			t.Fatalf("a refused receipt stored a cost: %+v", ev.Costs)
		}
		photo := pngPhoto(t)
		mustSeeOther(t, sp.postReceipt(base+"/costs", url.Values{"category": {"events"}, "item": {"餐饮"}, "amount": {"4800"}}, "发票.png", photo), base+"/evaluation")
		ev = mustEventStatus(t, e, id, event.Held)
		if len(ev.Costs) != 1 || ev.Costs[0].AmountFen != 480000 || ev.Costs[0].ReceiptName != "发票.png" {
			t.Fatalf("costs: %+v", ev.Costs)
		}
		receipt := fmt.Sprintf("/activity-costs/%d/receipt", ev.Costs[0].ID)
		mustPage(t, sp, base+"/evaluation", `id="eval-rate">50%<`, `id="eval-per-head">4800.00<`, "4800.00", `href="`+receipt+`"`, "6500.50")
		res = sp.get(receipt)
		if got := readBody(res); res.StatusCode != http.StatusOK || got != string(photo) || res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("receipt download: %d, %d bytes", res.StatusCode, len(got))
		}
		if n := countAudit(t, e, "event.receipt", id); n != 1 {
			t.Errorf("%d audit entries for the receipt download", n)
		}
		if res := hz.get(receipt); res.Body.Close() != nil || res.StatusCode != http.StatusNotFound {
			t.Errorf("another city's receipt: %d, want 404", res.StatusCode)
		}

		// Close with the lessons: the case library finds it; copy as a new proposal.
		mustRefusedPage(t, sp, base+"/close", url.Values{"lessons": {" "}}, http.StatusBadRequest, "经验总结")
		mustSeeOther(t, sp.postForm(base+"/close", url.Values{"lessons": {"晚宴转介效果好，来年提前一个月发布"}}), base+"/evaluation")
		closed := mustEventStatus(t, e, id, event.Closed)
		held := closed.StartsAt.In(web.ChinaTime)
		if page := mustPage(t, sp, fmt.Sprintf("/activities?year=%d", held.Year()), `id="ev-monthly"`, held.Format("2006-01")); strings.Contains(page, `id="ev-monthly-none"`) {
			t.Error("the monthly table says no event was held in the year of the closed one")
		}
		mustPage(t, sp, "/activities/cases?q="+url.QueryEscape("转介效果"), fmt.Sprintf(`id="case-%d"`, id))
		if strings.Contains(mustPage(t, sp, "/activities/cases?q="+url.QueryEscape("亲子")), fmt.Sprintf(`id="case-%d"`, id)) {
			t.Error("the case library finds the case by words it does not hold")
		}
		next := now.AddDate(1, 0, 0)
		copyLoc := mustSeeOther(t, sp.postForm(base+"/copy", url.Values{"starts_at": {formClock(next)}}), "/activities/")
		cp := mustEventStatus(t, e, idOf(t, strings.SplitN(copyLoc, "?", 2)[0]), event.Draft)
		if cp.CopiedFrom == nil || *cp.CopiedFrom != id || cp.Theme != "业主答谢晚宴" || !cp.Unplanned || cp.StartsAt.Unix() != next.Truncate(time.Minute).Unix() {
			t.Fatalf("copy: %+v", cp)
		}

		// The list, the calendar and the charts show it; another city's staff find nothing.
		mustPage(t, sp, "/activities?q="+url.QueryEscape("答谢"), fmt.Sprintf(`id="event-%d"`, id), `id="ev-rating-chart"`)
		mustPage(t, sp, "/activities/calendar?month="+start.In(web.ChinaTime).Format("2006-01"), fmt.Sprintf(`id="cal-ev-%d"`, id))
		if res := sp.get("/activities/calendar?month=2026-13"); !strings.Contains(readBody(res), "月份格式应为") || res.StatusCode != http.StatusBadRequest {
			t.Errorf("a bad month: %d", res.StatusCode)
		}
		for _, p := range []string{base, base + "/evaluation", base + "/export", planPath} {
			if res := hz.get(p); res.Body.Close() != nil || res.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s by Hangzhou's staff: %d, want 404", p, res.StatusCode)
			}
		}
		if strings.Contains(mustPage(t, hz, "/activities"), "业主答谢晚宴") {
			t.Error("Hangzhou's list shows Shanghai's event")
		}
		if n := countAudit(t, e, "event.closed", id); n != 1 {
			t.Errorf("%d audit entries for closing", n)
		}
	})
}

// mustNodeID is the id of the org node code.
func mustNodeID(t *testing.T, e *testEnv, code string) int64 {
	t.Helper()
	n, err := e.srv.Org.ByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return n.ID
}
