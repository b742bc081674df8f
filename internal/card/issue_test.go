package card_test

import (
	"context"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

func TestIssue(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		gold := f.mustDesign(t, "金卡", "gold")
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, gold.ID, "SH", 3) // 1–3: not for regular members
		f.mustBatch(t, std.ID, "SH", 5)  // 4–8

		m1 := f.Member(t, "SH-PD")
		c := f.mustIssue(t, card.IssueRequest{MemberID: m1, Delivery: card.OnSite})
		if c.Number != card.Number("HC", 4) || c.Status != card.Issued || c.MemberID == nil || *c.MemberID != m1 ||
			c.DeliveryStatus != card.Delivered || c.DeliveredAt == nil || c.IssuedAt == nil || !c.Usable() {
			t.Fatalf("on-site issue = %+v", c)
		}
		m2 := f.Member(t, "SH")
		posted := f.mustIssue(t, card.IssueRequest{MemberID: m2, City: "sh", Delivery: card.Post, Tracking: "sf 1234 5678 90"})
		if posted.Number != card.Number("HC", 5) || posted.DeliveryStatus != card.Sent || posted.Tracking != "SF1234567890" || posted.DeliveredAt != nil {
			t.Fatalf("posted issue = %+v", posted)
		}
		m3 := f.Member(t, "SH-PD")
		pending := f.mustIssue(t, card.IssueRequest{MemberID: m3, Delivery: card.Post})
		if pending.DeliveryStatus != card.Pending || pending.Tracking != "" {
			t.Fatalf("posted without tracking = %+v", pending)
		}
		m4 := f.Member(t, "SH-PD")
		chosen := f.mustIssue(t, card.IssueRequest{MemberID: m4, Number: card.Number("HC", 8), Delivery: card.Hand})
		if chosen.Number != card.Number("HC", 8) || chosen.DeliveryStatus != card.Pending {
			t.Fatalf("chosen card = %+v", chosen)
		}
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 1 || l.Issued != 4 {
			t.Errorf("standard stock = %+v, want 1 in stock, 4 issued", l)
		}
		if l := f.mustStock(t, "SH", gold.ID); l.InStock != 3 || l.Issued != 0 {
			t.Errorf("gold stock = %+v, want untouched", l)
		}
		cards, err := f.cards.CardsOf(context.Background(), m2)
		if err != nil || len(cards) != 1 || cards[0].Number != posted.Number {
			t.Fatalf("cards of m2 = %+v, %v", cards, err)
		}
		es := f.mustAudit(t, "card.issue")
		if len(es) != 4 || es[0].NodePath != f.Nodes["SH"].Path || es[0].ObjectID != chosen.Number {
			t.Errorf("issue audit = %+v", es)
		}
	})
}

func TestIssueRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := staffCtx()
		gold := f.mustDesign(t, "金卡", "gold")
		std := f.mustDesign(t, "标准卡", "")
		goldCards := f.mustBatch(t, gold.ID, "SH", 1)
		shCards := f.mustBatch(t, std.ID, "SH", 5)
		hzCards := f.mustBatch(t, std.ID, "HZ", 1)
		holder := f.Member(t, "SH-PD")
		held := f.mustIssue(t, card.IssueRequest{MemberID: holder, Delivery: card.OnSite})
		void := card.Number("HC", shCards.LastSeq)
		if _, err := f.cards.Void(ctx, void, "印刷错误"); err != nil {
			t.Fatal(err)
		}
		sh := f.Member(t, "SH-PD")
		pending := f.Apply(t, f.Application("SH-PD"))
		hz := f.Member(t, "HZ-XH")
		f.mustIssue(t, card.IssueRequest{MemberID: hz, Delivery: card.OnSite}) // HZ's only card
		hz2 := f.Member(t, "HZ")

		typo := []byte(card.Number("HC", 3))
		typo[5] = '7'
		for _, tc := range []struct {
			name  string
			req   card.IssueRequest
			code  apperr.Code
			field string
		}{
			{"unknown member", card.IssueRequest{MemberID: 9999, Delivery: card.OnSite}, apperr.NotFound, "member_id"},
			{"member not approved", card.IssueRequest{MemberID: pending.ID, Delivery: card.OnSite}, apperr.Conflict, "member_id"},
			{"member holds a card", card.IssueRequest{MemberID: holder, Delivery: card.OnSite}, apperr.Conflict, "member_id"},
			{"another city's stock", card.IssueRequest{MemberID: sh, City: "HZ", Delivery: card.OnSite}, apperr.Invalid, "city"},
			{"unknown city", card.IssueRequest{MemberID: sh, City: "BJ", Delivery: card.OnSite}, apperr.Invalid, "city"},
			{"card of another city", card.IssueRequest{MemberID: sh, Number: hzCards.FirstNumber, Delivery: card.OnSite}, apperr.Invalid, "number"},
			{"typo in number", card.IssueRequest{MemberID: sh, Number: string(typo), Delivery: card.OnSite}, apperr.Invalid, "number"},
			{"unknown number", card.IssueRequest{MemberID: sh, Number: card.Number("HC", 999), Delivery: card.OnSite}, apperr.NotFound, "number"},
			{"issued card", card.IssueRequest{MemberID: sh, Number: held.Number, Delivery: card.OnSite}, apperr.Conflict, "number"},
			{"void card", card.IssueRequest{MemberID: sh, Number: void, Delivery: card.OnSite}, apperr.Conflict, "number"},
			{"gold card for a regular member", card.IssueRequest{MemberID: sh, Number: goldCards.FirstNumber, Delivery: card.OnSite}, apperr.Invalid, "number"},
			{"gold design for a regular member", card.IssueRequest{MemberID: sh, DesignID: gold.ID, Delivery: card.OnSite}, apperr.Invalid, "design_id"},
			{"unknown design", card.IssueRequest{MemberID: sh, DesignID: 999, Delivery: card.OnSite}, apperr.NotFound, "design"},
			{"unknown delivery", card.IssueRequest{MemberID: sh, Delivery: "courier"}, apperr.Invalid, "delivery"},
			{"no delivery", card.IssueRequest{MemberID: sh}, apperr.Invalid, "delivery"},
			{"tracking when on site", card.IssueRequest{MemberID: sh, Delivery: card.OnSite, Tracking: "SF123456"}, apperr.Invalid, "tracking"},
			{"bad tracking", card.IssueRequest{MemberID: sh, Delivery: card.Post, Tracking: "SF#123456"}, apperr.Invalid, "tracking"},
			{"out of stock", card.IssueRequest{MemberID: hz2, Delivery: card.OnSite}, apperr.Conflict, "city"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.cards.Issue(ctx, tc.req)
				testfix.WantErr(t, err, tc.code, tc.field)
			})
		}
		// Nothing refused changed the stock.
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 3 || l.Issued != 1 || l.Void != 1 {
			t.Errorf("SH stock = %+v", l)
		}
		if l := f.mustStock(t, "HZ", std.ID); l.InStock != 0 || l.Issued != 1 {
			t.Errorf("HZ stock = %+v", l)
		}
		if n := len(f.mustAudit(t, "card.issue")); n != 2 {
			t.Errorf("%d issue audit entries, want 2", n)
		}
	})
}

func TestDelivery(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := staffCtx()
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 5)
		posted := f.mustIssue(t, card.IssueRequest{MemberID: f.Member(t, "SH"), Delivery: card.Post})
		onSite := f.mustIssue(t, card.IssueRequest{MemberID: f.Member(t, "SH"), Delivery: card.OnSite})
		byHand := f.mustIssue(t, card.IssueRequest{MemberID: f.Member(t, "SH"), Delivery: card.Hand})
		steps := []struct {
			name     string
			number   string
			status   card.DeliveryStatus
			tracking string
			code     apperr.Code // "" for success
			field    string
		}{
			{"sent without tracking", posted.Number, card.Sent, "", apperr.Invalid, "tracking"},
			{"sent", posted.Number, card.Sent, "EMS-1111-2222", "", ""},
			{"back to pending", posted.Number, card.Pending, "", apperr.Conflict, "delivery_status"},
			{"tracking corrected", posted.Number, card.Sent, "EMS11113333", "", ""},
			{"returned", posted.Number, card.Returned, "", "", ""},
			{"sent again", posted.Number, card.Sent, "SF99990000", "", ""},
			{"delivered", posted.Number, card.Delivered, "", "", ""},
			{"returned after delivery", posted.Number, card.Returned, "", apperr.Conflict, "delivery_status"},
			{"unknown status", posted.Number, "lost", "", apperr.Invalid, "delivery_status"},
			{"tracking for a card handed over", onSite.Number, card.Delivered, "SF12345678", apperr.Invalid, "tracking"},
			{"brought by hand", byHand.Number, card.Delivered, "", "", ""},
			{"typo", "HC0000000016", card.Sent, "", apperr.Invalid, "number"},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				c, err := f.cards.UpdateDelivery(ctx, s.number, s.status, s.tracking)
				if s.code != "" {
					testfix.WantErr(t, err, s.code, s.field)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if c.DeliveryStatus != s.status {
					t.Fatalf("delivery status = %s, want %s", c.DeliveryStatus, s.status)
				}
			})
		}
		c := f.mustLookup(t, posted.Number)
		if c.Tracking != "SF99990000" || c.DeliveredAt == nil {
			t.Errorf("posted card = %+v", c)
		}
		if n := len(f.mustAudit(t, "card.delivery")); n != 6 {
			t.Errorf("%d delivery audit entries, want 6", n)
		}
	})
}
