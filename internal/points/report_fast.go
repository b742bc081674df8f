package points

import (
	"context"
	"strings"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"estateclub/internal/db"
)

// The report read from the rollup: the rows of point_report_days in the
// scope, summed by the database into a few hundred groups, plus the
// postings after the mark summed here alike; distinct members are the
// union of the rows' member sets. Every filter of ReportFilter (scope,
// plan, period, kind) is answered so; a rollup cut in another zone is not
// used (the direct statements answer until it is rebuilt).

// sumKey is a group of the report: rows of one region, kind, origin,
// reversal, plan and rule, before (0), in (1) or after (2) the period.
type sumKey struct {
	region     string
	kind       Kind
	origin     Source
	reversal   bool
	plan, rule int64
	part       int
}

// planRule names the member sets kept: per plan, rule and kind.
type planRule struct {
	plan, rule int64
	kind       Kind
}

type rolled struct {
	sums    map[sumKey]*rollSums           // postings and amount only
	members map[planRule]*roaring64.Bitmap // awards in the period
}

// part is where a day lies against the period.
func (q *reportQuery) part(day string) int {
	switch {
	case q.f.From.Valid() && day < q.f.From.String():
		return 0
	case q.f.To.Valid() && day > q.f.To.String():
		return 2
	}
	return 1
}

// inScope is the report's scope and kind, as members() puts them in SQL.
func (q *reportQuery) inScope(k rollKey) bool {
	if len(q.kinds) == 1 && k.kind != q.kinds[0] {
		return false
	}
	if q.f.Within == nil {
		return true
	}
	for _, p := range q.f.Within {
		if strings.HasPrefix(k.node, p) {
			return true
		}
	}
	return false
}

