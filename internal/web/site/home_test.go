package site

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/pii"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// todoCountOf reads the count of one kind of work from a home page ("" if
// the page does not show it).
func todoCountOf(page, key string) string {
	re := regexp.MustCompile(`id="todo-` + regexp.QuoteMeta(key) + `"><span class="num">([0-9,]+)</span>`)
	if m := re.FindStringSubmatch(page); m != nil {
		return m[1]
	}
	return ""
}

// The home page shows each role the work waiting for it, counted in its
// own scope, and links to the page that does it.
func TestHomeShowsWorkWaiting(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-boss", auth.CitySupervisor, "SH")
		e.mustStaff(t, "hz-boss", auth.CitySupervisor, "HZ")
		e.mustStaff(t, "sh-care", auth.CustomerRelations, "SH")
		e.mustStaff(t, "hz-care", auth.CustomerRelations, "HZ")
		e.mustStaff(t, "root", auth.Admin, "GROUP")
		for range 3 {
			mustFixtureMember(t, e, "SH-PD") // applications waiting for review
		}
		mustFixtureMember(t, e, "HZ-XH")
		m := mustActiveMember(t, e, "SH-PD")
		q, err := e.srv.Requests.Submit(actorCtx("fixture"), request.NewRequest{MemberID: m.ID, Kind: request.Complaint,
			Subkind: request.SubProperty, Text: "车库照明坏了一周", Files: []request.Upload{{Name: "garage.png", Data: pngPhoto(t)}}})
		if err != nil {
			t.Fatal(err)
		}

		sh := e.mustLogin(t, "sh-boss")
		home := mustPage(t, sh, "/", `id="todo"`)
		if got := todoCountOf(home, "members.review"); got != "3" {
			t.Errorf("Shanghai's supervisor: %q applications to review, want 3", got)
		}
		if got := todoCountOf(home, "requests.open"); got != "1" {
			t.Errorf("Shanghai's supervisor: %q new requests, want 1", got)
		}
		if todoCountOf(home, "redeem.approve") != "" {
			t.Error("a city supervisor, who cannot approve redemptions, is shown them as work")
		}
		// The count is the list's: the review queue holds those three.
		queue := mustPage(t, sh, "/members/review")
		if n := strings.Count(queue, `name="id"`); n != 3 {
			t.Errorf("the review queue holds %d applications, the home page said 3", n)
		}
		var dash web.Dashboard
		if res := e.mustToken(t, "hz-boss").json(http.MethodGet, "/api/v1/dashboard", nil, &dash); res.StatusCode != http.StatusOK {
			t.Fatalf("dashboard API: %d", res.StatusCode)
		}
		counts := map[string]int{}
		for _, it := range dash.Todo {
			counts[it.Key] = it.Count
		}
		if counts["members.review"] != 1 || counts["requests.open"] != 0 {
			t.Errorf("Hangzhou's supervisor through the API: %v, want 1 application and no request", counts)
		}

		// Customer relations: the request in the menu, the queue and its page.
		care := e.mustLogin(t, "sh-care")
		home = mustPage(t, care, "/", `href="/requests"`)
		if got := todoCountOf(home, "requests.open"); got != "1" {
			t.Errorf("Shanghai's customer relations: %q new requests, want 1", got)
		}
		list := mustPage(t, care, "/requests?status=open", q.No, "车库照明坏了一周")
		if strings.Contains(list, m.Name) {
			t.Errorf("the queue shows the member's full name %q", m.Name)
		}
		page := mustPage(t, care, fmt.Sprintf("/requests/%d", q.ID), q.No, "物业")
		if !strings.Contains(page, fmt.Sprintf(`/requests/%d/files/`, q.ID)) {
			t.Error("the request's page does not show its photo")
		}
		full, err := e.srv.Requests.Get(t.Context(), q.ID)
		if err != nil {
			t.Fatal(err)
		}
		photo := fmt.Sprintf("/requests/%d/files/%d", q.ID, full.Files[0].ID)
		if res := care.get(photo); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
			t.Errorf("the photo: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		// Another city's customer relations neither lists nor opens it.
		other := e.mustLogin(t, "hz-care")
		if list := mustPage(t, other, "/requests"); strings.Contains(list, q.No) {
			t.Error("Hangzhou's customer relations lists Shanghai's request")
		}
		for _, path := range []string{fmt.Sprintf("/requests/%d", q.ID), photo} {
			if res := other.get(path); res.StatusCode != http.StatusNotFound {
				t.Errorf("Hangzhou's customer relations: GET %s answered %d, want 404", path, res.StatusCode)
			}
		}
		if res := care.get("/requests?status=shelved"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("an unknown status filter answered %d, want 400", res.StatusCode)
		}

		// The administrator's home shows the state of the service.
		mustPage(t, e.mustLogin(t, "root"), "/", `id="system-status"`, map[db.Dialect]string{db.SQLite: "SQLite</span> （内置）", db.Postgres: "PostgreSQL"}[e.d.Dialect()], `href="/settings"`)
	})
}

