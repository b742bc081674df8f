package site

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/web"
)

// mustFixtureItem makes a gift of 10 points, 100 in stock, at the scope's node.
func mustFixtureItem(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
	t.Helper()
	return strconv.FormatInt(mustItem(t, e, redeem.NewItem{NodeCode: sc.node, Kind: redeem.KindGift, Name: "保温杯", Price: 10,
		Stock: new(int64(100))}).ID, 10)
}

// mustFixtureOrder makes an order awaiting approval, placed by the
// "fixture" account for a member at the scope's node.
func mustFixtureOrder(t *testing.T, e *testEnv, caller *auth.Staff, sc walkScope) string {
	t.Helper()
	m := mustActiveMember(t, e, sc.node)
	mustGive(t, e, m.ID, 100)
	id, _ := strconv.ParseInt(mustFixtureItem(t, e, caller, sc), 10, 64)
	o, err := e.srv.Redeem.Apply(fixtureCtx(), redeem.Application{MemberID: m.ID, ItemID: id, IdempotencyKey: "walk"})
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(o.ID, 10)
}

func mustItem(t *testing.T, e *testEnv, in redeem.NewItem) *redeem.Item {
	t.Helper()
	it, err := e.srv.Redeem.CreateItem(fixtureCtx(), in)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// mustGive awards a member reward points in the region they joined.
func mustGive(t *testing.T, e *testEnv, memberID, amount int64) {
	t.Helper()
	_, err := e.srv.Points.Post(fixtureCtx(), points.Entry{MemberID: memberID, Kind: points.Reward, Amount: amount,
		Source: points.FromAdjustment, Reason: "测试", IdempotencyKey: fmt.Sprintf("give-%d-%d", memberID, fixtureMobiles.Add(1))})
	if err != nil {
		t.Fatal(err)
	}
}

func rewardBalance(t *testing.T, e *testEnv, memberID int64) int64 {
	t.Helper()
	bs, err := e.srv.Points.Balances(context.Background(), memberID)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, b := range bs {
		if b.Kind == points.Reward {
			n += b.Balance
		}
	}
	return n
}

func itemStock(t *testing.T, e *testEnv, id int64) int64 {
	t.Helper()
	it, err := e.srv.Redeem.Item(context.Background(), id)
	if err != nil || it.Stock == nil {
		t.Fatalf("item %d: %+v %v", id, it, err)
	}
	return *it.Stock
}

func memberOrders(t *testing.T, e *testEnv, memberID int64) []redeem.Order {
	t.Helper()
	os, _, err := e.srv.Redeem.Orders(context.Background(), redeem.OrderFilter{MemberID: memberID})
	if err != nil {
		t.Fatal(err)
	}
	return os
}

// mustSee posts a form and follows the redirect, failing unless the page
// that results says want.
func mustSee(t *testing.T, c *client, path string, form url.Values, want ...string) string {
	t.Helper()
	res := c.postForm(path, form)
	body := readBody(res)
	if res.StatusCode == http.StatusSeeOther {
		res = c.get(res.Header.Get("Location"))
		body = readBody(res)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Fatalf("POST %s %v: status %d, the page does not say %q:\n%s", path, form, res.StatusCode, w, body)
		}
	}
	return body
}

var redeemKeyRe = regexp.MustCompile(`name="key" value="([^"]+)"`)

