package site

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/event"
	"estateclub/internal/member"
	"estateclub/internal/points"
)

// mustNamedMember is an approved member at node with a name and mobile.
func mustNamedMember(t *testing.T, e *testEnv, node, name, mobile string) *member.Member {
	t.Helper()
	m, _, err := e.srv.Members.Apply(fixtureCtx(), member.Application{NodeCode: node, Name: name, Mobile: mobile})
	if err == nil {
		m, err = e.srv.Members.Review(fixtureCtx(), m.ID, true, "")
	}
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mustRegistered registers a member for an event as the member would.
func mustRegistered(t *testing.T, e *testEnv, eventID, memberID int64) {
	t.Helper()
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "member", ID: memberID, Login: "member"})
	if _, err := e.srv.Events.Register(ctx, eventID, event.RegisterInput{MemberID: memberID}, nil); err != nil {
		t.Fatal(err)
	}
}

// rewardOf is a member's reward balance.
func rewardOf(t *testing.T, e *testEnv, memberID int64) int64 {
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

// TestEventsCheckin: staff check members in on the phone page by the QR
// payload, the card number and the mobile's last 4 digits with the
// surname; a walk-in is checked in when staff say so and marked; a second
// scan says already checked in; another city's card is refused; the
// points are awarded once however often it is retried; staff outside the
// event's scope do not find it.
func TestEventsCheckin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ev := mustSiteEvent(t, e, "SH", event.Target{}, nil)
		scanned := mustNamedMember(t, e, "SH-PD", "林扫码", "13912348001")
		typed := mustNamedMember(t, e, "SH-PD", "周卡号", "13912348002")
		looked := mustNamedMember(t, e, "SH-PD", "欧阳查找", "13912348003")
		walker := mustNamedMember(t, e, "SH-PD", "吴现场", "13912348004")
		foreign := mustNamedMember(t, e, "HZ-XH", "杭州客", "13912348005")
		for _, m := range []*member.Member{scanned, typed, looked} {
			mustRegistered(t, e, ev.ID, m.ID)
		}
		// Hangzhou's member, registered by group staff on her behalf.
		if _, err := e.srv.Events.Register(fixtureCtx(), ev.ID, event.RegisterInput{MemberID: foreign.ID, ByStaffID: ev.boss.ID}, nil); err != nil {
			t.Fatal(err)
		}
		cards := map[int64]*card.Card{}
		for _, m := range []*member.Member{scanned, typed, walker} {
			cards[m.ID] = mustIssued(t, e, m.ID, "SH")
		}
		hzCard := mustIssued(t, e, foreign.ID, "HZ")
		payload, err := e.srv.Cards.QRFor(cards[scanned.ID])
		if err != nil {
			t.Fatal(err)
		}
		e.mustStaff(t, "checker", auth.CitySpecialist, "SH")
		staff := e.mustLogin(t, "checker")
		path := fmt.Sprintf("/activities/%d/checkin", ev.ID)

		mustPage(t, staff, path, ev.Theme, `id="count-in">0<`, `id="count-registered">4<`, `id="card-form"`, `id="find-form"`, `src="/static/checkin.js"`)

		// By the QR payload: checked in, the points shown.
		mustRefusedPage(t, staff, path, url.Values{"qr": {payload}}, http.StatusOK, "签到成功", "林扫码", "已发放 20 积分", `id="count-in">1<`)
		if got := rewardOf(t, e, scanned.ID); got != 20 {
			t.Fatalf("points after check-in: %d", got)
		}
		// A second scan: already checked in, nothing more.
		mustRefusedPage(t, staff, path, url.Values{"qr": {payload}}, http.StatusConflict, `data-kind="warn"`, "林扫码 已于", `id="count-in">1<`)
		if _, err := e.srv.Events.AwardPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := rewardOf(t, e, scanned.ID); got != 20 {
			t.Fatalf("points after retries: %d, want 20 once", got)
		}

		// By the card number.
		mustRefusedPage(t, staff, path, url.Values{"card_number": {cards[typed.ID].Number}}, http.StatusOK, "签到成功", "周卡号", `id="count-in">2<`)
		mustRefusedPage(t, staff, path, url.Values{"card_number": {"6200000000000000"}}, http.StatusBadRequest, `id="checkin-problem"`)

		// By the mobile's last 4 and the surname: pick from the matches.
		page := mustRefusedPage(t, staff, path+"/find", url.Values{"last4": {"8003"}, "surname": {"欧阳"}}, http.StatusOK, "欧阳查找",
			fmt.Sprintf(`id="pick-%d"`, looked.ID))
		if strings.Contains(page, "林扫码") {
			t.Error("the lookup lists a member who does not match")
		}
		mustRefusedPage(t, staff, path+"/find", url.Values{"last4": {"80"}, "surname": {"欧阳"}}, http.StatusBadRequest, "手机号后 4 位")
		mustRefusedPage(t, staff, path, url.Values{"member_id": {fmt.Sprint(looked.ID)}}, http.StatusOK, "签到成功", "欧阳查找")

		// A walk-in: not registered, checked in when staff say so, marked.
		mustRefusedPage(t, staff, path, url.Values{"card_number": {cards[walker.ID].Number}}, http.StatusConflict, "未报名", `id="walkin-submit"`)
		if r := regOf(t, e, ev.ID, walker.ID); r != nil {
			t.Fatalf("a walk-in was recorded before staff said so: %+v", r)
		}
		mustRefusedPage(t, staff, path, url.Values{"card_number": {cards[walker.ID].Number}, "walk_in": {"1"}}, http.StatusOK,
			"签到成功", `id="done-walkin"`, "现场 1 人")
		if r := regOf(t, e, ev.ID, walker.ID); r == nil || !r.WalkIn || r.CheckedInAt == nil {
			t.Fatalf("walk-in: %+v", r)
		}

		// Another city's card is refused and says so.
		mustRefusedPage(t, staff, path, url.Values{"card_number": {hzCard.Number}}, http.StatusConflict, "杭州城市公司的会员卡")
		// A member outside the caller's scope cannot be picked.
		mustRefusedPage(t, staff, path, url.Values{"member_id": {fmt.Sprint(foreign.ID)}}, http.StatusBadRequest, "不在您的管理范围内")
		if r := regOf(t, e, ev.ID, foreign.ID); r == nil || r.CheckedInAt != nil {
			t.Fatalf("the foreign member was checked in: %+v", r)
		}
		mustPage(t, staff, path, `id="count-in">4<`)

		// Hangzhou's staff do not find Shanghai's event; an auditor may not check in.
		e.mustStaff(t, "hz-checker", auth.CitySpecialist, "HZ")
		hz := e.mustLogin(t, "hz-checker")
		for _, res := range []*http.Response{hz.get(path), hz.postForm(path, url.Values{"qr": {payload}})} {
			if res.Body.Close(); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s by Hangzhou: %d, want 404", res.Request.Method, path, res.StatusCode)
			}
		}
		e.mustStaff(t, "ev-auditor", auth.Auditor, "GROUP")
		if res := e.mustLogin(t, "ev-auditor").get(path); res.Body.Close() != nil || res.StatusCode != http.StatusForbidden {
			t.Errorf("an auditor on the check-in page: %d, want 403", res.StatusCode)
		}

		// English.
		mustSeeOther(t, staff.postForm("/account/locale", url.Values{"lang": {"en"}, "next": {path}}), path)
		mustPage(t, staff, path, "Check-in", "Card number")
	})
}

// mustFixtureEvent fills {event} in the permission walk: an event
// published at the scope's node.
func mustFixtureEvent(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
	t.Helper()
	return fmt.Sprint(mustSiteEvent(t, e, sc.node, event.Target{}, nil).ID)
}
