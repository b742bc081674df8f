package points

import (
	"context"
	"fmt"

	"estateclub/internal/db"
)

// PlanUsage is how much of a plan's budget is used (预算执行): what the
// ledger says it issued, net of reversals, against its budget, and what
// each rule awarded (reversed awards left out).
type PlanUsage struct {
	PlanID int64       `json:"plan_id"`
	Budget Amounts     `json:"budget"`
	Issued Amounts     `json:"issued"`
	Left   Amounts     `json:"left"` // never below zero
	Rules  []RuleUsage `json:"rules"`
}

// RuleUsage is what one rule awarded.
type RuleUsage struct {
	RuleID    int64     `json:"rule_id"`
	Category  Category  `json:"category"`
	EventType EventType `json:"event_type"`
	Kind      Kind      `json:"kind"`
	Awards    int       `json:"awards"`
	Points    int64     `json:"points"`
}

// PlanUsage reports a plan's budget consumption.
func (s *Service) PlanUsage(ctx context.Context, planID int64) (*PlanUsage, error) {
	var out *PlanUsage
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		p, err := loadPlan(ctx, tx, planID, true)
		if err != nil {
			return err
		}
		u := &PlanUsage{PlanID: p.ID, Budget: p.Budget, Issued: p.Issued, Rules: []RuleUsage{}}
		u.Left = Amounts{Upgrade: max(p.Budget.Upgrade-p.Issued.Upgrade, 0), Reward: max(p.Budget.Reward-p.Issued.Reward, 0)}
		byRule := map[int64]int{}
		for _, r := range p.Rules {
			byRule[r.ID] = len(u.Rules)
			u.Rules = append(u.Rules, RuleUsage{RuleID: r.ID, Category: r.Category, EventType: r.EventType, Kind: r.Kind})
		}
		rows, err := tx.Query(ctx, `SELECT a.rule_id, count(*), CAST(SUM(a.amount) AS BIGINT) FROM point_awards a
			WHERE a.rule_id IN (SELECT id FROM point_rules WHERE plan_id = ?) AND NOT EXISTS (SELECT 1 FROM point_transactions r WHERE r.reverses_id = a.transaction_id)
			GROUP BY a.rule_id`, planID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, pts int64
			var n int
			if err := rows.Scan(&id, &n, &pts); err != nil {
				return err
			}
			if i, ok := byRule[id]; ok {
				u.Rules[i].Awards, u.Rules[i].Points = n, pts
			}
		}
		out = u
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("plan usage: %w", err)
	}
	return out, nil
}