// readRollup reads the rollup in the scope and the postings after its
// mark; ok is false when the rollup cannot serve (cut in another zone).
func (q *reportQuery) readRollup(ctx context.Context) (_ *rolled, ok bool, err error) {
	var mark int64
	var zone string
	if err := q.tx.QueryRow(ctx, "SELECT posting_id, zone FROM point_report_mark WHERE id = 1").Scan(&mark, &zone); err != nil {
		return nil, false, err
	}
	if zone != rollZone() {
		return nil, false, nil
	}
	ro := &rolled{sums: map[sumKey]*rollSums{}, members: map[planRule]*roaring64.Bitmap{}}
	var conds []string
	var args []any
	from, to := "", "9999-12-31"
	if q.f.From.Valid() {
		from = q.f.From.String()
	}
	if q.f.To.Valid() {
		to = q.f.To.String()
	}
	args = append(args, from, to)
	if len(q.kinds) == 1 {
		conds, args = append(conds, "kind = ?"), append(args, q.kinds[0])
	}
	if q.f.Within != nil {
		c, a := db.PathsWhere("node_path", q.f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := q.tx.Query(ctx, `SELECT region_path, kind, origin, reversal, plan_id, rule_id, part, CAST(SUM(postings) AS BIGINT), CAST(SUM(amount) AS BIGINT)
		FROM (SELECT d.*, CASE WHEN day < ? THEN 0 WHEN day > ? THEN 2 ELSE 1 END AS part FROM point_report_days d`+where+`) x
		GROUP BY region_path, kind, origin, reversal, plan_id, rule_id, part`, args...)
	if err != nil {
		return nil, false, err
	}
	for rows.Next() {
		var k sumKey
		var rev int
		var c rollSums
		if err := rows.Scan(&k.region, &k.kind, &k.origin, &rev, &k.plan, &k.rule, &k.part, &c.postings, &c.amount); err != nil {
			rows.Close()
			return nil, false, err
		}
		k.reversal = rev == 1
		ro.sums[k] = &c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if err := q.readMembers(ctx, ro, conds, args[2:], from, to); err != nil {
		return nil, false, err
	}
	// The postings after the mark, live.
	tail := map[rollKey]*rollSums{}
	if _, err := rollPostings(ctx, q.tx, mark, 0, tail); err != nil {
		return nil, false, err
	}
	for k, c := range tail {
		if q.inScope(k) {
			ro.add(k, q.part(k.day), c)
		}
	}
	return ro, true, nil
}

// readMembers unites the member sets of the awards in the period by plan,
// rule and kind.
func (q *reportQuery) readMembers(ctx context.Context, ro *rolled, conds []string, args []any, from, to string) error {
	conds = append(conds, "members IS NOT NULL", "day >= ?", "day <= ?")
	args = append(args, from, to)
	if q.f.PlanID != 0 {
		conds, args = append(conds, "plan_id = ?"), append(args, q.f.PlanID)
	}
	rows, err := q.tx.Query(ctx, "SELECT plan_id, rule_id, kind, members FROM point_report_days WHERE "+strings.Join(conds, " AND "), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k planRule
		var b []byte
		if err := rows.Scan(&k.plan, &k.rule, &k.kind, &b); err != nil {
			return err
		}
		m := roaring64.New()
		if err := m.UnmarshalBinary(b); err != nil {
			return err
		}
		ro.unite(k, m)
	}
	return rows.Err()
}

func (ro *rolled) unite(k planRule, m *roaring64.Bitmap) {
	if have := ro.members[k]; have != nil {
		have.Or(m)
	} else {
		ro.members[k] = m
	}
}

// add counts a tail row in its group.
func (ro *rolled) add(k rollKey, part int, c *rollSums) {
	sk := sumKey{region: k.region, kind: k.kind, origin: k.origin, reversal: k.reversal, plan: k.plan, rule: k.rule, part: part}
	s := ro.sums[sk]
	if s == nil {
		s = &rollSums{}
		ro.sums[sk] = s
	}
	s.postings, s.amount = s.postings+c.postings, s.amount+c.amount
	if part == 1 && c.members != nil {
		ro.unite(planRule{k.plan, k.rule, k.kind}, c.members)
	}
}

// movementsRolled fills the regions and totals as movements does.
func (q *reportQuery) movementsRolled(ctx context.Context, r *EffectivenessReport, ro *rolled) error {
	regions := map[regionKey]*RegionEffect{}
	for k, c := range ro.sums {
		g := regions[regionKey{k.region, k.kind}]
		if g == nil {
			g = &RegionEffect{Region: k.region, Kind: k.kind}
			regions[regionKey{k.region, k.kind}] = g
		}
		g.Balance += c.amount
		switch k.part {
		case 1:
			g.add(k.origin, k.reversal, c.amount)
		case 2:
			g.Closing -= c.amount
		}
	}
	return q.finishMovements(ctx, r, regions)
}

// issuanceRolled fills plans, rules, categories and the totals' plan
// figures as issuance does.
func (q *reportQuery) issuanceRolled(ctx context.Context, r *EffectivenessReport, ro *rolled) error {
	inReport, categories, err := q.planSet(ctx)
	if err != nil {
		return err
	}
	levels := make([]map[issueKey]Issuance, len(issueLevels))
	for i := range levels {
		levels[i] = map[issueKey]Issuance{}
	}
	keys := func(plan, rule int64, kind Kind) []issueKey {
		cat := categories[rule]
		return []issueKey{{plan, rule, cat, kind}, {plan: plan, kind: kind}, {category: cat, kind: kind}, {kind: kind}}
	}
	for k, c := range ro.sums {
		if k.part != 1 || !isAward(k.origin) || !inReport[k.plan] {
			continue
		}
		for i, ik := range keys(k.plan, k.rule, k.kind) {
			is := levels[i][ik]
			if k.reversal {
				is.Reversed -= c.amount
			} else {
				is.Awards, is.Issued = is.Awards+int(c.postings), is.Issued+c.amount
			}
			is.Net = is.Issued - is.Reversed
			levels[i][ik] = is
		}
	}
	// Distinct members: the union of the member sets under each key.
	sets := make([]map[issueKey][]*roaring64.Bitmap, len(issueLevels))
	for i := range sets {
		sets[i] = map[issueKey][]*roaring64.Bitmap{}
	}
	for pr, m := range ro.members {
		if inReport[pr.plan] {
			for i, ik := range keys(pr.plan, pr.rule, pr.kind) {
				sets[i][ik] = append(sets[i][ik], m)
			}
		}
	}
	for i := range sets {
		for ik, ms := range sets[i] {
			is := levels[i][ik]
			is.Members = int(roaring64.FastOr(ms...).GetCardinality())
			levels[i][ik] = is
		}
	}
	return q.finishIssuance(ctx, r, levels)
}

// planSet is the ids of the plans in the report (scope and plan filter)
// and the category of every rule.
func (q *reportQuery) planSet(ctx context.Context) (map[int64]bool, map[int64]Category, error) {
	conds, args := q.plans("pl", []string{"1 = 1"}, nil)
	ids := map[int64]bool{}
	rows, err := q.tx.Query(ctx, "SELECT id FROM point_plans pl WHERE "+strings.Join(conds, " AND "), args...)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, err
		}
		ids[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	cats := map[int64]Category{}
	rows, err = q.tx.Query(ctx, "SELECT id, category FROM point_rules")
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c Category
		if err := rows.Scan(&id, &c); err != nil {
			return nil, nil, err
		}
		cats[id] = c
	}
	return ids, cats, rows.Err()
}
