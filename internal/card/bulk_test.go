package card_test

import (
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

func TestIssueMany(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 3) // 1–3
		f.mustBatch(t, std.ID, "HZ", 2) // 4–5
		sh1, hz, sh2 := f.Member(t, "SH-PD"), f.Member(t, "HZ-XH"), f.Member(t, "SH")

		// One bad request, the member who already got a card of the batch,
		// undoes the whole batch.
		_, err := f.cards.IssueMany(staffCtx(), []card.IssueRequest{
			{MemberID: sh1, Delivery: card.OnSite}, {MemberID: hz, Delivery: card.OnSite}, {MemberID: sh1, Delivery: card.Hand}})
		testfix.WantErr(t, err, apperr.Conflict, "member_id")
		if l := f.mustStock(t, "SH", std.ID); l.Issued != 0 || l.InStock != 3 {
			t.Fatalf("after a failed batch, SH stock = %+v", l)
		}
		// A request that fails its checks is refused before any work.
		_, err = f.cards.IssueMany(staffCtx(), []card.IssueRequest{{MemberID: sh1, Delivery: card.OnSite}, {MemberID: hz, Delivery: "drone"}})
		testfix.WantErr(t, err, apperr.Invalid, "delivery")

		cards, err := f.cards.IssueMany(staffCtx(), []card.IssueRequest{
			{MemberID: sh1, Delivery: card.OnSite}, {MemberID: hz, Delivery: card.Post, Tracking: "SF0001"}, {MemberID: sh2, Delivery: card.Hand}})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			member int64
			number string
			status card.DeliveryStatus
		}{{sh1, card.Number("HC", 1), card.Delivered}, {hz, card.Number("HC", 4), card.Sent}, {sh2, card.Number("HC", 2), card.Pending}}
		if len(cards) != len(want) {
			t.Fatalf("IssueMany gave %d cards, want %d", len(cards), len(want))
		}
		for i, w := range want {
			c := cards[i]
			if c.MemberID == nil || *c.MemberID != w.member || c.Number != w.number || c.DeliveryStatus != w.status || !c.Usable() {
				t.Errorf("card %d = %+v, want %s for member %d (%s)", i, c, w.number, w.member, w.status)
			}
		}
		if es := f.mustAudit(t, "card.issue"); len(es) != 3 {
			t.Errorf("%d card.issue audit entries, want one per card", len(es))
		}
	})
}
