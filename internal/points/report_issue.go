package points

import (
	"context"
	"sort"
	"strings"
)

// issueKey names a row of issuance: a plan, a rule (0: none) and a
// category ("": none), each left out (zero) by the levels above.
type issueKey struct {
	plan, rule int64
	category   Category
	kind       Kind
}

// The levels of issuance, each one statement: the selected key columns
// and what they group by.
var issueLevels = []struct{ cols, group string }{
	{"t.plan_id, COALESCE(t.rule_id, 0), COALESCE(ru.category, '')", "t.plan_id, t.rule_id, ru.category, a.kind"},
	{"t.plan_id, 0, ''", "t.plan_id, a.kind"},
	{"0, 0, COALESCE(ru.category, '')", "ru.category, a.kind"},
	{"0, 0, ''", "a.kind"},
}

// issuance fills plans, rules, categories and the totals' plan figures
// from the awards of the period (and their reversals) made under the
// plans in the report to members in the scope.
func (q *reportQuery) issuance(ctx context.Context, r *EffectivenessReport) error {
	join, conds, args := q.members()
	conds, args = period(conds, args, q.start, q.end)
	conds, args = q.plans("pl", conds, args)
	// A reversal keeps its award's plan and rule; spending carries none,
	// but the origin's source keeps it out even if it did.
	conds = append(conds, "COALESCE(o.source, t.source) IN ('rule', 'plan', 'event')")
	from := ` FROM point_postings p JOIN point_accounts a ON a.id = p.account_id
		JOIN point_transactions t ON t.id = p.transaction_id LEFT JOIN point_transactions o ON o.id = t.reverses_id
		JOIN point_plans pl ON pl.id = t.plan_id LEFT JOIN point_rules ru ON ru.id = t.rule_id` + join +
		" WHERE " + strings.Join(conds, " AND ")
	const sums = `, a.kind, count(CASE WHEN t.reverses_id IS NULL THEN 1 END),
		count(DISTINCT CASE WHEN t.reverses_id IS NULL THEN a.member_id END),
		CAST(COALESCE(SUM(CASE WHEN t.reverses_id IS NULL THEN p.amount ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(-SUM(CASE WHEN t.reverses_id IS NOT NULL THEN p.amount ELSE 0 END), 0) AS BIGINT)`
	levels := make([]map[issueKey]Issuance, len(issueLevels))
	for i, l := range issueLevels {
		rows, err := q.tx.Query(ctx, "SELECT "+l.cols+sums+from+" GROUP BY "+l.group, args...)
		if err != nil {
			return err
		}
		levels[i] = map[issueKey]Issuance{}
		for rows.Next() {
			var k issueKey
			var is Issuance
			if err := rows.Scan(&k.plan, &k.rule, &k.category, &k.kind, &is.Awards, &is.Members, &is.Issued, &is.Reversed); err != nil {
				rows.Close()
				return err
			}
			is.Net = is.Issued - is.Reversed
			levels[i][k] = is
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return q.finishIssuance(ctx, r, levels)
}

// finishIssuance makes the plan, rule and category rows and the totals'
// plan figures from the levels of issuance (as issueLevels).
func (q *reportQuery) finishIssuance(ctx context.Context, r *EffectivenessReport, levels []map[issueKey]Issuance) error {
	plans, err := q.reportPlans(ctx, levels[1])
	if err != nil {
		return err
	}
	q.planRows(r, plans, levels[1])
	if err := q.ruleRows(ctx, r, plans, levels[0]); err != nil {
		return err
	}
	q.categoryRows(r, levels[2])
	for i := range r.Totals {
		t := &r.Totals[i]
		t.Plans = levels[3][issueKey{kind: t.Kind}]
		t.Unplanned = Issuance{Issued: t.Issued - t.Plans.Issued, Reversed: t.Reversed - t.Plans.Reversed}
		t.Unplanned.Net = t.Unplanned.Issued - t.Unplanned.Reversed
		for _, p := range r.Plans {
			if p.Kind == t.Kind {
				t.Budget, t.BudgetUsed = t.Budget+p.Budget, t.BudgetUsed+p.BudgetUsed
			}
		}
	}
	return nil
}

// reportPlans reads the plans of the report, by id: those in scope that
// awarded in the period, and those approved or cancelled whose validity
// meets the period (a plan that awarded nothing shows as such).
func (q *reportQuery) reportPlans(ctx context.Context, active map[issueKey]Issuance) ([]Plan, error) {
	conds, args := q.plans("p", nil, nil)
	meets := []string{"p.status IN ('approved', 'cancelled')"}
	if q.f.To.Valid() {
		meets, args = append(meets, "p.valid_from <= ?"), append(args, q.f.To)
	}
	if q.f.From.Valid() {
		meets, args = append(meets, "p.valid_to >= ?"), append(args, q.f.From)
	}
	or := "(" + strings.Join(meets, " AND ")
	for k := range active {
		or, args = or+" OR p.id = ?", append(args, k.plan)
	}
	conds = append(conds, "("+or+"))")
	query := "SELECT " + planColumns + planFrom + " WHERE " + strings.Join(conds, " AND ") + " ORDER BY p.id"
	rows, err := q.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Plan
	var ids []int64
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			return nil, err
		}
		out, ids = append(out, *p), append(ids, p.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	issued, err := issuedOf(ctx, q.tx, ids)
	for i := range out {
		out[i].Issued = issued[out[i].ID]
	}
	return out, err
}

func (q *reportQuery) planRows(r *EffectivenessReport, plans []Plan, by map[issueKey]Issuance) {
	r.Plans = []PlanEffect{}
	for _, p := range plans {
		for _, k := range r.Kinds {
			e := PlanEffect{PlanID: p.ID, Name: p.Name, NodeName: p.NodeName, PlanKind: p.Kind, Status: p.Status, Kind: k,
				Issuance: by[issueKey{plan: p.ID, kind: k}], Budget: p.Budget.Of(k), BudgetUsed: p.Issued.Of(k)}
			e.BudgetLeft = max(e.Budget-e.BudgetUsed, 0)
			r.Plans = append(r.Plans, e)
		}
	}
}

// ruleRows lists every rule of the report's plans of its kinds, then what
// each plan awarded under no rule.
func (q *reportQuery) ruleRows(ctx context.Context, r *EffectivenessReport, plans []Plan, by map[issueKey]Issuance) error {
	r.Rules = []RuleEffect{}
	for _, p := range plans {
		rules, err := rulesOf(ctx, q.tx, p.ID)
		if err != nil {
			return err
		}
		for _, ru := range rules {
			if kindIndex(r.Kinds, ru.Kind) < 0 {
				continue
			}
			r.Rules = append(r.Rules, RuleEffect{PlanID: p.ID, PlanName: p.Name, RuleID: ru.ID, Category: ru.Category, EventType: ru.EventType,
				Kind: ru.Kind, Amount: ru.Amount, Issuance: by[issueKey{plan: p.ID, rule: ru.ID, category: ru.Category, kind: ru.Kind}]})
		}
		for _, k := range r.Kinds {
			if is, ok := by[issueKey{plan: p.ID, kind: k}]; ok {
				r.Rules = append(r.Rules, RuleEffect{PlanID: p.ID, PlanName: p.Name, Kind: k, Issuance: is})
			}
		}
	}
	return nil
}

// categoryRows lists every category of each kind, then what plans
// awarded under no rule.
func (q *reportQuery) categoryRows(r *EffectivenessReport, by map[issueKey]Issuance) {
	r.Categories = []CategoryEffect{}
	for _, k := range r.Kinds {
		for _, c := range Categories {
			r.Categories = append(r.Categories, CategoryEffect{Category: c, Kind: k, Issuance: by[issueKey{category: c, kind: k}]})
		}
		if is, ok := by[issueKey{kind: k}]; ok {
			r.Categories = append(r.Categories, CategoryEffect{Kind: k, Issuance: is})
		}
	}
	sort.SliceStable(r.Categories, func(i, j int) bool {
		return kindIndex(r.Kinds, r.Categories[i].Kind) < kindIndex(r.Kinds, r.Categories[j].Kind)
	})
}
