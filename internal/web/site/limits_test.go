package site

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
)

// TestBodyLimitsAndContentType: an oversized console or portal form is
// "too large", not a CSRF failure; a JSON route refuses another content
// type with 415 and an oversized body with 413.
func TestBodyLimitsAndContentType(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "boss", auth.Admin, "GROUP")
		c := e.mustLogin(t, "boss")
		big := url.Values{"name": {strings.Repeat("A", 10<<20)}}
		res := c.postForm("/account/locale", big)
		if body := readBody(res); res.StatusCode != http.StatusRequestEntityTooLarge || strings.Contains(body, "CSRF") || !strings.Contains(body, "太大") {
			t.Errorf("a 10 MB console form: %d\n%.400s", res.StatusCode, body)
		}
		// The same form without its token is still refused as too large:
		// the size is checked before anything else is read.
		res = c.do(http.MethodPost, "/account/locale", strings.NewReader("lang=en&x="+strings.Repeat("A", 10<<20)), "application/x-www-form-urlencoded")
		if readBody(res); res.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("a 10 MB console form without a token: %d", res.StatusCode)
		}
		// A small form still works.
		if res := c.postForm("/account/locale", url.Values{"lang": {"en"}, "next": {"/"}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a normal form after the big one: %d", res.StatusCode)
		}

		api := e.mustToken(t, "boss")
		form := api.do(http.MethodPost, "/api/v1/org/nodes", strings.NewReader("parent=GROUP"), "application/x-www-form-urlencoded")
		mustAPIError(t, form, http.StatusUnsupportedMediaType, apperr.UnsupportedMedia)
		none := api.do(http.MethodPost, "/api/v1/org/nodes", strings.NewReader(`{"parent":"GROUP"}`), "")
		mustAPIError(t, none, http.StatusUnsupportedMediaType, apperr.UnsupportedMedia)
		huge := api.do(http.MethodPost, "/api/v1/org/nodes", strings.NewReader(`{"name":"`+strings.Repeat("A", 2<<20)+`"}`), "application/json")
		mustAPIError(t, huge, http.StatusRequestEntityTooLarge, apperr.TooLarge)
	})
}

// TestMemberListTotalLowerBound: past member.CountCap matches the API says
// its total is a lower bound; below it the total is exact and unflagged.
func TestMemberListTotalLowerBound(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
		ctx := context.Background()
		apps := make([]member.Application, member.CountCap+5)
		for i := range apps {
			node := "SH-PD"
			if i < 7 {
				node = "HZ-XH"
			}
			apps[i] = member.Application{NodeCode: node, Channel: member.SalesSite, Name: "测试会员", Gender: "F",
				Mobile: fmt.Sprintf("1391234%04d", i)}
		}
		res, err := e.srv.Members.ApplyBatch(ctx, apps, member.BatchOptions{Source: "import"})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("row %d: %v", i, r.Err)
			}
		}
		api := e.mustToken(t, "boss")
		all := mustJSON[map[string]any](t, api.get("/api/v1/members?per_page=10"), http.StatusOK)
		if all["total"] != float64(member.CountCap+1) || all["total_is_lower_bound"] != true {
			t.Errorf("%d members: total %v, total_is_lower_bound %v", len(apps), all["total"], all["total_is_lower_bound"])
		}
		few := mustJSON[map[string]any](t, api.get("/api/v1/members?org=HZ-XH&per_page=10"), http.StatusOK)
		if _, flagged := few["total_is_lower_bound"]; few["total"] != float64(7) || flagged {
			t.Errorf("7 members in HZ-XH: %v", few)
		}
	})
}

// TestErrorPageSaysItOnce: the console's and the portal's error pages show
// the message once, with the request id the response carries.
func TestErrorPageSaysItOnce(t *testing.T) {
	e := newEnv(t)
	e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
	const mobile = "13912340000"
	m, _, err := e.srv.Members.Apply(fixtureCtx(), member.Application{NodeCode: "SH-PD", Name: "王小明", Mobile: mobile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.Members.Review(fixtureCtx(), m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	mc, _ := mustPortalSignIn(t, e, mobile)
	for _, c := range []struct {
		who  *client
		path string
	}{
		{e.mustLogin(t, "boss"), "/members/987654"},
		{mc, "/m/orders/987654"},
	} {
		res := c.who.get(c.path)
		body := readBody(res)
		id := res.Header.Get("X-Request-Id")
		if res.StatusCode < 400 || strings.Count(body, `role="alert"`) != 1 || id == "" || !strings.Contains(body, id) {
			t.Errorf("%s: %d, %d alerts, request id %q\n%.1500s", c.path, res.StatusCode, strings.Count(body, `role="alert"`), id, body)
		}
	}
}
