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
)

// mustPointPlan approves a 2025 group plan: 500 reward points for a signed
// contract, 2000 for referring a purchase.
func (f *fixture) mustPointPlan(t testing.TB) {
	t.Helper()
	specialist := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "zhuanyuan"})
	supervisor := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "zhuguan"})
	p, err := f.points.CreatePlan(specialist, points.PlanInput{NodeCode: "GROUP", Kind: points.Yearly, Name: "2025 年度积分计划", Year: 2025,
		Budget: points.Amounts{Upgrade: 1_000_000, Reward: 1_000_000}, Rules: []points.RuleInput{
			{EventType: points.EvContractSigned, Kind: points.Reward, Amount: 500},
			{EventType: points.EvReferralPurchase, Kind: points.Reward, Amount: 2000},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.points.SubmitPlan(specialist, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.points.ApprovePlan(supervisor, p.ID); err != nil {
		t.Fatal(err)
	}
}

// mustApprove makes a default member an approved one (入会申请 and review).
func (f *fixture) mustApprove(t testing.TB, mobile, name string) int64 {
	t.Helper()
	m, _, err := f.members.Apply(system(), member.Application{NodeCode: "SH-PD", Name: name, Mobile: mobile})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.members.Review(system(), m.ID, true, ""); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func (f *fixture) reward(t testing.TB, memberID int64) int64 {
	t.Helper()
	bs, err := f.points.Balances(context.Background(), memberID)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, b := range bs {
		if b.Kind == points.Reward {
			sum += b.Balance
		}
	}
	return sum
}

func TestDealMakesMemberPropertyAndPointsOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.mustPointPlan(t)
		referrer := f.mustApprove(t, "13700000001", "老业主")
		l := f.mustRegister(t, "wang", lead.Registration{Mobile: "13900000009", Surname: "吴", Media: "老带新", ReferrerMemberID: &referrer})
		ctx := f.as("wang")
		// A deal needs the deal status's fields: the name first.
		_, err := f.svc.RecordDeal(ctx, l.ID, lead.DealInput{Kind: lead.Contract, Building: "3", Unit: "1201"})
		wantField(t, err, "name")
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
		f.advance(2 * 24 * time.Hour)
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
		if r := f.reward(t, referrer); r != 2000 {
			t.Errorf("referrer has %d reward points, want 2000", r)
		}
		// Recording the contract again (a retried form) changes nothing.
		again, err := f.svc.RecordDeal(ctx, l.ID, lead.DealInput{Kind: lead.Contract, Building: "3", Unit: "1201"})
		if err != nil || !again.Replayed || again.ID != con.ID {
			t.Fatalf("replay = %+v, %v", again, err)
		}
		// The buyer is approved; the waiting event posts, once.
		buyer := f.mustApprove(t, "13900000009", "吴晓明")
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
		if r := f.reward(t, buyer); r != 500 {
			t.Errorf("buyer has %d reward points, want 500", r)
		}
		if r := f.reward(t, referrer); r != 2000 {
			t.Errorf("referrer has %d reward points after retries, want 2000", r)
		}
		if n := f.mustCount(t, "SELECT count(*) FROM point_events WHERE ref = ?", "lead-deal:SH-PD/3/1201"); n != 2 {
			t.Errorf("point events = %d, want 2", n)
		}
		m, err := f.members.Get(context.Background(), buyer)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Properties) != 1 || m.Properties[0].ProjectCode != "SH-PD" || m.Properties[0].Building != "3" || m.Properties[0].Unit != "1201" {
			t.Errorf("properties = %+v", m.Properties)
		}
		if n := f.mustCount(t, "SELECT count(*) FROM members"); n != 2 {
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
		wantCode(t, err, apperr.Conflict)
		if got := f.mustGet(t, other.ID); got.Status == lead.Won {
			t.Error("a refused deal changed the lead")
		}
	})
}
