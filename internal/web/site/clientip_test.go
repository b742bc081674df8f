package site

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"estateclub/internal/memberauth"
	"estateclub/internal/web"
)

func TestClientIP(t *testing.T) {
	tests := []struct {
		trust bool
		hops  int
		xff   []string
		want  string
	}{
		{false, 0, []string{"203.0.113.7"}, "192.0.2.1"},
		{true, 0, nil, "192.0.2.1"},
		{true, 0, []string{"203.0.113.7"}, "203.0.113.7"},
		{true, 1, []string{"10.99.0.1, 203.0.113.7"}, "203.0.113.7"},
		{true, 1, []string{"10.99.0.1", "203.0.113.7"}, "203.0.113.7"},
		{true, 2, []string{"10.99.0.1, 203.0.113.7, 198.51.100.2"}, "203.0.113.7"},
		{true, 3, []string{"203.0.113.7, 198.51.100.2"}, "203.0.113.7"},
		{true, 1, []string{"not-an-address"}, "192.0.2.1"},
		{true, 1, []string{"2001:db8::1"}, "2001:db8::1"},
	}
	for _, tt := range tests {
		s := &web.Server{Config: web.Config{TrustProxy: tt.trust, ProxyHops: tt.hops}}
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = "192.0.2.1:4711"
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.ClientIP(r); got != tt.want {
			t.Errorf("trust=%v hops=%d X-Forwarded-For %q: clientIP = %q, want %q", tt.trust, tt.hops, tt.xff, got, tt.want)
		}
	}
}

// TestForwardedForBypass: a client behind the trusted proxy that writes its
// own X-Forwarded-For entries still counts as the one address the proxy
// saw, so the per-address limit on sign-in codes holds.
func TestForwardedForBypass(t *testing.T) {
	e := newEnv(t)
	e.srv.Config.TrustProxy = true
	limit := memberauth.DefaultLimits.PerIPHour
	sent := 0
	for i := range limit + 5 {
		c := e.anon(t)
		c.header = map[string]string{"X-Forwarded-For": fmt.Sprintf("10.99.0.%d, 203.0.113.7", i)}
		res := c.postForm("/m/login/code", url.Values{"mobile": {fmt.Sprintf("1390000%04d", i)}})
		if page := readBody(res); res.StatusCode == http.StatusOK && strings.Contains(page, `id="signin-form"`) {
			sent++
		}
	}
	if sent != limit {
		t.Errorf("%d codes sent to one proxied address writing %d different X-Forwarded-For prefixes; the limit is %d", sent, limit+5, limit)
	}
}