// The console, end to end: a specialist keeps the catalogue and orders for
// a member from the points page; the supervisor decides in the queue; the
// specialist fulfils.
func TestRedeemConsoleFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "rd-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "rd-boss", auth.GroupSupervisor, "GROUP")
		e.mustStaff(t, "rd-hz", auth.CitySpecialist, "HZ")
		spec, boss, hz := e.mustLogin(t, "rd-spec"), e.mustLogin(t, "rd-boss"), e.mustLogin(t, "rd-hz")

		// The catalogue: a bad price is shown on the form; a good item is listed.
		mustSee(t, spec, "/redeem/items", url.Values{"node": {"SH"}, "kind": {"voucher"}, "name": {"物业费抵扣券"}, "price": {"abc"}},
			"兑换积分须为整数", `value="物业费抵扣券"`)
		mustSee(t, spec, "/redeem/items", url.Values{"node": {"HZ"}, "kind": {"gift"}, "name": {"雨伞"}, "price": {"10"}}, "组织节点 HZ 不存在")
		page := mustSee(t, spec, "/redeem/items", url.Values{"node": {"SH"}, "kind": {"voucher"}, "name": {"物业费抵扣券"},
			"price": {"200"}, "stock": {"5"}, "member_limit": {"10"}, "valid_from": {"2020-01-01"}, "description": {"抵扣一个月物业费"}},
			"已保存", "物业费抵扣券", "商家优惠券", "2020-01-01")
		ids := regexp.MustCompile(`href="/redeem/items/(\d+)"`).FindStringSubmatch(page)
		if ids == nil {
			t.Fatalf("no item link:\n%s", page)
		}
		itemID, _ := strconv.ParseInt(ids[1], 10, 64)
		if res := hz.get("/redeem/items/" + ids[1]); res.StatusCode != http.StatusNotFound {
			t.Fatalf("Hangzhou sees Shanghai's item: %d", res.StatusCode)
		}
		// Restock by a delta, on the edit page.
		mustSee(t, spec, "/redeem/items/"+ids[1], url.Values{"name": {"物业费抵扣券"}, "price": {"200"}, "stock_delta": {"+5"},
			"member_limit": {"10"}, "valid_from": {"2020-01-01"}, "valid_to": {""}, "active": {"true"}}, "已保存", `id="item-stock">10<`)
		if page := readBody(spec.get("/redeem/items?kind=voucher&active=true&node=SH")); !strings.Contains(page, "物业费抵扣券") {
			t.Fatalf("the filtered catalogue misses the item:\n%s", page)
		}
		if page := readBody(spec.get("/redeem/items?kind=gift")); strings.Contains(page, "物业费抵扣券") {
			t.Fatal("the kind filter lets a voucher through")
		}

		// Ordering for a member: a double submit of one form orders once.
		m := mustActiveMember(t, e, "SH-PD")
		mustGive(t, e, m.ID, 1000)
		pointsPath := fmt.Sprintf("/members/%d/points", m.ID)
		page = readBody(spec.get(pointsPath))
		key := redeemKeyRe.FindStringSubmatch(page)
		if key == nil || !strings.Contains(page, "物业费抵扣券 · 200") {
			t.Fatalf("points page without the redeem form:\n%s", page)
		}
		form := url.Values{"key": {key[1]}, "item_id": {ids[1]}, "quantity": {"1"}, "delivery": {"pickup"}}
		mustSee(t, spec, fmt.Sprintf("/members/%d/redemptions", m.ID), form, "兑换申请已提交")
		page = mustSee(t, spec, fmt.Sprintf("/members/%d/redemptions", m.ID), form, "兑换申请已提交", "已申请")
		if os := memberOrders(t, e, m.ID); len(os) != 1 || rewardBalance(t, e, m.ID) != 800 || itemStock(t, e, itemID) != 9 {
			t.Fatalf("after a double submit: %d orders, balance %d, stock %d", len(os), rewardBalance(t, e, m.ID), itemStock(t, e, itemID))
		}
		if next := redeemKeyRe.FindStringSubmatch(page); next == nil || next[1] == key[1] {
			t.Error("the page after an order offers the same idempotency key again")
		}
		// Too few points: the page says so, nothing is held.
		mustSee(t, spec, fmt.Sprintf("/members/%d/redemptions", m.ID), url.Values{"key": {"k-big"}, "item_id": {ids[1]}, "quantity": {"5"}},
			"积分不足：本区域可用奖励积分 800，需要 1000")
		if rewardBalance(t, e, m.ID) != 800 {
			t.Fatal("a refused order took points")
		}
		if res := hz.postForm(fmt.Sprintf("/members/%d/redemptions", m.ID), url.Values{"key": {"k-hz"}, "item_id": {ids[1]}}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("Hangzhou orders for a Shanghai member: %d", res.StatusCode)
		}

		// The queue: the specialist sees it but may not decide.
		first := memberOrders(t, e, m.ID)[0]
		decide := fmt.Sprintf("/redeem/orders/%d/decision", first.ID)
		if page := readBody(spec.get("/redeem/orders")); !strings.Contains(page, "物业费抵扣券") || strings.Contains(page, `action="`+decide) {
			t.Fatalf("the specialist's queue:\n%s", page)
		}
		if res := spec.postForm(decide, url.Values{"decision": {"approve"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the specialist approves: %d", res.StatusCode)
		}
		if res := hz.get(fmt.Sprintf("/redeem/orders?member=%d&status=", m.ID)); !strings.Contains(readBody(res), "没有符合条件的兑换申请") {
			t.Fatal("Hangzhou's queue lists a Shanghai order")
		}
		if res := hz.postForm(fmt.Sprintf("/redeem/orders/%d/cancel", first.ID), nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("Hangzhou cancels a Shanghai order: %d", res.StatusCode)
		}
		if page := readBody(boss.get("/redeem/orders")); !strings.Contains(page, `action="`+decide) {
			t.Fatalf("the supervisor's queue has no decision form:\n%s", page)
		}
		mustSee(t, boss, decide, url.Values{"decision": {"approve"}, "back": {"/redeem/orders?status=approved"}}, "已保存", "已批准", "rd-boss")

		// The specialist fulfils with a voucher code.
		mustSee(t, spec, fmt.Sprintf("/redeem/orders/%d/fulfil", first.ID), url.Values{"method": {"voucher"}}, "已登记兑现")
		o, err := e.srv.Redeem.Order(context.Background(), first.ID)
		if err != nil || o.Status != redeem.Fulfilled || len(o.VoucherCode) != 19 {
			t.Fatalf("fulfilled order: %+v %v", o, err)
		}
		mustSee(t, spec, fmt.Sprintf("/redeem/orders/%d/fulfil", first.ID), url.Values{"method": {"voucher"}}, "兑换申请已兑现，不能兑现")
		if page := readBody(spec.get(fmt.Sprintf("/redeem/orders?status=fulfilled&member=%d", m.ID))); !strings.Contains(page, o.VoucherCode) {
			t.Fatal("the queue does not show the voucher code")
		}

		// A rejection needs a reason and returns the points and the stock.
		second := mustConsoleOrder(t, e, spec, m.ID, ids[1], "k-2")
		decide = fmt.Sprintf("/redeem/orders/%d/decision", second)
		mustSee(t, boss, decide, url.Values{"decision": {"reject"}}, "请填写驳回原因")
		mustSee(t, boss, decide, url.Values{"decision": {"reject"}, "reason": {"库存盘点不符"}}, "已保存")
		if rewardBalance(t, e, m.ID) != 800 || itemStock(t, e, itemID) != 9 {
			t.Fatalf("after a rejection: balance %d, stock %d", rewardBalance(t, e, m.ID), itemStock(t, e, itemID))
		}

		// Batch approval of the ticked orders; cancelling one returns its points.
		a, b := mustConsoleOrder(t, e, spec, m.ID, ids[1], "k-3"), mustConsoleOrder(t, e, spec, m.ID, ids[1], "k-4")
		mustSee(t, boss, "/redeem/orders/approve", url.Values{}, "请先勾选要批准的申请")
		mustSee(t, boss, "/redeem/orders/approve", url.Values{"id": {strconv.FormatInt(a, 10), strconv.FormatInt(b, 10)}}, "已保存")
		for _, id := range []int64{a, b} {
			if o, _ := e.srv.Redeem.Order(context.Background(), id); o.Status != redeem.Approved || o.ApprovedBy != "rd-boss" {
				t.Errorf("order %d after the batch: %+v", id, o)
			}
		}
		mustSee(t, spec, fmt.Sprintf("/redeem/orders/%d/cancel", b), url.Values{"reason": {"会员改主意"}}, "已保存")
		if rewardBalance(t, e, m.ID) != 600 {
			t.Fatalf("balance %d after one more order and a cancellation, want 600", rewardBalance(t, e, m.ID))
		}

		// Settings: the specialist may not change them; the supervisor turns
		// on automatic approval, and a small order skips the queue.
		if res := spec.postForm("/redeem/settings", url.Values{"auto_approve_below": {"1000"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the specialist changes the settings: %d", res.StatusCode)
		}
		mustSee(t, boss, "/redeem/settings", url.Values{"auto_approve_below": {"-5"}}, "自动审批额度须为")
		mustSee(t, boss, "/redeem/settings", url.Values{"auto_approve_below": {"300"}, "spend_anywhere": {"on"}}, "已保存", `value="300"`)
		mustSee(t, spec, fmt.Sprintf("/members/%d/redemptions", m.ID), url.Values{"key": {"k-5"}, "item_id": {ids[1]}}, "已自动批准")
		if on, _ := e.srv.Points.SpendAnywhere(context.Background()); !on {
			t.Error("spend anywhere was not saved")
		}

		// English.
		boss.postForm("/account/locale", url.Values{"lang": {"en"}, "next": {"/redeem/orders"}}).Body.Close()
		if page := readBody(boss.get("/redeem/orders?status=")); !strings.Contains(page, "Redemption orders") || !strings.Contains(page, "Fulfilled") {
			t.Fatalf("English queue:\n%s", page)
		}
	})
}

// mustConsoleOrder orders one unit for a member through the points page's form.
func mustConsoleOrder(t *testing.T, e *testEnv, c *client, memberID int64, itemID, key string) int64 {
	t.Helper()
	res := c.postForm(fmt.Sprintf("/members/%d/redemptions", memberID), url.Values{"key": {key}, "item_id": {itemID}, "quantity": {"1"},
		"delivery": {"post"}, "address": {"上海市浦东新区滨江大道 1 号"}})
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || strings.Contains(loc, "error=") {
		t.Fatalf("order: %d %s", res.StatusCode, loc)
	}
	return memberOrders(t, e, memberID)[0].ID
}

// The API: the Idempotency-Key header, the typed errors and the scope.
func TestRedeemAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "api-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "api-boss", auth.GroupSupervisor, "GROUP")
		e.mustStaff(t, "api-hz", auth.CitySpecialist, "HZ")
		spec, boss, hz := e.mustToken(t, "api-spec"), e.mustToken(t, "api-boss"), e.mustToken(t, "api-hz")
		var it redeem.Item
		if res := spec.json("POST", "/api/v1/redeem/items", map[string]any{"node_code": "SH", "kind": "gift", "name": "精美礼品", "price": 300, "stock": 2}, &it); res.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %+v", res.StatusCode, it)
		}
		m := mustActiveMember(t, e, "SH-PD")
		mustGive(t, e, m.ID, 500)
		path := fmt.Sprintf("/api/v1/members/%d/redemptions", m.ID)
		apply := func(c *client, key string, qty int) (int, redeem.Order, web.ErrorBody) {
			c.header = map[string]string{"Idempotency-Key": key}
			defer func() { c.header = nil }()
			var raw json.RawMessage
			res := c.json("POST", path, map[string]any{"item_id": it.ID, "quantity": qty, "note": "现场领取"}, &raw)
			var o redeem.Order
			var eb web.ErrorBody
			mustSpecDecode(t, raw, &o)
			mustSpecDecode(t, raw, &eb)
			return res.StatusCode, o, eb
		}
		st, first, _ := apply(spec, "tap-1", 1)
		st2, again, _ := apply(spec, "tap-1", 1)
		if st != http.StatusCreated || st2 != http.StatusOK || again.ID != first.ID || !again.Replayed {
			t.Fatalf("retry with the same key: %d %+v, then %d %+v", st, first, st2, again)
		}
		if st, _, eb := apply(spec, "tap-1", 2); st != http.StatusConflict || eb.Error.Field != "idempotency_key" {
			t.Fatalf("same key, another order: %d %+v", st, eb)
		}
		if st, _, eb := apply(spec, "", 1); st != http.StatusBadRequest || eb.Error.Field != "idempotency_key" {
			t.Fatalf("no key: %d %+v", st, eb)
		}
		if st, _, eb := apply(spec, "tap-2", 1); st != http.StatusConflict || eb.Error.Code != "insufficient_points" || !strings.Contains(eb.Error.Message, "积分不足") {
			t.Fatalf("200 points left for 300: %d %+v", st, eb)
		}
		if rewardBalance(t, e, m.ID) != 200 || itemStock(t, e, it.ID) != 1 {
			t.Fatalf("balance %d, stock %d", rewardBalance(t, e, m.ID), itemStock(t, e, it.ID))
		}
		// Out of scope: Hangzhou neither sees nor touches the order.
		if st, _, eb := apply(hz, "tap-hz", 1); st != http.StatusNotFound || eb.Error.Code != "not_found" {
			t.Fatalf("Hangzhou applies for a Shanghai member: %d", st)
		}
		op := fmt.Sprintf("/api/v1/redemptions/%d", first.ID)
		for _, c := range []struct{ method, path string }{{"GET", op}, {"POST", op + "/cancel"}, {"PATCH", fmt.Sprintf("/api/v1/redeem/items/%d", it.ID)}} {
			if res := hz.json(c.method, c.path, map[string]any{}, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("Hangzhou %s %s: %d", c.method, c.path, res.StatusCode)
			}
		}
		var list web.List[redeem.Order]
		if hz.json("GET", "/api/v1/redemptions?status=", nil, &list); list.Total != 0 {
			t.Errorf("Hangzhou lists %d Shanghai orders", list.Total)
		}
		// The specialist may not decide; the supervisor rejects with a note.
		if res := spec.json("POST", op+"/decision", map[string]any{"approve": true}, nil); res.StatusCode != http.StatusForbidden {
			t.Fatalf("specialist decides: %d", res.StatusCode)
		}
		var o redeem.Order
		if res := boss.json("POST", op+"/decision", map[string]any{"approve": false, "note": "礼品已停产"}, &o); res.StatusCode != http.StatusOK ||
			o.Status != redeem.Rejected || o.CloseReason != "礼品已停产" {
			t.Fatalf("reject: %d %+v", res.StatusCode, o)
		}
		if rewardBalance(t, e, m.ID) != 500 || itemStock(t, e, it.ID) != 2 {
			t.Fatalf("after the rejection: balance %d, stock %d", rewardBalance(t, e, m.ID), itemStock(t, e, it.ID))
		}
		// The supervisor who applied may not approve their own application.
		_, own, _ := apply(boss, "boss-1", 1)
		var eb web.ErrorBody
		if res := boss.json("POST", fmt.Sprintf("/api/v1/redemptions/%d/decision", own.ID), map[string]any{"approve": true}, &eb); res.StatusCode != http.StatusForbidden ||
			!strings.Contains(eb.Error.Message, "申请人不能审批") {
			t.Fatalf("self-approval: %d %+v", res.StatusCode, eb)
		}
	})
}