// A merchant checks a member's card at the counter: by the portal's QR
// code or by the number on the card.
func TestMerchantCardCheck(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "shop", auth.MerchantStaff, "SH")
		m := mustActiveMember(t, e, "SH-PD")
		c := mustIssued(t, e, m.ID, "SH")
		payload, err := e.srv.Cards.QRFor(c)
		if err != nil {
			t.Fatal(err)
		}
		shop := e.mustLogin(t, "shop")
		mustPage(t, shop, "/", `id="card-check"`, `href="/cards/verify"`)

		check := func(code string) (int, string) {
			res := shop.postForm("/cards/verify", url.Values{"code": {code}})
			return res.StatusCode, readBody(res)
		}
		status, page := check(payload)
		if status != http.StatusOK || !strings.Contains(page, `id="card-check-result"`) || !strings.Contains(page, "有效会员卡") {
			t.Fatalf("QR check: %d\n%s", status, page)
		}
		if masked := pii.MaskName(m.Name); !strings.Contains(page, masked) || strings.Contains(page, m.Name) {
			t.Errorf("the holder is not shown masked (want %s, never %q)", masked, m.Name)
		}
		if status, page = check(c.Number); status != http.StatusOK || !strings.Contains(page, "按卡号核验") {
			t.Errorf("number check: %d", status)
		}
		for _, bad := range []string{"", "hello", payload + "x", "0000000000000000"} {
			if status, page = check(bad); status != http.StatusBadRequest || !strings.Contains(page, `id="form-error"`) {
				t.Errorf("check %q: %d, want 400 with a message", bad, status)
			}
		}
		// A card reported lost is not usable any more.
		if _, err := e.srv.Cards.ReportLost(actorCtx("fixture"), c.Number, "walk"); err != nil {
			t.Fatal(err)
		}
		if status, page = check(c.Number); status == http.StatusOK && strings.Contains(page, "有效会员卡") {
			t.Error("a lost card still checks as usable")
		}
	})
}

// The claims queue (撞单) pages, filters by status, and a manager decides
// only the claims of the projects in scope.
func TestLeadClaimsPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		owner := e.mustStaff(t, "pd-owner", auth.SalesConsultant, "SH-PD")
		other := e.mustStaff(t, "pd-other", auth.SalesConsultant, "SH-PD")
		e.mustStaff(t, "pd-boss", auth.SalesManager, "SH-PD")
		e.mustStaff(t, "xh-boss", auth.SalesManager, "HZ-XH")
		var ids []int64
		for range 3 {
			l := mustFixtureLead(t, e, walkScope{node: "SH-PD", staff: owner})
			c, err := e.srv.Leads.FileClaim(db.WithActor(t.Context(), db.Actor{Kind: "staff", ID: other.ID, Login: other.Login}), l.ID, "我先接待的")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		boss := e.mustLogin(t, "pd-boss")
		first := mustPage(t, boss, "/leads/claims?per_page=2", `class="pager-next"`)
		if n := strings.Count(first, `action="/leads/claims/`); n != 2 {
			t.Errorf("page 1 shows %d open claims, want 2", n)
		}
		second := mustPage(t, boss, "/leads/claims?per_page=2&page=2")
		if n := strings.Count(second, `action="/leads/claims/`); n != 1 {
			t.Errorf("page 2 shows %d open claims, want 1", n)
		}
		if page := mustPage(t, boss, "/leads/claims?status=granted"); strings.Contains(page, `action="/leads/claims/`) {
			t.Error("the granted filter lists open claims")
		}
		if res := boss.get("/leads/claims?status=maybe"); res.StatusCode != http.StatusBadRequest {
			t.Errorf("an unknown status answered %d", res.StatusCode)
		}
		// Another project's manager neither sees nor decides them.
		xh := e.mustLogin(t, "xh-boss")
		if page := mustPage(t, xh, "/leads/claims"); strings.Contains(page, `action="/leads/claims/`) {
			t.Error("Hangzhou's manager lists Pudong's claims")
		}
		decide := fmt.Sprintf("/leads/claims/%d/decision", ids[0])
		if res := xh.postForm(decide, url.Values{"decision": {"reject"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("Hangzhou's manager deciding a Pudong claim: %d, want 404", res.StatusCode)
		}
		if res := boss.postForm(decide, url.Values{"decision": {"reject"}, "note": {"按登记时间"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("decide: %d %s", res.StatusCode, readBody(res))
		}
		if page := mustPage(t, boss, "/leads/claims?status=rejected"); !strings.Contains(page, "按登记时间") {
			t.Error("the rejected claim is not listed under its status")
		}
	})
}
