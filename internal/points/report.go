package points

import (
	"context"
	"fmt"
	"slices"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// ReportFilter selects what a plan effectiveness report covers.
type ReportFilter struct {
	Within []string // org paths the caller reaches, as PlanFilter; nil: everywhere
	PlanID int64    // one plan; 0: every plan in scope
	From   db.Date  // first day (China calendar), inclusive; zero: from the start
	To     db.Date  // last day, inclusive; zero: through today
	Kind   Kind     // Upgrade or Reward; "": both, always apart
}

// EffectivenessReport is the plan effectiveness report (积分计划效用分析)
// of a period.
//
// Points issued are attributed to plan and rule by the ledger itself: an
// award's transaction names its plan and rule, and its reversal (冲正)
// keeps them. Points spent are not: a redemption, an expiry or an
// adjustment takes points from the member's balance in a region, and the
// ledger keeps no record of which plan's points a spending consumed (FIFO
// is applied by the year-end run to amounts, not to plan lots, and expiry
// transactions carry no plan). So Plans, Rules and Categories give what
// was issued and reversed, while redeemed, expired, adjusted and
// outstanding (the liability, 积分负债) are given by region and in total.
//
// Every movement counts members within the scope (the member's org
// node), in the period by the posting's time; plan, rule and category rows
// count the plans whose node lies within the scope too. For each kind
// they reconcile exactly:
//
//	Totals.Issued   = Σ Plans.Issued + Totals.Unplanned.Issued   (and so for Reversed)
//	Σ Plans         = Σ Rules = Σ Categories                    (points; Members are distinct counts)
//	Totals          = Σ Regions
//	Closing         = Opening + Issued − Reversed − Redeemed − Expired + Adjusted
//	Closing         = Balance (the sum of member balances) when the period runs through today
type EffectivenessReport struct {
	From        db.Date          `json:"from"`
	To          db.Date          `json:"to"`
	Kinds       []Kind           `json:"kinds"`
	Plans       []PlanEffect     `json:"plans"`
	Rules       []RuleEffect     `json:"rules"`
	Categories  []CategoryEffect `json:"categories"`
	Regions     []RegionEffect   `json:"regions"`
	Totals      []KindTotals     `json:"totals"` // one per kind
	GeneratedAt time.Time        `json:"generated_at"`
}

// Issuance is what was awarded in the period (reward and upgrade points
// apart).
type Issuance struct {
	Awards   int   `json:"awards"`   // award transactions
	Members  int   `json:"members"`  // distinct members awarded
	Issued   int64 `json:"issued"`   // points awarded (发放)
	Reversed int64 `json:"reversed"` // points of awards taken back (冲正)
	Net      int64 `json:"net"`      // Issued − Reversed
}

// PlanEffect is one plan's issuance of one kind, with its budget.
type PlanEffect struct {
	PlanID   int64      `json:"plan_id"`
	Name     string     `json:"name"`
	NodeName string     `json:"node_name"`
	PlanKind PlanKind   `json:"plan_kind"`
	Status   PlanStatus `json:"status"`
	Kind     Kind       `json:"kind"`
	Issuance
	Budget     int64 `json:"budget"`      // of this kind
	BudgetUsed int64 `json:"budget_used"` // net issued over the plan's life, every member (as Plan.Issued)
	BudgetLeft int64 `json:"budget_left"` // never below zero
}

// RuleEffect is one rule's issuance; RuleID 0 is what the plan awarded by
// hand, under no rule.
type RuleEffect struct {
	PlanID    int64     `json:"plan_id"`
	PlanName  string    `json:"plan_name"`
	RuleID    int64     `json:"rule_id"`
	Category  Category  `json:"category"` // "": no rule
	EventType EventType `json:"event_type"`
	Kind      Kind      `json:"kind"`
	Amount    int64     `json:"amount"` // the rule's points per award
	Issuance
}

// CategoryEffect is the issuance of the rules of one category (积分规则类别)
// of the plans in the report; Category "" is what plans awarded by hand.
type CategoryEffect struct {
	Category Category `json:"category"`
	Kind     Kind     `json:"kind"`
	Issuance
}

// Movements are the changes of member balances of one kind in the period.
// Redeemed is net of the points returned by rejected or cancelled
// redemptions, Expired and Adjusted net of their reversals; Reversed is
// awards taken back.
type Movements struct {
	Opening  int64 `json:"opening"` // outstanding at the start of the period
	Issued   int64 `json:"issued"`
	Reversed int64 `json:"reversed"`
	Redeemed int64 `json:"redeemed"`
	Expired  int64 `json:"expired"`
	Adjusted int64 `json:"adjusted"` // signed
	Closing  int64 `json:"closing"`  // outstanding at the end: the liability (积分负债)
}

func (m *Movements) net() int64 { return m.Issued - m.Reversed - m.Redeemed - m.Expired + m.Adjusted }

// RegionEffect is the movements of one kind in one region (事业部).
type RegionEffect struct {
	Region     string `json:"region"`
	RegionName string `json:"region_name"`
	Kind       Kind   `json:"kind"`
	Movements
	Balance int64 `json:"balance"` // member balances now
}

// KindTotals totals one kind over the scope.
type KindTotals struct {
	Kind Kind `json:"kind"`
	Movements
	Balance    int64    `json:"balance"`     // the sum of member balances in scope now
	Plans      Issuance `json:"plans"`       // the plans in the report; Members distinct over them
	Unplanned  Issuance `json:"unplanned"`   // awards of no plan in the report (events without a plan, plans outside the scope or filter); points only
	Budget     int64    `json:"budget"`      // of the plans in the report
	BudgetUsed int64    `json:"budget_used"` // their lifetime use
}

// Effectiveness reports what point plans issued and what became of the
// points (积分计划效用分析): from the report's rollup and the postings
// after its mark (folded in first when they are many), or straight from
// the postings when the rollup cannot serve.
func (s *Service) Effectiveness(ctx context.Context, f ReportFilter) (*EffectivenessReport, error) {
	// Folding in is only a saving: the report is right without it (say the
	// lock timed out behind a long batch award), so a failure is not the
	// report's, and a real database fault shows in the report's own reads.
	_ = s.advanceIfBehind(ctx)
	return s.effectiveness(ctx, f, false)
}

// reportBehind is how many posting ids past the mark the report folds in
// before it answers rather than summing them live.
const reportBehind = 10_000

func (s *Service) advanceIfBehind(ctx context.Context) error {
	var behind int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT COALESCE((SELECT max(id) FROM point_postings), 0) - posting_id FROM point_report_mark WHERE id = 1").Scan(&behind)
	})
	if err != nil || behind < reportBehind {
		return err
	}
	_, err = s.AdvanceReport(ctx)
	return err
}

