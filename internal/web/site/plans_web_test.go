package site

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

// mustRedirect checks that a form was accepted and returns where it led.
func mustRedirect(t *testing.T, what string, res *http.Response) string {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s: %d, want a redirect:\n%s", what, res.StatusCode, readBody(res))
	}
	res.Body.Close()
	return res.Header.Get("Location")
}

// mustPage gets a page and checks it shows every one of want.
func mustPage(t *testing.T, c *client, path string, want ...string) string {
	t.Helper()
	res := c.get(path)
	page := readBody(res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, page)
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Fatalf("GET %s does not show %q:\n%s", path, w, page)
		}
	}
	return page
}

func TestPlanConsoleFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "cons-gs", auth.GroupSpecialist, "GROUP")
		e.mustStaff(t, "cons-boss", auth.GroupSupervisor, "GROUP")
		e.mustStaff(t, "cons-cs", auth.CitySpecialist, "SH")
		gs, boss, cs := e.mustLogin(t, "cons-gs"), e.mustLogin(t, "cons-boss"), e.mustLogin(t, "cons-cs")
		today := time.Now().In(web.ChinaTime)
		from, to := today.Format("2006-01-02"), today.AddDate(0, 3, 0).Format("2006-01-02")

		mustPage(t, gs, "/points/plans/new", `id="plan-form"`)
		res := gs.postForm("/points/plans", url.Values{"node": {"SH"}, "kind": {"adhoc"}, "name": {"夏季答谢"}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "非常规计划须填写起止日期") || !strings.Contains(page, "夏季答谢") {
			t.Fatalf("a plan without dates: %d\n%s", res.StatusCode, page)
		}
		loc := mustRedirect(t, "create", gs.postForm("/points/plans", url.Values{"node": {"SH"}, "kind": {"adhoc"}, "name": {"夏季答谢"},
			"valid_from": {from}, "valid_to": {to}, "budget_reward": {"100000"}, "budget_upgrade": {"5000"}}))
		planPath := strings.SplitN(loc, "?", 2)[0]
		mustPage(t, gs, planPath, "夏季答谢", "草稿", `id="rule-form"`)

		mustRedirect(t, "add rule", gs.postForm(planPath+"/rules", url.Values{"event_type": {"event_attendance"}, "kind": {"reward"}, "amount": {"40"},
			"cap_period": {"month"}, "cap_count": {"2"}}))
		res = gs.postForm(planPath+"/rules", url.Values{"event_type": {"event_attendance"}, "kind": {"reward"}, "amount": {"x"}})
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(readBody(res), "须为整数") {
			t.Fatalf("a rule with a bad amount: %d", res.StatusCode)
		}
		page := mustPage(t, gs, planPath, "参加活动", "每人每月")
		ruleID := regexp.MustCompile(planPath + `/rules/(\d+)"`).FindStringSubmatch(page)
		if ruleID == nil {
			t.Fatalf("no rule form:\n%s", page)
		}
		mustRedirect(t, "edit rule", gs.postForm(planPath+"/rules/"+ruleID[1], url.Values{"amount": {"50"}, "cap_period": {"month"}, "cap_count": {"2"}, "active": {"on"}}))
		mustRedirect(t, "submit", gs.postForm(planPath+"/submit", nil))
		mustPage(t, boss, planPath, "待审批", `id="plan-approve"`)
		// The specialist may not approve; the supervisor does.
		if res := gs.postForm(planPath+"/decision", url.Values{"decision": {"approve"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the specialist approved: %d", res.StatusCode)
		}
		mustRedirect(t, "approve", boss.postForm(planPath+"/decision", url.Values{"decision": {"approve"}}))
		mustPage(t, gs, planPath, "已批准", `id="change-form"`)

		// A change of the approved plan: the rule's amount goes to 80 once approved.
		mustRedirect(t, "propose", gs.postForm(planPath+"/changes", url.Values{"name": {"夏季答谢"}, "valid_to": {to}, "budget_reward": {"100000"},
			"budget_upgrade": {"5000"}, "amount_" + ruleID[1]: {"80"}, "active_" + ruleID[1]: {"on"}, "reason": {"提高分值"}}))
		page = mustPage(t, boss, planPath, "提高分值", "分值 → 80")
		change := regexp.MustCompile(`action="/points/plan-changes/(\d+)"`).FindStringSubmatch(page)
		if change == nil {
			t.Fatalf("no decision form for the change:\n%s", page)
		}
		mustRedirect(t, "approve change", boss.postForm("/points/plan-changes/"+change[1], url.Values{"decision": {"approve"}}))
		mustPage(t, gs, "/points/plans", "夏季答谢")

		// Recording an event on the member's points page posts the rule's 80 points, once.
		m := mustFixtureMember(t, e, "SH-PD")
		if _, err := e.srv.Members.Review(actorCtx("fixture"), m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		m, err := e.srv.Members.Get(t.Context(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		pointsPath := fmt.Sprintf("/members/%d/points", m.ID)
		mustPage(t, cs, pointsPath, `id="event-form"`)
		ev := url.Values{"event_type": {"event_attendance"}, "ref": {"EV-0701"}}
		if loc := mustRedirect(t, "event", cs.postForm(fmt.Sprintf("/members/%d/events", m.ID), ev)); !strings.Contains(loc, "flash.event_recorded") {
			t.Fatalf("event: %s", loc)
		}
		if loc := mustRedirect(t, "event again", cs.postForm(fmt.Sprintf("/members/%d/events", m.ID), ev)); !strings.Contains(loc, "flash.event_replayed") {
			t.Fatalf("event again: %s", loc)
		}
		mustPage(t, cs, pointsPath, `<span class="num">80</span>`, "即将过期")
		mustPage(t, cs, "/points/events", m.Name, "EV-0701", "参加活动")

		// A batch with an unknown member posts nothing and names the row.
		mustPage(t, cs, "/points/awards", `id="award-form"`)
		res = cs.postForm("/points/awards", url.Values{"event_type": {"event_attendance"}, "ref": {"EV-0702"}, "members": {m.MemberNo + "\nM99999999"}})
		page = readBody(res)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "整批未发放") || !strings.Contains(page, "会员编号 M99999999 不存在") {
			t.Fatalf("a bad batch: %d\n%s", res.StatusCode, page)
		}
		res = cs.postForm("/points/awards", url.Values{"event_type": {"event_attendance"}, "ref": {"EV-0702"}, "members": {m.MemberNo}})
		page = readBody(res)
		if res.StatusCode != http.StatusOK || !regexp.MustCompile(`id="award-reward">80<`).MatchString(page) {
			t.Fatalf("a good batch: %d\n%s", res.StatusCode, page)
		}
		if res := cs.get("/points/awards/template"); res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("template: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		// Another city's specialist cannot award Shanghai's member, even by number.
		e.mustStaff(t, "cons-hz", auth.CitySpecialist, "HZ")
		res = e.mustLogin(t, "cons-hz").postForm("/points/awards", url.Values{"event_type": {"event_attendance"}, "ref": {"EV-0703"}, "members": {m.MemberNo}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "不存在") {
			t.Fatalf("HZ awarded an SH member: %d\n%s", res.StatusCode, page)
		}

		// The effectiveness report: the plan's net issue, on the page and in the workbook.
		mustPage(t, boss, "/points/report?kind=reward", "夏季答谢", `id="report-plans"`, `id="report-regions"`, "<svg")
		if res := cs.get("/points/report/export"); res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "spreadsheetml") {
			t.Fatalf("report export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if res := boss.get("/points/report?from=2026-13-01"); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a bad date: %d", res.StatusCode)
		}

		// Year-end: the supervisor sets the validity and starts a dry run.
		mustPage(t, boss, "/points/expiry", `id="expiry-run"`)
		mustPage(t, cs, "/points/expiry", `id="expiry-policy"`)
		if strings.Contains(readBody(cs.get("/points/expiry")), `id="expiry-run"`) {
			t.Fatal("a city specialist may start a year-end")
		}
		mustRedirect(t, "validity", boss.postForm("/points/expiry/settings", url.Values{"years": {"2"}}))
		mustPage(t, boss, "/points/expiry", "2 年")
		year := strconv.Itoa(today.Year())
		res = boss.postForm("/points/expiry/runs", url.Values{"year": {year}})
		if page := readBody(res); res.StatusCode != http.StatusConflict || !strings.Contains(page, "尚未结束") {
			t.Fatalf("a real run of this year: %d\n%s", res.StatusCode, page)
		}
		mustRedirect(t, "dry run", boss.postForm("/points/expiry/runs", url.Values{"year": {year}, "dry_run": {"1"}}))
		runner := &jobs.Runner{Queue: e.srv.Jobs, Worker: "test", Handlers: e.srv.JobHandlers(), Log: e.srv.Log}
		if ran, err := runner.RunOne(t.Context(), []string{points.ExpiryJobKind}); !ran || err != nil {
			t.Fatalf("run the dry run: %v %v", ran, err)
		}
		mustPage(t, boss, "/points/expiry", "试运行", "已完成")
		// One real run at a time: a second waits for the first to finish.
		last := strconv.Itoa(today.Year() - 1)
		mustRedirect(t, "real run", boss.postForm("/points/expiry/runs", url.Values{"year": {last}}))
		res = boss.postForm("/points/expiry/runs", url.Values{"year": {last}})
		if page := readBody(res); res.StatusCode != http.StatusConflict || !strings.Contains(page, "正在运行") {
			t.Fatalf("a second real run while the first waits: %d\n%s", res.StatusCode, page)
		}

		// Cancelling stops the plan's awards.
		mustRedirect(t, "cancel", boss.postForm(planPath+"/cancel", url.Values{"reason": {"活动停办"}}))
		mustPage(t, gs, planPath, "已取消", "活动停办")
		ev.Set("ref", "EV-0801")
		if loc := mustRedirect(t, "event after cancel", cs.postForm(fmt.Sprintf("/members/%d/events", m.ID), ev)); !strings.Contains(loc, "flash.event_no_points") {
			t.Fatalf("event after cancel: %s", loc)
		}
	})
}
