package site

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/web"
	"estateclub/internal/web/api"
)

// --- helpers ---

func fixtureCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
}

// mustCardDesign returns the design named name, creating it if need be.
func mustCardDesign(t *testing.T, e *testEnv, name, tier string) *card.Design {
	t.Helper()
	list, _, err := e.srv.Cards.ListDesigns(context.Background(), card.DesignFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list {
		if d.Name == name {
			return &d
		}
	}
	d, err := e.srv.Cards.CreateDesign(fixtureCtx(), card.NewDesign{Name: name, Tier: tier})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// mustCardStock puts n cards of the design 普卡 into a city's stock.
func mustCardStock(t *testing.T, e *testEnv, city string, n int) *card.Batch {
	t.Helper()
	b, err := e.srv.Cards.CreateBatch(fixtureCtx(), card.NewBatch{DesignID: mustCardDesign(t, e, "普卡", "").ID, City: city, Quantity: n})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mustActiveMember makes an approved member at node.
func mustActiveMember(t *testing.T, e *testEnv, node string) *member.Member {
	t.Helper()
	m := mustFixtureMember(t, e, node)
	m, err := e.srv.Members.Review(fixtureCtx(), m.ID, true, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mustIssued issues a card (by post, not yet sent) to a member, with a
// card of stock of its own.
func mustIssued(t *testing.T, e *testEnv, memberID int64, city string) *card.Card {
	t.Helper()
	mustCardStock(t, e, city, 1)
	c, err := e.srv.Cards.Issue(fixtureCtx(), card.IssueRequest{MemberID: memberID, Delivery: card.Post})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mustFixtureCard fills {card} and {number} in the permission walk: a card
// issued to the member that {member} names in the same route, or else to a
// fresh member at the scope's node.
func mustFixtureCard(t *testing.T, e *testEnv, _ *auth.Staff, sc walkScope) string {
	t.Helper()
	var id int64
	if v, ok := sc.filled["member"]; ok {
		id, _ = strconv.ParseInt(v, 10, 64)
		if _, err := e.srv.Members.Review(fixtureCtx(), id, true, ""); err != nil {
			t.Fatal(err)
		}
	} else {
		id = mustActiveMember(t, e, sc.node).ID
	}
	// The harness's projects are named after their city: SH-PD is in SH.
	city, _, _ := strings.Cut(sc.node, "-")
	return mustIssued(t, e, id, city).Number
}

func mustCardAPI(t *testing.T, c *client, number string) card.Card {
	t.Helper()
	return mustJSON[card.Card](t, c.get("/api/v1/cards/"+number), http.StatusOK)
}

func memberCardPath(memberID int64, number string) string {
	return memberPath(memberID) + "/cards/" + number
}

// --- console ---

func TestCardConsole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		boss, spec, specAPI := e.mustLogin(t, "boss"), e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")

		// Designs belong to the group: the group supervisor makes them, a
		// city specialist cannot.
		mustSeeOther(t, boss.postForm("/cards/designs", url.Values{"name": {"普卡"}, "description": {"红色卡面"}}), "/cards?flash=flash.card_design_created")
		mustSeeOther(t, boss.postForm("/cards/designs", url.Values{"name": {"金卡"}, "tier": {"gold"}}), "/cards?")
		mustStatus(t, spec.postForm("/cards/designs", url.Values{"name": {"城市卡"}}), http.StatusNotFound)
		page := mustStatus(t, boss.postForm("/cards/designs", url.Values{"name": {"普卡"}}), http.StatusConflict)
		if formErrorText(page) == "" {
			t.Errorf("a duplicate design name shows no error")
		}

		// The city specialist stocks SH only.
		page = mustStatus(t, spec.get("/cards"), http.StatusOK)
		if !strings.Contains(page, `id="card-batch-form"`) || !strings.Contains(page, `<option value="SH"`) ||
			strings.Contains(page, `<option value="HZ"`) || strings.Contains(page, `id="card-design-form"`) {
			t.Errorf("the card page offers the wrong forms to a city specialist:\n%s", page)
		}
		if !strings.Contains(mustStatus(t, boss.get("/cards"), http.StatusOK), `id="card-design-form"`) {
			t.Errorf("the group supervisor gets no design form")
		}
		designs := mustJSON[struct{ Items []card.Design }](t, specAPI.get("/api/v1/card-designs"), http.StatusOK).Items
		var plain int64
		for _, d := range designs {
			if d.Name == "普卡" {
				plain = d.ID
			}
		}
		batch := url.Values{"design_id": {strconv.FormatInt(plain, 10)}, "city": {"SH"}, "quantity": {"5"},
			"ordered_on": {"2026-01-05"}, "produced_on": {"2026-01-20"}, "received_on": {"2026-02-01"}, "cost": {"¥17.5"}, "note": {"首批"}}
		mustSeeOther(t, spec.postForm("/cards/batches", batch), "/cards?flash=flash.card_batch_created")
		batches := mustJSON[web.List[card.Batch]](t, specAPI.get("/api/v1/card-batches"), http.StatusOK)
		if batches.Total != 1 || batches.Items[0].CostFen != 1750 || batches.Items[0].Quantity != 5 ||
			batches.Items[0].ReceivedOn.String() != "2026-02-01" || batches.Items[0].CityCode != "SH" {
			t.Errorf("batches after the form: %+v", batches)
		}
		hz := url.Values{"design_id": {strconv.FormatInt(plain, 10)}, "city": {"HZ"}, "quantity": {"5"}}
		if page := mustStatus(t, spec.postForm("/cards/batches", hz), http.StatusBadRequest); !strings.Contains(formErrorText(page), "HZ") {
			t.Errorf("a batch for HZ: %q", formErrorText(page))
		}
		bad := url.Values{"design_id": {strconv.FormatInt(plain, 10)}, "city": {"SH"}, "quantity": {"5"}, "cost": {"-3"}}
		mustStatus(t, spec.postForm("/cards/batches", bad), http.StatusBadRequest)
		if rows := tableRows(t, mustStatus(t, spec.get("/cards"), http.StatusOK), "card-stock"); len(rows) != 1 ||
			!slices.Equal(rows[0][1:], []string{"普卡", "5", "0", "0", "0"}) {
			t.Errorf("stock rows %q, want SH 普卡 with 5 in stock", rows)
		}

		// Issue to an active member, by post with a tracking number.
		m := mustActiveMember(t, e, "SH-PD")
		page = mustStatus(t, spec.get(memberPath(m.ID)), http.StatusOK)
		if !strings.Contains(page, `id="card-issue-form"`) {
			t.Fatalf("no issue form on an active member's page:\n%s", page)
		}
		pending := mustFixtureMember(t, e, "SH-PD")
		if strings.Contains(mustStatus(t, spec.get(memberPath(pending.ID)), http.StatusOK), `id="card-issue-form"`) {
			t.Errorf("a pending member's page offers to issue a card")
		}
		mustSeeOther(t, spec.postForm(memberPath(m.ID)+"/cards", url.Values{"delivery": {"post"}, "tracking": {"sf 1234 5678 90"}}),
			memberPath(m.ID)+"?flash=flash.card_issued")
		cards := mustJSON[struct{ Items []card.Card }](t, specAPI.get(memberAPIPath(m.ID)+"/cards"), http.StatusOK).Items
		if len(cards) != 1 || cards[0].Status != card.Issued || cards[0].Tracking != "SF1234567890" || cards[0].DeliveryStatus != card.Sent {
			t.Fatalf("cards after issue: %+v", cards)
		}
		old := cards[0]
		page = mustStatus(t, spec.get(memberPath(m.ID)), http.StatusOK)
		if !strings.Contains(page, old.Number) || !strings.Contains(page, `src="`+memberCardPath(m.ID, old.Number)+`/qr.svg"`) ||
			strings.Contains(page, `id="card-issue-form"`) {
			t.Errorf("the member page after issue:\n%s", page)
		}
		// A second issue is refused: one usable card per member.
		if page := mustStatus(t, spec.postForm(memberPath(m.ID)+"/cards", url.Values{"delivery": {"on_site"}}), http.StatusConflict); !strings.Contains(formErrorText(page), old.Number) {
			t.Errorf("second issue: %q", formErrorText(page))
		}

		// The QR code is the signed payload of the card, drawn as SVG.
		res := spec.get(memberCardPath(m.ID, old.Number) + "/qr.svg")
		svg := mustStatus(t, res, http.StatusOK)
		if ct, cc := res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"); ct != "image/svg+xml" || cc != "no-store" {
			t.Errorf("qr.svg: Content-Type %q, Cache-Control %q", ct, cc)
		}
		payload, err := e.srv.Cards.QRFor(&old)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := card.QRSVG(payload, 200); svg != want {
			t.Errorf("qr.svg is not the card's QR code:\n%.200s", svg)
		}
		if n, id, err := e.srv.Cards.VerifyQR(payload); err != nil || n != old.Number || id != m.ID {
			t.Errorf("VerifyQR(payload of the served code) = %s, %d, %v", n, id, err)
		}
		// Another member's page does not serve this card.
		other := mustActiveMember(t, e, "SH-PD")
		mustStatus(t, spec.get(memberCardPath(other.ID, old.Number)+"/qr.svg"), http.StatusNotFound)

		// Delivery: the posted card arrives.
		mustSeeOther(t, spec.postForm(memberCardPath(m.ID, old.Number)+"/delivery", url.Values{"delivery_status": {"delivered"}}), memberPath(m.ID)+"?")
		if c := mustCardAPI(t, specAPI, old.Number); c.DeliveryStatus != card.Delivered || c.DeliveredAt == nil {
			t.Errorf("after delivery: %+v", c)
		}

		// Lost: the lookup warns, the QR code is gone.
		mustStatus(t, spec.postForm(memberCardPath(m.ID, old.Number)+"/lost", url.Values{"reason": {""}}), http.StatusBadRequest)
		mustSeeOther(t, spec.postForm(memberCardPath(m.ID, old.Number)+"/lost", url.Values{"reason": {"遗失"}}), memberPath(m.ID)+"?flash=flash.card_lost")
		page = mustStatus(t, spec.get("/cards?number="+url.QueryEscape(strings.ToLower(old.Number))), http.StatusOK)
		if !strings.Contains(page, `id="card-blocked"`) || !strings.Contains(page, `href="`+memberPath(m.ID)+`" id="card-holder"`) {
			t.Errorf("lookup of a lost card:\n%s", page)
		}
		mustStatus(t, spec.get(memberCardPath(m.ID, old.Number)+"/qr.svg"), http.StatusConflict)
		// A lost card is replaced by a reissue, not by a new issue.
		page = mustStatus(t, spec.get(memberPath(m.ID)), http.StatusOK)
		if !strings.Contains(page, `action="`+memberCardPath(m.ID, old.Number)+`/reissue"`) || strings.Contains(page, `id="card-issue-form"`) {
			t.Errorf("after the loss the page does not lead to a reissue:\n%s", page)
		}

		// Reissue: a new card, the old one points to it, the fee is kept.
		mustSeeOther(t, spec.postForm(memberCardPath(m.ID, old.Number)+"/reissue",
			url.Values{"reason": {"遗失"}, "fee": {"20"}, "delivery": {"on_site"}}), memberPath(m.ID)+"?flash=flash.card_reissued")
		cards = mustJSON[struct{ Items []card.Card }](t, specAPI.get(memberAPIPath(m.ID)+"/cards"), http.StatusOK).Items
		if len(cards) != 2 {
			t.Fatalf("cards after reissue: %+v", cards)
		}
		fresh, was := cards[0], mustCardAPI(t, specAPI, old.Number)
		if fresh.Status != card.Issued || fresh.Number == old.Number || fresh.Replaces != old.Number || fresh.ReissueFeeFen != 2000 ||
			was.Status != card.Blocked || was.ReplacedBy != fresh.Number {
			t.Errorf("after reissue: new %+v\nold %+v", fresh, was)
		}
		page = mustStatus(t, spec.get("/cards?number="+old.Number), http.StatusOK)
		if !strings.Contains(page, `id="card-blocked"`) || !strings.Contains(page, fresh.Number) {
			t.Errorf("lookup of the replaced card does not name its successor:\n%s", page)
		}
		mustStatus(t, spec.postForm(memberCardPath(m.ID, old.Number)+"/reissue", url.Values{"reason": {"遗失"}, "delivery": {"on_site"}}), http.StatusConflict)
		mustStatus(t, spec.get(memberCardPath(m.ID, fresh.Number)+"/qr.svg"), http.StatusOK)

		// Lookups that find nothing say so.
		for _, q := range []string{"HC0000000010", card.Number("HC", 999)} {
			if page := mustStatus(t, spec.get("/cards?number="+q), http.StatusOK); !strings.Contains(page, `id="card-lookup-error"`) {
				t.Errorf("lookup %s shows no error", q)
			}
		}

		// In English too.
		mustEnglish(t, spec)
		page = mustStatus(t, spec.get(memberPath(m.ID)), http.StatusOK)
		if !strings.Contains(page, "Membership cards") || !strings.Contains(page, "Issued") {
			t.Errorf("the card section in English:\n%s", page)
		}
		if !strings.Contains(mustStatus(t, spec.get("/cards"), http.StatusOK), "Stock by city") {
			t.Errorf("the card page is not in English")
		}
	})
}

// --- scope and permissions ---

func TestCardScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sales", auth.SalesConsultant, "SH-PD")
		e.mustStaff(t, "boss", auth.GroupSupervisor, "GROUP")
		spec, specAPI := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")
		sales, salesAPI, bossAPI := e.mustLogin(t, "sales"), e.mustToken(t, "sales"), e.mustToken(t, "boss")

		sh, hz := mustActiveMember(t, e, "SH-PD"), mustActiveMember(t, e, "HZ-XH")
		shCard, hzCard := mustIssued(t, e, sh.ID, "SH"), mustIssued(t, e, hz.ID, "HZ")

		t.Run("a city specialist at SH cannot see or act on HZ cards", func(t *testing.T) {
			for _, res := range []*http.Response{
				spec.get(memberCardPath(hz.ID, hzCard.Number) + "/qr.svg"),
				spec.postForm(memberCardPath(hz.ID, hzCard.Number)+"/lost", url.Values{"reason": {"遗失"}}),
				spec.postForm(memberCardPath(hz.ID, hzCard.Number)+"/reissue", url.Values{"reason": {"遗失"}, "delivery": {"on_site"}}),
				spec.postForm(memberPath(hz.ID)+"/cards", url.Values{"delivery": {"on_site"}}),
				// The HZ card under an SH member.
				spec.get(memberCardPath(sh.ID, hzCard.Number) + "/qr.svg"),
				spec.postForm(memberCardPath(sh.ID, hzCard.Number)+"/lost", url.Values{"reason": {"遗失"}}),
			} {
				mustStatus(t, res, http.StatusNotFound)
			}
			for _, c := range []struct {
				method, path string
				body         any
			}{
				{"GET", "/api/v1/cards/" + hzCard.Number, nil},
				{"GET", memberAPIPath(hz.ID) + "/cards", nil},
				{"POST", memberAPIPath(hz.ID) + "/cards", map[string]any{"delivery": "on_site"}},
				{"POST", "/api/v1/cards/" + hzCard.Number + "/lost", map[string]any{"reason": "遗失"}},
				{"POST", "/api/v1/cards/" + hzCard.Number + "/reissue", map[string]any{"reason": "遗失", "delivery": "on_site"}},
				{"POST", "/api/v1/cards/" + hzCard.Number + "/delivery", map[string]any{"delivery_status": "delivered"}},
			} {
				mustAPIError(t, specAPI.json(c.method, c.path, c.body, nil), http.StatusNotFound, apperr.NotFound)
			}
			if page := mustStatus(t, spec.get("/cards?number="+hzCard.Number), http.StatusOK); !strings.Contains(page, `id="card-lookup-error"`) ||
				strings.Contains(page, `id="card-found"`) {
				t.Errorf("the lookup shows an HZ card to SH:\n%s", page)
			}
			stock := mustJSON[struct{ Items []card.StockLine }](t, specAPI.get("/api/v1/cards/stock"), http.StatusOK).Items
			if len(stock) != 1 || stock[0].CityCode != "SH" {
				t.Errorf("SH's stock report: %+v", stock)
			}
			if l := mustJSON[web.List[card.Batch]](t, specAPI.get("/api/v1/card-batches"), http.StatusOK); l.Total != 1 || l.Items[0].CityCode != "SH" {
				t.Errorf("SH's batches: %+v", l)
			}
			body := mustAPIError(t, specAPI.json("POST", "/api/v1/card-batches", map[string]any{"design_id": hzCard.DesignID, "city": "HZ", "quantity": 3}, nil),
				http.StatusBadRequest, apperr.Invalid)
			if body.Error.Field != "city" {
				t.Errorf("a batch for HZ: %+v", body)
			}
			mustAPIError(t, specAPI.json("POST", "/api/v1/card-designs", map[string]any{"name": "城市卡"}, nil), http.StatusNotFound, apperr.NotFound)
			if c := mustCardAPI(t, bossAPI, hzCard.Number); c.Status != card.Issued {
				t.Errorf("the HZ card changed: %+v", c)
			}
			// In scope, the same calls work.
			mustCardAPI(t, specAPI, shCard.Number)
			mustStatus(t, spec.get(memberCardPath(sh.ID, shCard.Number)+"/qr.svg"), http.StatusOK)
		})

		t.Run("a sales consultant may not manage cards", func(t *testing.T) {
			mustStatus(t, sales.get("/cards"), http.StatusForbidden)
			mustStatus(t, sales.postForm(memberPath(sh.ID)+"/cards", url.Values{"delivery": {"on_site"}}), http.StatusForbidden)
			mustStatus(t, sales.get(memberCardPath(sh.ID, shCard.Number)+"/qr.svg"), http.StatusForbidden)
			mustAPIError(t, salesAPI.get("/api/v1/cards/stock"), http.StatusForbidden, apperr.Forbidden)
			mustAPIError(t, salesAPI.get("/api/v1/cards/"+shCard.Number), http.StatusForbidden, apperr.Forbidden)
			mustAPIError(t, salesAPI.json("POST", memberAPIPath(sh.ID)+"/cards", map[string]any{"delivery": "on_site"}, nil), http.StatusForbidden, apperr.Forbidden)
			mustAPIError(t, salesAPI.json("POST", "/api/v1/cards/verify-qr", map[string]any{"payload": "x"}, nil), http.StatusForbidden, apperr.Forbidden)
			if strings.Contains(mustStatus(t, sales.get("/account"), http.StatusOK), `href="/cards"`) {
				t.Errorf("the menu offers cards to a sales consultant")
			}
			if !strings.Contains(mustStatus(t, spec.get("/account"), http.StatusOK), `href="/cards"`) {
				t.Errorf("the menu offers no cards to a city specialist")
			}
		})

		t.Run("issuing twice through the API hands out one card", func(t *testing.T) {
			m := mustActiveMember(t, e, "SH-PD")
			mustCardStock(t, e, "SH", 2)
			first := mustJSON[card.Card](t, specAPI.json("POST", memberAPIPath(m.ID)+"/cards", map[string]any{"delivery": "on_site"}, nil), http.StatusCreated)
			mustAPIError(t, specAPI.json("POST", memberAPIPath(m.ID)+"/cards", map[string]any{"delivery": "on_site"}, nil), http.StatusConflict, apperr.Conflict)
			cards := mustJSON[struct{ Items []card.Card }](t, specAPI.get(memberAPIPath(m.ID)+"/cards"), http.StatusOK).Items
			if len(cards) != 1 || cards[0].Number != first.Number {
				t.Errorf("after two issues: %+v", cards)
			}
		})
	})
}

