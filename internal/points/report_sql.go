package points

import (
	"context"
	"sort"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// reportQuery builds the report's statements: every one sums postings of
// member accounts in the scope, optionally of one kind.
type reportQuery struct {
	tx         *db.Tx
	f          ReportFilter
	kinds      []Kind
	start, end time.Time // the period in instants, end exclusive; zero: open
}

func newReportQuery(tx *db.Tx, f ReportFilter, kinds []Kind) *reportQuery {
	q := &reportQuery{tx: tx, f: f, kinds: kinds}
	if f.From.Valid() {
		q.start = time.Date(f.From.Year(), f.From.Month(), f.From.Day(), 0, 0, 0, 0, chinaTime)
	}
	if f.To.Valid() {
		q.end = time.Date(f.To.Year(), f.To.Month(), f.To.Day()+1, 0, 0, 0, 0, chinaTime)
	}
	return q
}

// members is the join and conditions that keep member accounts (alias a)
// within the scope and of the report's kinds.
func (q *reportQuery) members() (join string, conds []string, args []any) {
	conds = []string{"a.member_id IS NOT NULL"}
	if len(q.kinds) == 1 {
		conds, args = append(conds, "a.kind = ?"), append(args, q.kinds[0])
	}
	if q.f.Within != nil {
		c, a := db.PathsWhere("m.node_path", q.f.Within)
		join, conds, args = " JOIN members m ON m.id = a.member_id", append(conds, c), append(args, a...)
	}
	return join, conds, args
}

// period adds the conditions of postings (alias p) in [from, to).
func period(conds []string, args []any, from, to time.Time) ([]string, []any) {
	if !from.IsZero() {
		conds, args = append(conds, "p.created_at >= ?"), append(args, from)
	}
	if !to.IsZero() {
		conds, args = append(conds, "p.created_at < ?"), append(args, to)
	}
	return conds, args
}

// plans adds the conditions that keep plans (alias pl) in the report.
func (q *reportQuery) plans(pl string, conds []string, args []any) ([]string, []any) {
	if q.f.Within != nil {
		c, a := db.PathsWhere(pl+".node_path", q.f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if q.f.PlanID != 0 {
		conds, args = append(conds, pl+".id = ?"), append(args, q.f.PlanID)
	}
	return conds, args
}

// checkPlan makes a plan asked for that lies outside the scope as unknown
// as one that does not exist.
func (q *reportQuery) checkPlan(ctx context.Context) error {
	conds, args := q.plans("pl", nil, nil)
	n, err := q.tx.Count(ctx, "SELECT count(*) FROM point_plans pl WHERE "+strings.Join(conds, " AND "), args...)
	if err == nil && n == 0 {
		err = apperr.NotFoundf("积分计划", "point plan")
	}
	return err
}

type regionKey struct {
	region string
	kind   Kind
}

// movements fills the regions and the totals' movements: current balances
// from the accounts, the period's postings by what they came from, and the
// postings after the period to wind the balances back to its end.
func (q *reportQuery) movements(ctx context.Context, r *EffectivenessReport) error {
	regions := map[regionKey]*RegionEffect{}
	get := func(region string, k Kind) *RegionEffect {
		g := regions[regionKey{region, k}]
		if g == nil {
			g = &RegionEffect{Region: region, Kind: k}
			regions[regionKey{region, k}] = g
		}
		return g
	}
	join, conds, args := q.members()
	err := q.sums(ctx, "SELECT a.region_path, a.kind, '', 0, CAST(SUM(a.balance) AS BIGINT) FROM point_accounts a"+join+
		" WHERE "+strings.Join(conds, " AND ")+" GROUP BY a.region_path, a.kind", args, func(region string, k Kind, _ Source, _ bool, n int64) {
		get(region, k).Balance += n
	})
	if err != nil {
		return err
	}
	const from = ` FROM point_postings p JOIN point_accounts a ON a.id = p.account_id
		JOIN point_transactions t ON t.id = p.transaction_id LEFT JOIN point_transactions o ON o.id = t.reverses_id`
	pc, pa := period(conds, args, q.start, q.end)
	err = q.sums(ctx, `SELECT a.region_path, a.kind, COALESCE(o.source, t.source), CASE WHEN t.reverses_id IS NULL THEN 0 ELSE 1 END,
		CAST(SUM(p.amount) AS BIGINT)`+from+join+" WHERE "+strings.Join(pc, " AND ")+" GROUP BY 1, 2, 3, 4", pa,
		func(region string, k Kind, origin Source, reversal bool, n int64) {
			get(region, k).add(origin, reversal, n)
		})
	if err != nil {
		return err
	}
	if !q.end.IsZero() {
		pc, pa := period(conds, args, q.end, time.Time{})
		err = q.sums(ctx, "SELECT a.region_path, a.kind, '', 0, CAST(SUM(p.amount) AS BIGINT) FROM point_postings p JOIN point_accounts a ON a.id = p.account_id"+
			join+" WHERE "+strings.Join(pc, " AND ")+" GROUP BY a.region_path, a.kind", pa, func(region string, k Kind, _ Source, _ bool, n int64) {
			get(region, k).Closing -= n // the balance now, less what came after
		})
		if err != nil {
			return err
		}
	}
	return q.finishMovements(ctx, r, regions)
}

// finishMovements winds each region's balance back to the period's end
// and its start, orders the regions and totals them.
func (q *reportQuery) finishMovements(ctx context.Context, r *EffectivenessReport, regions map[regionKey]*RegionEffect) error {
	for _, g := range regions {
		g.Closing += g.Balance
		g.Opening = g.Closing - g.net()
		r.Regions = append(r.Regions, *g)
	}
	sort.Slice(r.Regions, func(i, j int) bool {
		a, b := r.Regions[i], r.Regions[j]
		return a.Region < b.Region || a.Region == b.Region && kindIndex(r.Kinds, a.Kind) < kindIndex(r.Kinds, b.Kind)
	})
	for _, k := range r.Kinds {
		t := KindTotals{Kind: k}
		for _, g := range r.Regions {
			if g.Kind == k {
				t.Opening, t.Issued, t.Reversed, t.Redeemed = t.Opening+g.Opening, t.Issued+g.Issued, t.Reversed+g.Reversed, t.Redeemed+g.Redeemed
				t.Expired, t.Adjusted, t.Closing, t.Balance = t.Expired+g.Expired, t.Adjusted+g.Adjusted, t.Closing+g.Closing, t.Balance+g.Balance
			}
		}
		r.Totals = append(r.Totals, t)
	}
	return q.nameRegions(ctx, r)
}

// add counts n points of postings of what came from origin.
func (m *Movements) add(origin Source, reversal bool, n int64) {
	switch origin {
	case FromRule, FromPlan, FromEvent:
		if reversal {
			m.Reversed -= n
		} else {
			m.Issued += n
		}
	case FromRedemption:
		m.Redeemed -= n
	case FromExpiry:
		m.Expired -= n
	default:
		m.Adjusted += n
	}
}

// sums runs a statement of rows (region, kind, source, reversal flag,
// points) and hands each to fn.
func (q *reportQuery) sums(ctx context.Context, query string, args []any, fn func(string, Kind, Source, bool, int64)) error {
	rows, err := q.tx.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var region string
		var k Kind
		var src Source
		var rev int
		var n int64
		if err := rows.Scan(&region, &k, &src, &rev, &n); err != nil {
			return err
		}
		fn(region, k, src, rev == 1, n)
	}
	return rows.Err()
}

func (q *reportQuery) nameRegions(ctx context.Context, r *EffectivenessReport) error {
	if len(r.Regions) == 0 {
		return nil
	}
	var paths []any
	for _, g := range r.Regions {
		paths = append(paths, g.Region)
	}
	rows, err := q.tx.Query(ctx, "SELECT path, name FROM org_nodes WHERE path IN ("+marks(len(paths))+")", paths...)
	if err != nil {
		return err
	}
	defer rows.Close()
	names := map[string]string{}
	for rows.Next() {
		var path, name string
		if err := rows.Scan(&path, &name); err != nil {
			return err
		}
		names[path] = name
	}
	for i := range r.Regions {
		r.Regions[i].RegionName = names[r.Regions[i].Region]
	}
	return rows.Err()
}
