package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

func TestDashboardCharts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
		for i, a := range []member.Application{
			{NodeCode: "SH-PD", Name: "张三", Mobile: "13800000001", Channel: member.Online},
			{NodeCode: "SH-PD", Name: "李四", Mobile: "13800000002", Channel: member.Online},
			{NodeCode: "SH", Name: "王五", Mobile: "13800000003", Channel: member.Purchase},
			{NodeCode: "HZ-XH", Name: "赵六", Mobile: "13800000004", Channel: member.Purchase},
		} {
			m, _, err := e.srv.members.Apply(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if i != 1 {
				if _, err := e.srv.members.Review(ctx, m.ID, true, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.mustStaff(t, "sh-boss", auth.CitySupervisor, "SH")
		res := e.mustLogin(t, "sh-boss").get("/")
		body := readBody(res)
		if res.StatusCode != http.StatusOK || strings.Count(body, `<figure class="chart`) != 3 {
			t.Fatalf("dashboard: %d, %d charts", res.StatusCode, strings.Count(body, `<figure class="chart`))
		}
		// Shanghai's supervisor sees Shanghai's members only: two online, one
		// by purchase (the Hangzhou member is not counted).
		bar := func(label string) string {
			m := regexp.MustCompile(label + `</text>\s*<rect[^>]*><title>(\d+)</title>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no bar for %s", label)
			}
			return m[1]
		}
		if bar("网上入会") != "2" || bar("购房") != "1" || bar("普籍") != "2" {
			t.Fatalf("bars: online %s, purchase %s, regular %s", bar("网上入会"), bar("购房"), bar("普籍"))
		}
		month := e.d.Clock().In(chinaTime).Format("2006-01")
		if bar(month) != "2" {
			t.Fatalf("joined this month (%s): %s", month, bar(month))
		}
	})
}