// effectiveness is the report, from the rollup or (direct) summed by the
// database from the postings alone.
func (s *Service) effectiveness(ctx context.Context, f ReportFilter, direct bool) (*EffectivenessReport, error) {
	kinds := []Kind{Upgrade, Reward}
	if f.Kind != "" {
		if !f.Kind.valid() {
			return nil, apperr.Field("kind", "积分类型须为升级积分或奖励积分", "kind must be upgrade or reward")
		}
		kinds = []Kind{f.Kind}
	}
	if f.From.Valid() && f.To.Valid() && f.To.Before(f.From.Time) {
		return nil, apperr.Field("to", "结束日期不能早于开始日期", "the end date is before the start date")
	}
	r := &EffectivenessReport{From: f.From, To: f.To, Kinds: kinds}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if tx.Dialect() == db.Postgres {
			// Every query of the report sees one moment of the ledger.
			if _, err := tx.Exec(ctx, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"); err != nil {
				return err
			}
		}
		r.GeneratedAt = tx.Now
		q := newReportQuery(tx, f, kinds)
		if f.PlanID != 0 {
			if err := q.checkPlan(ctx); err != nil {
				return err
			}
		}
		if !direct {
			ro, ok, err := q.readRollup(ctx)
			if err != nil {
				return fmt.Errorf("rollup: %w", err)
			}
			if ok {
				if err := q.movementsRolled(ctx, r, ro); err != nil {
					return fmt.Errorf("movements: %w", err)
				}
				return q.issuanceRolled(ctx, r, ro)
			}
		}
		if err := q.movements(ctx, r); err != nil {
			return fmt.Errorf("movements: %w", err)
		}
		return q.issuance(ctx, r)
	})
	if err != nil {
		return nil, fmt.Errorf("plan effectiveness: %w", err)
	}
	return r, nil
}

// kindIndex orders rows by kind as r.Kinds does.
func kindIndex(kinds []Kind, k Kind) int { return slices.Index(kinds, k) }

// EffectivenessDirect is the report summed straight from the postings,
// without the rollup: what the rollup's report is held against in tests
// and benchmarks.
func (s *Service) EffectivenessDirect(ctx context.Context, f ReportFilter) (*EffectivenessReport, error) {
	return s.effectiveness(ctx, f, true)
}
