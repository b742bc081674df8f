package site

import (
	"net/http"
	"net/url"
	"testing"

	"estateclub/internal/web"
)

// The known ways to turn a "next" parameter into a redirect off the site:
// browsers drop tabs and newlines, read "\" as "/", and accept a scheme or
// a scheme-relative "//host".
var offSiteTargets = []string{
	"//evil.example",
	"///evil.example",
	"/\t/evil.example",
	"/\n/evil.example",
	"/\r/evil.example",
	"/\x00/evil.example",
	"/\\evil.example",
	"\\\\evil.example",
	"/\\/evil.example",
	"https://evil.example",
	"http:/evil.example",
	"http:evil.example",
	"javascript:alert(1)",
	"evil.example",
	" //evil.example",
	"/%2F/evil.example",
	"/%2f%2fevil.example",
	"/\u3000/evil.example",
	"/\u2028/evil.example",
	"",
}

func TestLocalTarget(t *testing.T) {
	for _, next := range offSiteTargets {
		if web.LocalTarget(next, "/") {
			t.Errorf("localTarget(%q) = true, want false", next)
		}
	}
	for _, next := range []string{"/", "/members?q=%E5%BC%A0&page=2", "/members/12#cards", "/m/points", "/a%09b"} {
		if !web.LocalTarget(next, "/") {
			t.Errorf("localTarget(%q) = false, want true", next)
		}
	}
	if web.LocalTarget("/members", "/m/") || !web.LocalTarget("/m/card", "/m/") {
		t.Error("the portal prefix is not kept")
	}
}

// TestRedirectsStayOnSite sends each off-site target through every route
// that redirects to a "next" parameter and requires a Location on this site.
func TestRedirectsStayOnSite(t *testing.T) {
	e := newEnv(t)
	e.mustStaff(t, "clerk", "", "GROUP")
	onSite := func(res *http.Response, what string) {
		t.Helper()
		readBody(res)
		loc := res.Header.Get("Location")
		u, err := url.Parse(loc)
		if res.StatusCode != http.StatusSeeOther || err != nil || u.Host != "" || u.Scheme != "" || !web.LocalTarget(loc, "/") {
			t.Errorf("%s: %d → Location %q, want a path on this site", what, res.StatusCode, loc)
		}
	}
	for _, next := range offSiteTargets {
		onSite(e.anon(t).postForm("/lang", url.Values{"lang": {"en"}, "next": {next}}), "POST /lang "+next)
		onSite(e.anon(t).postForm("/login", url.Values{"login": {"clerk"}, "password": {testPassword}, "next": {next}}), "POST /login "+next)
		signedIn := e.mustLogin(t, "clerk")
		onSite(signedIn.get("/login?next="+url.QueryEscape(next)), "GET /login?next="+next)
		onSite(signedIn.postForm("/account/locale", url.Values{"lang": {"zh-CN"}, "next": {next}}), "POST /account/locale "+next)
	}
	if loc := web.SafePortalNext("/m/\t/evil.example"); loc != "/m/" {
		t.Errorf("safePortalNext kept %q", loc)
	}
}