// --- merchants ---

func TestCardVerifyQR(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "shop", auth.MerchantStaff, "SH")
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		shop, specAPI := e.mustToken(t, "shop"), e.mustToken(t, "sh-spec")
		m := mustActiveMember(t, e, "SH-PD") // 测试会员
		c := mustIssued(t, e, m.ID, "SH")
		payload, err := e.srv.Cards.QRFor(c)
		if err != nil {
			t.Fatal(err)
		}
		verify := func(p string) *http.Response {
			return shop.json("POST", "/api/v1/cards/verify-qr", map[string]any{"payload": p}, nil)
		}

		raw := mustStatus(t, verify(payload), http.StatusOK)
		var got map[string]any
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"number": c.Number, "status": "issued", "status_label": "已发卡", "usable": true,
			"member_name": "测试**", "tier": "regular"}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("verify-qr %s = %v, want %v (%s)", k, got[k], v, raw)
			}
		}
		if len(got) != len(want) {
			t.Errorf("verify-qr tells more than it should: %s", raw)
		}

		// An altered code: another member id, or a changed signature.
		parts := strings.Split(payload, ".")
		forged := strings.Join([]string{parts[0], parts[1], strconv.FormatInt(m.ID+1, 10), parts[3], parts[4]}, ".")
		sig := []byte(parts[4])
		sig[0] ^= 1
		tampered := strings.Join(append(parts[:4:4], string(sig)), ".")
		for _, p := range []string{forged, tampered, "", "EC1.garbage"} {
			mustAPIError(t, verify(p), http.StatusBadRequest, apperr.Invalid)
		}

		// A lost card's code still verifies, but the card is blocked.
		mustJSON[card.Card](t, specAPI.json("POST", "/api/v1/cards/"+c.Number+"/lost", map[string]any{"reason": "遗失"}, nil), http.StatusOK)
		shop.lang = "en"
		blocked := mustJSON[api.QRCheck](t, verify(payload), http.StatusOK)
		if blocked.Status != card.Blocked || blocked.Usable || blocked.StatusLabel != "Blocked" {
			t.Errorf("a lost card's code: %+v", blocked)
		}
	})
}

