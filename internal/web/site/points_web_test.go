package site

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/points"
)

func TestMemberPointsPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		m := mustFixtureMember(t, e, "SH-PD")
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
		for i, amount := range []int64{300, -120} {
			if _, err := e.srv.Points.Post(ctx, points.Entry{MemberID: m.ID, Kind: points.Reward, Amount: amount,
				Source: points.FromAdjustment, Reason: fmt.Sprintf("调整%d", i), IdempotencyKey: fmt.Sprintf("page-%d", i)}); err != nil {
				t.Fatal(err)
			}
		}
		e.mustStaff(t, "pts-spec", auth.CitySpecialist, "SH")
		c := e.mustLogin(t, "pts-spec")
		page := readBody(c.get(fmt.Sprintf("/members/%d", m.ID)))
		if !strings.Contains(page, `id="points-link"`) {
			t.Fatal("the member page has no link to the points")
		}
		res := c.get(fmt.Sprintf("/members/%d/points", m.ID))
		page = readBody(res)
		if res.StatusCode != http.StatusOK || !strings.Contains(page, `<span class="num">180</span>`) ||
			!strings.Contains(page, "调整0") || !strings.Contains(page, "-120") || !strings.Contains(page, "奖励积分") {
			t.Fatalf("points page: %d\n%s", res.StatusCode, page)
		}
		if res := c.get(fmt.Sprintf("/members/%d/points?kind=upgrade", m.ID)); !strings.Contains(readBody(res), "暂无") {
			t.Error("the upgrade filter still lists reward lines")
		}
		if res := c.get(fmt.Sprintf("/members/%d/points?kind=gold", m.ID)); res.StatusCode != http.StatusBadRequest {
			t.Errorf("bad kind: %d", res.StatusCode)
		}
		// Another city's staff: the member does not exist for them.
		e.mustStaff(t, "pts-hz", auth.CitySpecialist, "HZ")
		if res := e.mustLogin(t, "pts-hz").get(fmt.Sprintf("/members/%d/points", m.ID)); res.StatusCode != http.StatusNotFound {
			t.Errorf("HZ sees SH points: %d", res.StatusCode)
		}
	})
}

func TestPointPlansPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		drafter := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "drafter"})
		approver := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "approver"})
		year := e.d.Clock().Year()
		mk := func(node, name string) {
			p, err := e.srv.Points.CreatePlan(drafter, points.PlanInput{NodeCode: node, Kind: points.Yearly, Year: year, Name: name,
				Budget: points.Amounts{Upgrade: 5000, Reward: 8000},
				Rules:  []points.RuleInput{{Category: points.CatMember, EventType: points.EvJoined, Kind: points.Reward, Amount: 100}}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.srv.Points.SubmitPlan(drafter, p.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.srv.Points.ApprovePlan(approver, p.ID); err != nil {
				t.Fatal(err)
			}
		}
		mk("GROUP", "集团年度计划")
		mk("HZ", "杭州年度计划")
		e.mustStaff(t, "plan-spec", auth.CitySpecialist, "SH")
		page := readBody(e.mustLogin(t, "plan-spec").get("/points/plans"))
		// Shanghai's staff see the group's plan (it awards their members), not Hangzhou's.
		if !strings.Contains(page, "集团年度计划") || strings.Contains(page, "杭州年度计划") || !strings.Contains(page, "已批准") ||
			!strings.Contains(page, "8,000") {
			t.Fatalf("plans page:\n%s", page)
		}
		e.mustStaff(t, "plan-sales", auth.SalesConsultant, "SH")
		if res := e.mustLogin(t, "plan-sales").get("/points/plans"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("sales consultant: %d", res.StatusCode)
		}
	})
}

func TestPointAdjustmentsFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		m := mustFixtureMember(t, e, "SH-PD")
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
		if _, err := e.srv.Members.Review(ctx, m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		e.mustStaff(t, "adj-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "adj-boss", auth.GroupSupervisor, "GROUP")
		spec, boss := e.mustLogin(t, "adj-spec"), e.mustLogin(t, "adj-boss")
		base := fmt.Sprintf("/members/%d", m.ID)
		res := spec.postForm(base+"/adjustments", url.Values{"kind": {"reward"}, "amount": {"x"}, "reason": {"补录"}})
		if loc := res.Header.Get("Location"); !strings.Contains(loc, "error=") {
			t.Fatalf("a bad amount: %d %s", res.StatusCode, loc)
		}
		res.Body.Close()
		res = spec.postForm(base+"/adjustments", url.Values{"kind": {"reward"}, "amount": {"500"}, "reason": {"活动补录"}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || strings.Contains(res.Header.Get("Location"), "error=") {
			t.Fatalf("propose: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		// Nothing posts before approval; the specialist cannot approve.
		if b, _ := e.srv.Points.Balances(context.Background(), m.ID); len(b) != 0 {
			t.Fatalf("balance before approval: %+v", b)
		}
		if res := spec.get("/points/adjustments"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("specialist sees the queue: %d", res.StatusCode)
		}
		page := readBody(boss.get("/points/adjustments"))
		ids := regexp.MustCompile(`action="/points/adjustments/(\d+)"`).FindStringSubmatch(page)
		if ids == nil || !strings.Contains(page, "活动补录") {
			t.Fatalf("queue:\n%s", page)
		}
		mustOperatorRef(t, page, "adj-spec")
		res = boss.postForm("/points/adjustments/"+ids[1], url.Values{"decision": {"reject"}})
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "驳回须填写原因") {
			t.Fatalf("reject without a note: %d", res.StatusCode)
		}
		res = boss.postForm("/points/adjustments/"+ids[1], url.Values{"decision": {"approve"}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("approve: %d", res.StatusCode)
		}
		b, err := e.srv.Points.Balances(context.Background(), m.ID)
		if err != nil || len(b) != 1 || b[0].Balance != 500 {
			t.Fatalf("balance after approval: %+v %v", b, err)
		}
		if page := readBody(boss.get("/points/adjustments")); !strings.Contains(page, "没有待审批的调整") {
			t.Fatal("the approved adjustment is still in the queue")
		}
	})
}
