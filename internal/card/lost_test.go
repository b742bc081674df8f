package card_test

import (
	"context"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

func TestLostAndReissue(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := staffCtx()
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 4)
		m := f.Member(t, "SH-PD")
		a := f.mustIssue(t, card.IssueRequest{MemberID: m, Delivery: card.OnSite})

		// 挂失: blocked at once; a merchant's lookup says so.
		lost, err := f.cards.ReportLost(ctx, a.Number, " 会员来电挂失 ")
		if err != nil {
			t.Fatal(err)
		}
		if lost.Status != card.Blocked || lost.BlockedAt == nil || lost.BlockReason != "会员来电挂失" {
			t.Fatalf("lost card = %+v", lost)
		}
		spaced := strings.ToLower(a.Number[:6] + " " + a.Number[6:])
		if got := f.mustLookup(t, spaced); got.Status != card.Blocked || got.Usable() || *got.MemberID != m {
			t.Fatalf("lookup of the lost card = %+v, want blocked and still the member's", got)
		}
		_, err = f.cards.ReportLost(ctx, a.Number, "again")
		testfix.WantErr(t, err, apperr.Conflict, "number")

		// 补办: a new card from the same stock, the fee on it, linked both ways.
		b, err := f.cards.Reissue(ctx, card.ReissueRequest{Number: a.Number, Reason: "遗失补办", FeeFen: 2000,
			Delivery: card.Post, Tracking: "SF1234567"})
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != card.Issued || *b.MemberID != m || b.Replaces != a.Number || b.ReissueFeeFen != 2000 ||
			b.CityCode != "SH" || b.DeliveryStatus != card.Sent || b.Number == a.Number {
			t.Fatalf("reissued card = %+v", b)
		}
		if old := f.mustLookup(t, a.Number); old.ReplacedBy != b.Number || old.BlockReason != "会员来电挂失" {
			t.Errorf("old card after reissue = %+v", old)
		}
		_, err = f.cards.Reissue(ctx, card.ReissueRequest{Number: a.Number, Reason: "again", Delivery: card.OnSite})
		testfix.WantErr(t, err, apperr.Conflict, "number")

		// Reissue straight from an issued card blocks it in the same step.
		c, err := f.cards.Reissue(ctx, card.ReissueRequest{Number: b.Number, Reason: "卡片损坏", Delivery: card.OnSite})
		if err != nil {
			t.Fatal(err)
		}
		if old := f.mustLookup(t, b.Number); old.Status != card.Blocked || old.BlockReason != "卡片损坏" || old.ReplacedBy != c.Number {
			t.Errorf("damaged card after reissue = %+v", old)
		}
		cards, err := f.cards.CardsOf(context.Background(), m)
		if err != nil || len(cards) != 3 {
			t.Fatalf("cards of member = %+v, %v", cards, err)
		}
		for i, want := range []string{c.Number, b.Number, a.Number} {
			if cards[i].Number != want || cards[i].Usable() != (i == 0) {
				t.Errorf("card %d = %s (usable %v), want %s", i, cards[i].Number, cards[i].Usable(), want)
			}
		}
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 1 || l.Issued != 1 || l.Blocked != 2 {
			t.Errorf("stock = %+v, want 1 in stock, 1 issued, 2 blocked", l)
		}
		if len(f.mustAudit(t, "card.lost")) != 1 || len(f.mustAudit(t, "card.reissue")) != 2 {
			t.Errorf("audit: %d lost, %d reissue entries", len(f.mustAudit(t, "card.lost")), len(f.mustAudit(t, "card.reissue")))
		}
	})
}

func TestReissueRefusals(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := staffCtx()
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 2)
		held := f.mustIssue(t, card.IssueRequest{MemberID: f.Member(t, "SH"), Delivery: card.OnSite})
		inStock := card.Number("HC", 2)
		for _, tc := range []struct {
			name  string
			req   card.ReissueRequest
			code  apperr.Code
			field string
		}{
			{"no reason", card.ReissueRequest{Number: held.Number, Delivery: card.OnSite}, apperr.Invalid, "reason"},
			{"negative fee", card.ReissueRequest{Number: held.Number, Reason: "遗失", FeeFen: -1, Delivery: card.OnSite}, apperr.Invalid, "fee_fen"},
			{"fee too high", card.ReissueRequest{Number: held.Number, Reason: "遗失", FeeFen: card.MaxFeeFen + 1, Delivery: card.OnSite}, apperr.Invalid, "fee_fen"},
			{"no delivery", card.ReissueRequest{Number: held.Number, Reason: "遗失"}, apperr.Invalid, "delivery"},
			{"card in stock", card.ReissueRequest{Number: inStock, Reason: "遗失", Delivery: card.OnSite}, apperr.Conflict, "number"},
			{"unknown card", card.ReissueRequest{Number: card.Number("HC", 77), Reason: "遗失", Delivery: card.OnSite}, apperr.NotFound, "number"},
			{"typo", card.ReissueRequest{Number: "HC0000000014", Reason: "遗失", Delivery: card.OnSite}, apperr.Invalid, "number"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.cards.Reissue(ctx, tc.req)
				testfix.WantErr(t, err, tc.code, tc.field)
			})
		}
		// With the stock empty the reissue fails whole: the old card stays usable.
		if _, err := f.cards.Void(ctx, inStock, "损坏"); err != nil {
			t.Fatal(err)
		}
		_, err := f.cards.Reissue(ctx, card.ReissueRequest{Number: held.Number, Reason: "遗失", Delivery: card.OnSite})
		testfix.WantErr(t, err, apperr.Conflict, "city")
		if c := f.mustLookup(t, held.Number); c.Status != card.Issued || c.BlockedAt != nil {
			t.Errorf("card after a failed reissue = %+v, want still issued", c)
		}
		_, err = f.cards.Void(ctx, held.Number, "损坏")
		testfix.WantErr(t, err, apperr.Conflict, "number")
		_, err = f.cards.ReportLost(ctx, inStock, "遗失")
		testfix.WantErr(t, err, apperr.Conflict, "number")
	})
}

func TestLookup(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "HZ", 1)
		for _, tc := range []struct {
			in    string
			code  apperr.Code
			field string
		}{
			{"", apperr.Invalid, "number"},
			{"HC0000000016", apperr.Invalid, "number"},
			{"HC0000000051", apperr.Invalid, "number"},
			{card.Number("HC", 2), apperr.NotFound, "number"},
		} {
			t.Run(tc.in, func(t *testing.T) {
				_, err := f.cards.Lookup(context.Background(), tc.in)
				testfix.WantErr(t, err, tc.code, tc.field)
			})
		}
		if c := f.mustLookup(t, "ＨＣ００００００００１５"); c.CityCode != "HZ" || c.Usable() {
			t.Errorf("card in stock = %+v", c)
		}
	})
}
