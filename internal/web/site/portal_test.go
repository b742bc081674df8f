package site

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/event"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/request"
	"estateclub/internal/sms"
	"estateclub/internal/web"
)

var codeRe = regexp.MustCompile(`\d{6}`)

// mustPortalSignIn signs a mobile in through the portal with the code from
// the outbox, and returns the client with its CSRF token.
func mustPortalSignIn(t *testing.T, e *testEnv, mobile string) (*client, *http.Response) {
	t.Helper()
	c := e.anon(t)
	res := c.postForm("/m/login/code", url.Values{"mobile": {mobile}})
	if page := readBody(res); res.StatusCode != http.StatusOK || !strings.Contains(page, `id="signin-form"`) {
		t.Fatalf("send code: %d\n%s", res.StatusCode, page)
	}
	code := mustOutboxCode(t, e, mobile)
	res = c.postForm("/m/login", url.Values{"mobile": {mobile}, "code": {code}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d\n%s", res.StatusCode, readBody(res))
	}
	res.Body.Close()
	page := readBody(c.get("/m/profile"))
	if m := csrfRe.FindStringSubmatch(page); m != nil {
		c.csrf = m[1]
	} else if page = readBody(c.get("/m/join")); csrfRe.MatchString(page) {
		c.csrf = csrfRe.FindStringSubmatch(page)[1]
	}
	return c, res
}

func mustOutboxCode(t *testing.T, e *testEnv, mobile string) string {
	t.Helper()
	msgs, _, err := e.srv.SMS.Messages(context.Background(), sms.Filter{Mobile: mobile, Limit: 1})
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no text to %s in the outbox: %v", mobile, err)
	}
	code := codeRe.FindString(msgs[0].Text)
	if code == "" {
		t.Fatalf("no code in %q", msgs[0].Text)
	}
	return code
}

// mustSmallPage gets a portal page and checks its status and weight.
func mustSmallPage(t *testing.T, c *client, path string, want ...string) string {
	t.Helper()
	page := mustPage(t, c, path, want...)
	if len(page) > 100_000 {
		t.Errorf("%s weighs %d bytes, over 100 KB", path, len(page))
	}
	return page
}

