package site

import (
	"net/http"
	"strings"
	"testing"

	"estateclub/internal/auth"
)

func TestLoginDashboardLogout(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
		c := e.mustLogin(t, "boss")
		res := c.get("/")
		body := readBody(res)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `id="count-city">2<`) {
			t.Fatalf("dashboard: %d\n%s", res.StatusCode, body)
		}
		res = c.postForm("/logout", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		res = c.get("/")
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Fatalf("after logout: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
	})
}
