package lead_test

import (
	"context"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

// rule gives amount reward points for an event: the group plan of these
// tests gives 500 for a signed contract, 2000 for referring a purchase.
func rule(ev points.EventType, amount int64) points.RuleInput {
	return points.RuleInput{EventType: ev, Kind: points.Reward, Amount: amount}
}

func TestDealMakesMemberPropertyAndPointsOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.Plan(t, "GROUP", rule(points.EvContractSigned, 500), rule(points.EvReferralPurchase, 2000))
		referrer := f.Approve(t, member.Application{NodeCode: "SH-PD", Name: "老业主", Mobile: "13700000001"})
		l := f.mustRegister(t, "wang", lead.Registration{Mobile: "13900000009", Surname: "吴", Media: "老带新", ReferrerMemberID: &referrer})
		ctx := f.as("wang")
		// A deal needs the deal status's fields: the name first.
		_, err := f.svc.RecordDeal(ctx, l.ID, lead.DealInput{Kind: lead.Contract, Building: "3", Unit: "1201"})
		testfix.WantErr(t, err, apperr.Invalid, "name")
		if _, err := f.svc.Update(ctx, l.ID, lead.Update{Name: ptr("吴晓明"), Gender: ptr("男")}); err != nil {
			t.Fatal(err)
		}
		// A subscription: member and home, no points yet.
		sub, err := f.svc.RecordDeal(ctx, l.ID, lead.DealInput{Kind: lead.Subscription, Building: "3", Unit: "1201"})
		if err != nil {
			t.Fatal(err)
		}
		if len(sub.Points) != 0 || sub.MemberID == nil || *sub.MemberID != *l.MemberID {
			t.Fatalf("subscription = %+v", sub)
		}
		got := f.mustGet(t, l.ID)
		if got.Status != lead.Won || got.NextAction != "签约及资料完善" {
			t.Errorf("after the subscription: %+v", got)
		}
		// The contract: the buyer is a default member, so their event waits;
		// the referrer's posts.
		f.Clock.Advance(2 * 24 * time.Hour)
		con, err := f.svc.RecordDeal(ctx, l.ID, lead.DealInput{Kind: lead.Contract, Building: "3", Unit: "1201"})
		if err != nil {
			t.Fatal(err)
		}
		byType := map[points.EventType]lead.DealPoints{}
		for _, p := range con.Points {
			byType[p.EventType] = p
		}
		if p := byType[points.EvContractSigned]; p.Status != "waiting" || p.MemberID != *l.MemberID || p.Error == "" {
			t.Errorf("buyer's event = %+v", p)
		}
		if p := byType[points.EvReferralPurchase]; p.Status != "posted" || p.MemberID != referrer || p.EventID == nil {
			t.Errorf("referrer's event = %+v", p)
		}
		if r := f.Balance(t, referrer, points.Reward); r != 2000 {
			t.Errorf("referrer has %d reward points, want 2000", r)
		}
		// Recording the contract again (a retried form) changes nothing.
		again, err := f.svc.RecordDeal(ctx, l.ID, lead.DealInput{Kind: lead.Contract, Building: "3", Unit: "1201"})
		if err != nil || !again.Replayed || again.ID != con.ID {
			t.Fatalf("replay = %+v, %v", again, err)
		}
		// The buyer is approved; the waiting event posts, once.
		buyer := f.Approve(t, member.Application{NodeCode: "SH-PD", Name: "吴晓明", Mobile: "13900000009"})
		if buyer != *l.MemberID {
			t.Fatalf("approval made another member %d", buyer)
		}
		n, err := f.svc.PostWaitingPoints(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("posted %d, %v", n, err)
		}
		for range 2 {
			if n, err := f.svc.PostWaitingPoints(context.Background()); err != nil || n != 0 {
				t.Fatalf("posted again %d, %v", n, err)
			}
			if _, err := f.svc.RecordDeal(ctx, l.ID, lead.DealInput{Kind: lead.Contract, Building: "3", Unit: "1201"}); err != nil {
				t.Fatal(err)
			}
		}
		if r := f.Balance(t, buyer, points.Reward); r != 500 {
			t.Errorf("buyer has %d reward points, want 500", r)
		}
		if r := f.Balance(t, referrer, points.Reward); r != 2000 {
			t.Errorf("referrer has %d reward points after retries, want 2000", r)
		}
		if n := f.Count(t, "SELECT count(*) FROM point_events WHERE ref = ?", "lead-deal:SH-PD/3/1201"); n != 2 {
			t.Errorf("point events = %d, want 2", n)
		}
		m, err := f.Members.Get(context.Background(), buyer)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Properties) != 1 || m.Properties[0].ProjectCode != "SH-PD" || m.Properties[0].Building != "3" || m.Properties[0].Unit != "1201" {
			t.Errorf("properties = %+v", m.Properties)
		}
		if n := f.Count(t, "SELECT count(*) FROM members"); n != 2 {
			t.Errorf("members = %d, want buyer and referrer", n)
		}
		deals, err := f.svc.Deals(context.Background(), l.ID)
		if err != nil || len(deals) != 2 {
			t.Errorf("deals = %+v, %v", deals, err)
		}
		h := f.history(t, l.ID)
		if countAction(h, "deal") != 2 || countAction(h, "points") != 2 {
			t.Errorf("history = %+v", h)
		}
		// The unit is sold: another customer cannot sign it.
		other := f.mustRegister(t, "li", lead.Registration{Name: "郑一", Gender: "女", Media: "网络"})
		_, err = f.svc.RecordDeal(f.as("li"), other.ID, lead.DealInput{Kind: lead.Contract, Building: "3", Unit: "1201"})
		testfix.WantCode(t, err, apperr.Conflict)
		if got := f.mustGet(t, other.ID); got.Status == lead.Won {
			t.Error("a refused deal changed the lead")
		}
	})
}