func pngPhoto(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPortalMember(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := actorCtx("fixture")
		const mobile = "13912345678"
		m, _, err := e.srv.Members.Apply(ctx, member.Application{NodeCode: "SH-PD", Name: "王小明", Mobile: mobile,
			Consent: member.Consent{SMS: true, Email: true}})
		if err != nil {
			t.Fatal(err)
		}
		if m, err = e.srv.Members.Review(ctx, m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		other := mustActiveMember(t, e, "SH-PD")
		c := mustIssued(t, e, m.ID, "SH")
		if _, err := e.srv.Points.Post(ctx, points.Entry{MemberID: m.ID, Kind: points.Reward, Amount: 500, Source: points.FromAdjustment,
			Reason: "入会礼", IdempotencyKey: "portal-500"}); err != nil {
			t.Fatal(err)
		}
		stock := int64(5)
		item, err := e.srv.Redeem.CreateItem(ctx, redeem.NewItem{NodeCode: "GROUP", Kind: redeem.KindGift, Name: "定制保温杯", Price: 100, Stock: &stock})
		if err != nil {
			t.Fatal(err)
		}

		// Not signed in: the portal sends to its own sign-in, and so does a staff session.
		anon := e.anon(t)
		if res := anon.get("/m/"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/m/login") {
			t.Fatalf("anonymous /m/: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		e.mustStaff(t, "portal-boss", auth.GroupSupervisor, "GROUP")
		boss := e.mustLogin(t, "portal-boss")
		if res := boss.get("/m/points"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/m/login") {
			t.Fatalf("a staff session opened the portal: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		mustSmallPage(t, anon, "/m/login", `id="code-form"`, "演示环境")

		// Wrong codes are refused clearly; asking again at once is refused too.
		res := anon.postForm("/m/login/code", url.Values{"mobile": {"1234"}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="form-error"`) {
			t.Fatalf("a bad mobile: %d\n%s", res.StatusCode, page)
		}
		if res := anon.postForm("/m/login/code", url.Values{"mobile": {mobile}}); res.StatusCode != http.StatusOK {
			t.Fatalf("send code: %d", res.StatusCode)
		}
		res = anon.postForm("/m/login/code", url.Values{"mobile": {mobile}})
		if page := readBody(res); res.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, `id="form-error"`) {
			t.Fatalf("a second code at once: %d\n%s", res.StatusCode, page)
		}
		res = anon.postForm("/m/login", url.Values{"mobile": {mobile}, "code": {"000000"}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="form-error"`) {
			t.Fatalf("a wrong code: %d\n%s", res.StatusCode, page)
		}
		code := mustOutboxCode(t, e, mobile)
		res = anon.postForm("/m/login", url.Values{"mobile": {mobile}, "code": {code}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/m/" {
			t.Fatalf("sign in: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		me := anon
		home := mustSmallPage(t, me, "/m/", "王小明", c.Number, `id="reward-balance">500<`)
		me.csrf = csrfRe.FindStringSubmatch(home)[1]
		mustSmallPage(t, me, "/m/card", `id="card-qr"`)
		mustSmallPage(t, me, "/m/points", "入会礼", "+500")
		profile := mustSmallPage(t, me, "/m/profile", "139****5678")
		if strings.Contains(profile, mobile) {
			t.Fatal("the profile shows the full mobile number")
		}

		// Two rewards of one name say who offers each.
		if _, err := e.srv.Redeem.CreateItem(ctx, redeem.NewItem{NodeCode: "SH", Kind: redeem.KindGift, Name: "定制保温杯", Price: 120, Stock: &stock}); err != nil {
			t.Fatal(err)
		}
		rewards := mustSmallPage(t, me, "/m/rewards", "定制保温杯")
		if !strings.Contains(rewards, `提供方：<span translate="no">`+e.mustNodeName(t, "GROUP")) || !strings.Contains(rewards, `提供方：<span translate="no">上海城市公司`) {
			t.Errorf("the two 定制保温杯 rewards do not say who offers them:\n%s", rewards)
		}

		// Redeeming twice with one form is one order.
		page := mustSmallPage(t, me, "/m/rewards", "定制保温杯")
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page)[1]
		form := url.Values{"key": {key}, "quantity": {"1"}}
		first := mustRedirect(t, "redeem", me.postForm(fmt.Sprintf("/m/rewards/%d", item.ID), form))
		second := mustRedirect(t, "redeem again", me.postForm(fmt.Sprintf("/m/rewards/%d", item.ID), form))
		if first != second || !strings.HasPrefix(first, "/m/orders/") {
			t.Fatalf("a double tap made two orders: %s, %s", first, second)
		}
		orders, total, err := e.srv.Redeem.Orders(context.Background(), redeem.OrderFilter{MemberID: m.ID})
		if err != nil || total != 1 {
			t.Fatalf("orders: %d, %v", total, err)
		}
		orderPath := strings.SplitN(first, "?", 2)[0]
		mustSmallPage(t, me, orderPath, "定制保温杯", `id="cancel-form"`)
		mustSmallPage(t, me, "/m/", `id="reward-balance">400<`)

		if res := me.get(fmt.Sprintf("/m/orders/%d", orders[0].ID+1000)); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a missing order: %d", res.StatusCode)
		}
		mustRedirect(t, "cancel", me.postForm(orderPath+"/cancel", nil))
		mustSmallPage(t, me, "/m/", `id="reward-balance">500<`)

		// Profile: withdrawing SMS consent takes effect at once.
		mustRedirect(t, "profile", me.postForm("/m/profile", url.Values{"email": {"wxm@example.com"}, "interests": {"高尔夫，亲子"}, "consent_email": {"on"}}))
		after, err := e.srv.Members.Get(context.Background(), m.ID)
		if err != nil || after.Consent.SMS || !after.Consent.Email || after.Email != "wxm@example.com" || len(after.Tags) != 2 {
			t.Fatalf("after the profile change: %+v, %v", after, err)
		}
		mustSmallPage(t, me, "/m/profile", "wxm@example.com")
		mustRedirect(t, "data copy", me.postForm("/m/profile/privacy", url.Values{"what": {"data_copy"}}))
		res = me.postForm("/m/profile/privacy", url.Values{"what": {"data_copy"}})
		if res.StatusCode != http.StatusConflict {
			t.Fatalf("a second open data-copy request: %d", res.StatusCode)
		}

		// A complaint with a photo and a PDF.
		reqLoc := mustRedirect(t, "request", me.postMultipart("/m/requests", url.Values{"topic": {"complaint/property"},
			"text": {"楼道灯坏了一周，尚未维修。"}}, formFile{"light.png", pngPhoto(t)}, formFile{"报修单.pdf", pdfFile()}))
		reqPath := strings.SplitN(reqLoc, "?", 2)[0]
		reqPage := mustSmallPage(t, me, reqPath, "楼道灯坏了一周", "已提交")
		if strings.Contains(reqPage, "submitted") {
			t.Errorf("the request's progress shows the raw code:\n%s", reqPage)
		}
		if !strings.Contains(reqPage, "报修单.pdf") {
			t.Errorf("the request page does not link its PDF:\n%s", reqPage)
		}
		photo := regexp.MustCompile(`src="(/m/requests/\d+/files/\d+)"`).FindStringSubmatch(reqPage)
		if photo == nil {
			t.Fatalf("no photo on the request page:\n%s", reqPage)
		}
		if res := me.get(photo[1]); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("photo: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}

		// The other member signs in and cannot reach this member's request or order.
		otherMobile := mustMobileOf(t, e, other.ID)
		them, _ := mustPortalSignIn(t, e, otherMobile)
		for _, p := range []string{reqPath, photo[1], orderPath} {
			if res := them.get(p); res.StatusCode != http.StatusNotFound {
				t.Errorf("another member reached %s: %d", p, res.StatusCode)
			}
		}
		if res := them.postForm(orderPath+"/cancel", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("another member cancelled %s: %d", orderPath, res.StatusCode)
		}
		mustCardQR(t, e, me, c)

		// Signing out ends the session.
		mustRedirect(t, "sign out", me.postForm("/m/logout", nil))
		if res := me.get("/m/"); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("after signing out: %d", res.StatusCode)
		}
		// The outbox shows the codes to the group's supervisor, masked.
		if outbox := mustPage(t, boss, "/sms/outbox", "139****5678", "验证码", "已发送"); strings.Contains(outbox, ">sent<") {
			t.Errorf("the outbox shows a raw status:\n%s", outbox)
		}
	})
}

func mustMobileOf(t *testing.T, e *testEnv, id int64) string {
	t.Helper()
	p, err := e.srv.Members.Reveal(actorCtx("fixture"), id, "test")
	if err != nil {
		t.Fatal(err)
	}
	return p.Mobile
}

func TestPortalJoin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		const mobile = "13698765432"
		c, res := mustPortalSignIn(t, e, mobile)
		if loc := res.Header.Get("Location"); loc != "/m/join" {
			t.Fatalf("a new mobile signed in to %s, want /m/join", loc)
		}
		if res := c.get("/m/points"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/m/join" {
			t.Fatalf("not yet a member, points: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		mustSmallPage(t, c, "/m/join", "136****5432", `id="join-form"`)
		res = c.postForm("/m/join", url.Values{"name": {"李雷"}, "org": {"SH-PD"}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "会员章程") {
			t.Fatalf("without accepting the terms: %d\n%s", res.StatusCode, page)
		}
		mustRedirect(t, "join", c.postForm("/m/join", url.Values{"name": {"李雷"}, "org": {"SH-PD"}, "terms": {"on"}, "consent_sms": {"on"}}))
		m, err := e.srv.Members.ByMobile(context.Background(), mobile)
		if err != nil || m.Status != member.Pending || m.Channel != member.Online || m.Name != "李雷" || !m.Consent.SMS {
			t.Fatalf("the application: %+v, %v", m, err)
		}
		mustSmallPage(t, c, "/m/", `id="pending"`)

		// English on request: the language switch of the portal's header.
		if res := c.postForm("/lang", url.Values{"lang": {"en"}, "next": {"/m/"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/m/" {
			t.Fatalf("switch to English: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		mustSmallPage(t, c, "/m/", `lang="en"`, "being reviewed", "Sign out")
	})
}

// TestPortalWalk calls every portal route as nobody, as a staff session,
// and as a member naming another member's objects: only the member's own
// session opens a member page, and another member's order, request or
// photo does not exist.
func TestPortalWalk(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := actorCtx("fixture")
		// The owner is in another region, whose catalogue is not the caller's.
		for _, n := range []org.NewNode{{ParentCode: "GROUP", Kind: org.Region, Code: "SOUTH", Name: "华南事业部"},
			{ParentCode: "SOUTH", Kind: org.City, Code: "SZ", Name: "深圳城市公司"}} {
			if _, err := e.srv.Org.Create(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		owner := mustActiveMember(t, e, "SZ")
		if _, err := e.srv.Points.Post(ctx, points.Entry{MemberID: owner.ID, Kind: points.Reward, Amount: 1000, Source: points.FromAdjustment,
			Reason: "walk", IdempotencyKey: "walk-owner"}); err != nil {
			t.Fatal(err)
		}
		item, err := e.srv.Redeem.CreateItem(ctx, redeem.NewItem{NodeCode: "SZ", Kind: redeem.KindGift, Name: "深圳礼品", Price: 10})
		if err != nil {
			t.Fatal(err)
		}
		order, err := e.srv.Redeem.Apply(ctx, redeem.Application{MemberID: owner.ID, ItemID: item.ID, IdempotencyKey: "walk"})
		if err != nil {
			t.Fatal(err)
		}
		req, err := e.srv.Requests.Submit(ctx, request.NewRequest{MemberID: owner.ID, Kind: request.Complaint, Subkind: request.SubProperty,
			Channel: request.Portal, Text: "电梯经常停运。", Files: []request.Upload{{Name: "lift.png", Data: pngPhoto(t)}}})
		if err != nil {
			t.Fatal(err)
		}
		full, err := e.srv.Requests.Get(context.Background(), req.ID)
		if err != nil || len(full.Files) != 1 {
			t.Fatalf("request: %+v, %v", full, err)
		}
		inv := mustOwnerInvite(t, e, owner.ID)
		ev := mustSiteEvent(t, e, "SZ", event.Target{}, nil) // Shenzhen's, published to Shenzhen's members
		mustRegistered(t, e, ev.ID, owner.ID)
		fill := strings.NewReplacer("{event}", fmt.Sprint(ev.ID), "{item}", fmt.Sprint(item.ID), "{order}", fmt.Sprint(order.ID),
			"{request}", fmt.Sprint(req.ID), "{file}", fmt.Sprint(full.Files[0].ID), "{invite}", fmt.Sprint(inv.ID), "{$}", "")

		// A Shanghai member: Shenzhen's item is not in her catalogue.
		other := mustActiveMember(t, e, "SH-PD")
		me, _ := mustPortalSignIn(t, e, mustMobileOf(t, e, other.ID))
		e.mustStaff(t, "walk-boss", auth.GroupSupervisor, "GROUP")
		staff := e.mustLogin(t, "walk-boss")
		anon := e.anon(t)
		send := func(c *client, rt web.Route) *http.Response {
			path := fill.Replace(rt.Path)
			if rt.Method == http.MethodGet {
				return c.get(path)
			}
			return c.postForm(path, nil)
		}
		toSignIn := func(res *http.Response) bool {
			res.Body.Close()
			return res.StatusCode == http.StatusSeeOther && strings.HasPrefix(res.Header.Get("Location"), "/m/login")
		}
		walked := 0
		for _, rt := range reviewedRoutes(t, e.srv) {
			if rt.Surface != web.Portal {
				continue
			}
			walked++
			if rt.Perm == auth.Public {
				continue // sign-in pages: TestPortalMember
			}
			if !toSignIn(send(anon, rt)) {
				t.Errorf("anonymous: %s did not send to the portal's sign-in", rt.Pattern())
			}
			if !toSignIn(send(staff, rt)) {
				t.Errorf("a staff session: %s did not send to the portal's sign-in", rt.Pattern())
			}
			if len(routeParams(rt.Path)) > 0 && rt.Path != "/m/{$}" {
				res := send(me, rt)
				res.Body.Close()
				if res.StatusCode != http.StatusNotFound {
					t.Errorf("another member: %s answered %d, want 404", rt.Pattern(), res.StatusCode)
				}
			}
		}
		if walked < 20 {
			t.Fatalf("only %d portal routes", walked)
		}
		// Nothing of the owner's changed.
		if o, err := e.srv.Redeem.Order(context.Background(), order.ID); err != nil || o.Status != redeem.Applied {
			t.Errorf("the owner's order is now %+v (%v)", o, err)
		}
	})
}

// mustCardQR checks the portal's card QR image: the card's signed code,
// drawn once, with a validator the browser revalidates (304), and gone at
// once when the card is reported lost.
func mustCardQR(t *testing.T, e *testEnv, me *client, c *card.Card) {
	t.Helper()
	payload, err := e.srv.Cards.QRFor(c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := card.QRSVG(payload, 280)
	if err != nil {
		t.Fatal(err)
	}
	res := me.get("/m/card/qr.svg")
	etag := res.Header.Get("ETag")
	if body := readBody(res); res.StatusCode != http.StatusOK || body != want || etag == "" ||
		!strings.Contains(res.Header.Get("Cache-Control"), "private") || strings.Contains(etag, payload) {
		t.Fatalf("QR: %d, ETag %q, Cache-Control %q, same code %v", res.StatusCode, etag, res.Header.Get("Cache-Control"), body == want)
	}
	if res := me.get("/m/card/qr.svg"); readBody(res) != want || res.Header.Get("ETag") != etag {
		t.Fatalf("QR again: %d, ETag %q (first %q)", res.StatusCode, res.Header.Get("ETag"), etag)
	}
	me.header = map[string]string{"If-None-Match": etag}
	defer func() { me.header = nil }()
	if res := me.get("/m/card/qr.svg"); res.StatusCode != http.StatusNotModified || readBody(res) != "" {
		t.Fatalf("QR revalidated: %d, want 304", res.StatusCode)
	}
	me.header = map[string]string{"If-None-Match": `"qr-other"`}
	if res := me.get("/m/card/qr.svg"); res.StatusCode != http.StatusOK || readBody(res) != want {
		t.Fatalf("QR with another validator: %d, want 200", res.StatusCode)
	}
	if _, err := e.srv.Cards.ReportLost(fixtureCtx(), c.Number, "测试挂失"); err != nil {
		t.Fatal(err)
	}
	me.header = map[string]string{"If-None-Match": etag}
	if res := me.get("/m/card/qr.svg"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("QR of a lost card: %d, want 404", res.StatusCode)
	}
}
