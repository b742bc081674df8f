package site

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/calendar"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
)

// TestRequestAcceptance is issue 14's story, with the clock moved: a
// complaint filed in the portal the afternoon before National Day reaches
// the property department of its city with due times that skip the
// holiday, is escalated to the city supervisor when its first response is
// late, is answered in the console, and the member reads the answer and
// rates it 2 in the survey, which flags the request for the supervisor.
func TestRequestAcceptance(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		clock := useFakeClock(e)
		cst := time.FixedZone("CST", 8*3600)
		clock.Add(time.Date(2026, 9, 30, 16, 0, 0, 0, cst).Sub(clock.Now()))
		ctx := actorCtx("fixture")
		if err := calendar.SeedChina(ctx, e.srv.Calendar); err != nil {
			t.Fatal(err)
		}
		cr := e.mustStaff(t, "acc-cr", auth.CustomerRelations, "SH")
		e.mustStaff(t, "acc-boss", auth.CitySupervisor, "SH")
		dept, err := e.srv.Requests.SaveDepartment(ctx, 0, request.DepartmentInput{NodeID: e.fix.Nodes["SH"].ID, Code: "property",
			StaffIDs: []int64{cr.ID}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.srv.Requests.SaveRule(ctx, request.RuleInput{NodeID: e.fix.Nodes["SH"].ID, Kind: request.Complaint,
			Subkind: request.SubProperty, DepartmentID: dept.ID}, nil); err != nil {
			t.Fatal(err)
		}
		m, me := mustPortalMember(t, e, "13955556666")

		// Filed in the portal.
		mustRedirect(t, "submit", me.postForm("/m/requests", url.Values{"topic": {"complaint/property"},
			"text": {"地下车库 B2 层的灯坏了一周，晚上很不安全。"}}))
		mine, _, err := e.srv.Requests.ForMember(context.Background(), m.ID, 0, 10)
		if err != nil || len(mine) != 1 {
			t.Fatalf("the member's requests = %+v, %v", mine, err)
		}
		q := mine[0]
		if q.DepartmentID == nil || *q.DepartmentID != dept.ID || q.Status != request.Assigned {
			t.Fatalf("not routed to the property department: %+v", q)
		}
		// 2 working hours on the 30th, then nothing until 8 October.
		if want := time.Date(2026, 10, 8, 11, 0, 0, 0, cst); !q.RespondDueAt.Equal(want) {
			t.Fatalf("first response due %v, want %v", q.RespondDueAt.In(cst), want)
		}
		if want := time.Date(2026, 10, 13, 16, 0, 0, 0, cst); !q.DueAt.Equal(want) {
			t.Fatalf("resolution due %v, want %v", q.DueAt.In(cst), want)
		}
		staff := e.mustLogin(t, "acc-cr")
		page := mustStatus(t, staff.get(fmt.Sprintf("/requests/%d", q.ID)), 200)
		if !strings.Contains(page, "物业公司") {
			t.Fatalf("the request page does not name its department:\n%.2000s", page)
		}

		// During the holiday nothing is late; on 8 October at noon the first response is.
		clock.Add(time.Date(2026, 10, 5, 10, 0, 0, 0, cst).Sub(clock.Now()))
		if n, err := e.srv.Requests.Escalate(context.Background()); err != nil || n != 0 {
			t.Fatalf("escalated on a holiday: %d, %v", n, err)
		}
		clock.Add(time.Date(2026, 10, 8, 12, 0, 0, 0, cst).Sub(clock.Now()))
		if n, err := e.srv.Requests.Escalate(context.Background()); err != nil || n != 1 {
			t.Fatalf("escalations: %d, %v", n, err)
		}
		boss := e.mustLogin(t, "acc-boss")
		notices := mustStatus(t, boss.get("/notices"), 200)
		if !strings.Contains(notices, q.No) || !strings.Contains(notices, "首次响应") {
			t.Fatalf("the supervisor's notices do not tell of %s:\n%.2000s", q.No, notices)
		}

		// Answered in the console (a week later: signed in again).
		staff = e.mustLogin(t, "acc-cr")
		mustRedirect(t, "take", staff.postForm(fmt.Sprintf("/requests/%d/take", q.ID), nil))
		mustRedirect(t, "resolve", staff.postForm(fmt.Sprintf("/requests/%d/resolve", q.ID),
			url.Values{"answer": {"已更换 B2 层全部灯管，并加装了感应灯。"}, "topic": {"照明"}}))

		// The member reads the answer and rates it.
		me, _ = mustPortalSignIn(t, e, "13955556666")
		page = mustSmallPage(t, me, fmt.Sprintf("/m/requests/%d", q.ID), "已更换 B2 层全部灯管", "已解决", `id="rate-request"`)
		link := regexp.MustCompile(`href="/m/surveys/(\d+)"`).FindStringSubmatch(page)
		if link == nil {
			t.Fatalf("no survey link on the member's page:\n%s", page)
		}
		sv, err := e.srv.Surveys.System(context.Background(), "request")
		if err != nil {
			t.Fatal(err)
		}
		form := url.Values{"q" + strconv.FormatInt(sv.Questions[0].ID, 10): {"2"},
			"q" + strconv.FormatInt(sv.Questions[1].ID, 10): {"修得太慢了"}}
		mustRedirect(t, "rate", me.postForm("/m/surveys/"+link[1], form))
		got, err := e.srv.Requests.Get(context.Background(), q.ID)
		if err != nil || got.Rating == nil || *got.Rating != 2 || !got.Flagged {
			t.Fatalf("after the rating: %+v, %v", got, err)
		}
		// Answered once: a second answer is refused and changes nothing.
		res := me.postForm("/m/surveys/"+link[1], url.Values{"q" + strconv.FormatInt(sv.Questions[0].ID, 10): {"5"}})
		if body := readBody(res); res.StatusCode < 400 && !strings.Contains(body, "已提交") {
			t.Fatalf("second answer: %d", res.StatusCode)
		}
		if got, _ := e.srv.Requests.Get(context.Background(), q.ID); *got.Rating != 2 {
			t.Fatalf("a second answer changed the rating to %d", *got.Rating)
		}
		notices = mustStatus(t, boss.get("/notices"), 200)
		if !strings.Contains(notices, "满意度只有 2 分") {
			t.Fatalf("the supervisor was not told of the low rating:\n%.2000s", notices)
		}
		// The member was texted about the answer (they consented).
		if n := testfix.Count(t, e.d, "SELECT count(*) FROM sms_messages WHERE purpose IN ('request', 'survey')"); n < 2 {
			t.Fatalf("texts to the member = %d, want the answer and the survey link", n)
		}
	})
}
