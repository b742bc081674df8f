package site

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/redeem"
	"estateclub/internal/web"
)

// A redemption order belongs to its item's node and to its member's node:
// a Shanghai specialist neither lists, reads nor acts on the order of a
// Hangzhou member, even for a Shanghai item; staff of the region above
// both do. The queue lists exactly the orders that open by id, and every
// member it shows is readable.
func TestRedemptionScopeFollowsTheMember(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sc-sh", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sc-sup", auth.CitySupervisor, "SH")
		e.mustStaff(t, "sc-east", auth.CitySpecialist, "EAST")
		e.mustStaff(t, "sc-appr", auth.GroupSupervisor, "SH")
		it := mustItem(t, e, redeem.NewItem{NodeCode: "SH", Kind: redeem.KindGift, Name: "保温杯", Price: 10, Stock: new(int64(100))})
		order := func(node, key string) *redeem.Order {
			m := mustActiveMember(t, e, node)
			mustGive(t, e, m.ID, 100)
			o, err := e.srv.Redeem.Apply(fixtureCtx(), redeem.Application{MemberID: m.ID, ItemID: it.ID, IdempotencyKey: key})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		oSH, oHZ := order("SH-PD", "sc-1"), order("HZ-XH", "sc-2")
		sh, sup, east, appr := e.mustToken(t, "sc-sh"), e.mustToken(t, "sc-sup"), e.mustToken(t, "sc-east"), e.mustToken(t, "sc-appr")
		listed := func(c *client) []int64 {
			var l web.List[redeem.Order]
			if res := c.json("GET", "/api/v1/redemptions?status=", nil, &l); res.StatusCode != http.StatusOK || l.Total != len(l.Items) {
				t.Fatalf("list: %d, total %d of %d", res.StatusCode, l.Total, len(l.Items))
			}
			var ids []int64
			for _, o := range l.Items {
				ids = append(ids, o.ID)
			}
			return ids
		}
		if got := listed(sh); len(got) != 1 || got[0] != oSH.ID {
			t.Errorf("the Shanghai specialist lists %v, want only %d", got, oSH.ID)
		}
		if got := listed(east); len(got) != 2 {
			t.Errorf("the region's specialist lists %v, want both", got)
		}
		op := func(o *redeem.Order) string { return fmt.Sprintf("/api/v1/redemptions/%d", o.ID) }
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", op(oHZ), nil},
			{"POST", op(oHZ) + "/cancel", map[string]any{"reason": "越权"}},
			{"POST", op(oHZ) + "/fulfilment", map[string]any{"method": "picked_up"}},
		} {
			if res := sh.json(c.method, c.path, c.body, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("Shanghai %s %s: %d, want 404", c.method, c.path, res.StatusCode)
			}
		}
		if res := appr.json("POST", op(oHZ)+"/decision", map[string]any{"approve": true}, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("a Shanghai approver decides a Hangzhou member's order: %d", res.StatusCode)
		}
		for _, c := range []*client{sh, east} {
			if res := c.json("GET", op(oSH), nil, nil); res.StatusCode != http.StatusOK {
				t.Errorf("GET the Shanghai member's order: %d", res.StatusCode)
			}
		}
		if res := east.json("GET", op(oHZ), nil, nil); res.StatusCode != http.StatusOK {
			t.Errorf("the region reads the Hangzhou member's order: %d", res.StatusCode)
		}
		// Every order the Shanghai supervisor lists names a member they can open.
		for _, id := range listed(sup) {
			o, err := e.srv.Redeem.Order(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if res := sup.json("GET", fmt.Sprintf("/api/v1/members/%d", o.MemberID), nil, nil); res.StatusCode != http.StatusOK {
				t.Errorf("order %d lists member %d, who answers %d", id, o.MemberID, res.StatusCode)
			}
		}

		// The console agrees: the queue, the actions and the batch approval.
		shWeb := e.mustLogin(t, "sc-sh")
		body := readBody(shWeb.get("/redeem/orders?status="))
		if !strings.Contains(body, fmt.Sprintf(`id="order-%d"`, oSH.ID)) || strings.Contains(body, fmt.Sprintf(`id="order-%d"`, oHZ.ID)) {
			t.Errorf("the Shanghai queue does not show exactly the Shanghai member's order")
		}
		for _, step := range []string{"cancel", "fulfil"} {
			if res := shWeb.postForm(fmt.Sprintf("/redeem/orders/%d/%s", oHZ.ID, step), url.Values{"reason": {"越权"}, "method": {"picked_up"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("console %s of a Hangzhou member's order: %d", step, res.StatusCode)
			}
		}
		apprWeb := e.mustLogin(t, "sc-appr")
		apprWeb.postForm("/redeem/orders/approve", url.Values{"id": {fmt.Sprint(oHZ.ID), fmt.Sprint(oSH.ID)}})
		for _, c := range []struct {
			o    *redeem.Order
			want redeem.Status
		}{{oSH, redeem.Approved}, {oHZ, redeem.Applied}} {
			got, err := e.srv.Redeem.Order(t.Context(), c.o.ID)
			if err != nil || got.Status != c.want {
				t.Errorf("order %d after the batch approval: %+v %v, want %s", c.o.ID, got, err, c.want)
			}
		}
	})
}