// --- search ---

func TestMemberSearchByCardNumber(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		spec, specAPI := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")
		sh, hz := mustActiveMember(t, e, "SH-PD"), mustActiveMember(t, e, "HZ-XH")
		mustActiveMember(t, e, "SH-PD") // another member, not found
		shCard, hzCard := mustIssued(t, e, sh.ID, "SH"), mustIssued(t, e, hz.ID, "HZ")
		stock := mustCardStock(t, e, "SH", 1)

		spaced := strings.ToLower(shCard.Number[:2]) + " " + shCard.Number[2:6] + "-" + shCard.Number[6:]
		for _, q := range []string{shCard.Number, spaced} {
			if l := mustSearch(t, specAPI, q); l.Total != 1 || l.Items[0].ID != sh.ID {
				t.Errorf("q=%s finds %+v, want member %d", q, l.Items, sh.ID)
			}
		}
		if ids := linkedMembers(mustStatus(t, spec.get("/members?q="+shCard.Number), http.StatusOK)); !slices.Equal(ids, []int64{sh.ID}) {
			t.Errorf("the console search by card number links to %v, want [%d]", ids, sh.ID)
		}
		// Another city's card finds no one; neither does a card in stock.
		for _, q := range []string{hzCard.Number, stock.FirstNumber} {
			if l := mustSearch(t, specAPI, q); l.Total != 0 {
				t.Errorf("q=%s finds %+v, want nobody", q, l.Items)
			}
		}
		// The holder of a lost card is still found by it.
		if _, err := e.srv.Cards.ReportLost(fixtureCtx(), shCard.Number, "遗失"); err != nil {
			t.Fatal(err)
		}
		if l := mustSearch(t, specAPI, shCard.Number); l.Total != 1 || l.Items[0].ID != sh.ID {
			t.Errorf("q=<lost card> finds %+v, want member %d", l.Items, sh.ID)
		}
	})
}
