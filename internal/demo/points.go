package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/points"
)

// seedPoints gives the demo club this year's approved point plan and a
// year of activity under it: joining, event attendance and referral
// purchases, so that balances, statements and tiers (银籍, 金籍) look real.
func seedPoints(ctx context.Context, d *db.DB, ms *member.Service) error {
	ps := &points.Service{DB: d, Members: ms}
	now := d.Clock().In(time.FixedZone("CST", 8*3600))
	year := now.Year()
	drafter := db.WithActor(ctx, db.Actor{Kind: "staff", Login: "specialist"})
	approver := db.WithActor(ctx, db.Actor{Kind: "staff", Login: "supervisor"})
	rule := func(cat points.Category, ev points.EventType, kind points.Kind, n int64) points.RuleInput {
		return points.RuleInput{Category: cat, EventType: ev, Kind: kind, Amount: n}
	}
	plan, err := ps.CreatePlan(drafter, points.PlanInput{NodeCode: "GROUP", Kind: points.Yearly, Year: year,
		Name: fmt.Sprintf("%d 年度会员积分计划", year), Budget: points.Amounts{Upgrade: 100_000_000, Reward: 100_000_000},
		Rules: []points.RuleInput{
			rule(points.CatMember, points.EvJoined, points.Reward, 200), rule(points.CatMember, points.EvJoined, points.Upgrade, 200),
			rule(points.CatBrand, points.EvEventAttendance, points.Reward, 100), rule(points.CatBrand, points.EvEventAttendance, points.Upgrade, 300),
			rule(points.CatMarketing, points.EvReferralPurchase, points.Reward, 2000), rule(points.CatMarketing, points.EvReferralPurchase, points.Upgrade, 4000),
		}})
	if err != nil {
		return err
	}
	if _, err := ps.SubmitPlan(drafter, plan.ID); err != nil {
		return err
	}
	if _, err := ps.ApprovePlan(approver, plan.ID); err != nil {
		return err
	}
	var ids []int64
	if err := d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id FROM members WHERE status = 'active' ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	}); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(5, 8))
	start := time.Date(year, time.January, 1, 10, 0, 0, 0, now.Location())
	days := int(now.Sub(start).Hours()/24) + 1
	when := func() time.Time { // this year up to now, never later today
		if t := start.AddDate(0, 0, r.IntN(days)); t.Before(now) {
			return t
		}
		return now
	}
	batches := map[points.EventType][]points.BatchRow{}
	for _, id := range ids {
		batches[points.EvJoined] = append(batches[points.EvJoined], points.BatchRow{MemberID: id, OccurredAt: when()})
		for k := range r.IntN(5) {
			batches[points.EvEventAttendance] = append(batches[points.EvEventAttendance],
				points.BatchRow{MemberID: id, Ref: fmt.Sprintf("EV-%d-%d", year, 10+k), OccurredAt: when()})
		}
		if r.IntN(12) == 0 {
			batches[points.EvReferralPurchase] = append(batches[points.EvReferralPurchase],
				points.BatchRow{MemberID: id, Ref: fmt.Sprintf("REF-%d", id), OccurredAt: when()})
		}
	}
	for _, ev := range []points.EventType{points.EvJoined, points.EvEventAttendance, points.EvReferralPurchase} {
		if _, err := ps.AwardBatch(drafter, points.BatchInput{Type: ev, Rows: batches[ev], Note: "演示数据"}); err != nil {
			return fmt.Errorf("demo %s awards: %w", ev, err)
		}
	}
	return nil
}
