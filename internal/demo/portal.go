package demo

import (
	"context"
	"fmt"

	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
)

// PortalMobile is the demo member who signs in to the member portal: her
// code arrives in the SMS outbox the console shows.
const PortalMobile = "13800138000"

// seedPortal makes the portal's demo member: approved at 浦东·滨江府, with
// a card, upgrade and reward points, and something to redeem.
func seedPortal(ctx context.Context, d *db.DB, ms *member.Service, cs *card.Service) error {
	m, _, err := ms.Apply(ctx, member.Application{NodeCode: "SH-PD", Channel: member.Purchase, Name: "林晓雨", Gender: "female",
		Mobile: PortalMobile, Birthday: "1988-06-12", Email: "lin.xiaoyu@example.com", Occupation: "设计师",
		Tags: []string{"亲子", "摄影"}, Consent: member.Consent{SMS: true, Email: true, How: "入会申请表签字"}})
	if err != nil {
		return fmt.Errorf("portal member: %w", err)
	}
	if m, err = ms.Review(ctx, m.ID, true, ""); err != nil {
		return err
	}
	if _, err := cs.Issue(ctx, card.IssueRequest{MemberID: m.ID, Delivery: card.OnSite}); err != nil {
		return fmt.Errorf("portal member's card: %w", err)
	}
	ps := &points.Service{DB: d, Members: ms}
	for i, e := range []points.Entry{
		{Kind: points.Upgrade, Amount: 3200, Reason: "购房签约（滨江府 3 栋 1202）"},
		{Kind: points.Reward, Amount: 2600, Reason: "购房签约奖励"},
		{Kind: points.Reward, Amount: 300, Reason: "推荐好友到访"},
	} {
		e.MemberID, e.Source, e.IdempotencyKey = m.ID, points.FromAdjustment, fmt.Sprintf("demo-portal-%d", i)
		if _, err := ps.Post(ctx, e); err != nil {
			return fmt.Errorf("portal member's points: %w", err)
		}
	}
	rs := &redeem.Service{DB: d, Points: ps}
	_, n, err := rs.Items(ctx, redeem.ItemFilter{Region: points.RegionOf(m.NodePath), Available: true, Limit: 1})
	if err != nil || n > 0 {
		return err
	}
	stock := int64(200)
	for _, it := range []redeem.NewItem{
		{NodeCode: "GROUP", Kind: redeem.KindGift, Name: "会员定制保温杯", Description: "316 不锈钢，500 ml", Price: 800, Stock: &stock},
		{NodeCode: "SH", Kind: redeem.KindService, Name: "家居深度保洁（2 小时）", Description: "上海地区预约上门", Price: 1500, Stock: &stock},
	} {
		if _, err := rs.CreateItem(ctx, it); err != nil {
			return fmt.Errorf("portal items: %w", err)
		}
	}
	return nil
}
