package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/points"
)

// ReportSetup is the ledger ReportSeed wrote.
type ReportSetup struct {
	StatementSetup
	PlanID  int64  // the plan every award is under (its one rule, 推荐看房)
	Region  string // a region's org path, for a scoped report
	Rollup  points.ReportRollup
	Rolling time.Duration // how long the rollup's first build took
}

// ReportSeed fills an empty database with the ledger of the statement
// benchmark (about postings rows over three years: awards of both kinds
// under one approved plan, redemptions), then builds the report's rollup
// from it, as housekeeping would.
func ReportSeed(ctx context.Context, d *db.DB, postings int) (ReportSetup, error) {
	var s ReportSetup
	svc := &points.Service{DB: d}
	author := db.WithActor(ctx, db.Actor{Kind: "system", Login: "bench-author"})
	approver := db.WithActor(ctx, db.Actor{Kind: "system", Login: "bench-approver"})
	p, err := svc.CreatePlan(author, points.PlanInput{NodeCode: "GROUP", Kind: points.Yearly, Name: "bench 年度积分计划",
		Year: time.Now().Year(), Budget: points.Amounts{Upgrade: 1e12, Reward: 1e12},
		Rules: []points.RuleInput{{EventType: points.EvSiteVisit, Kind: points.Reward, Amount: 10}, {EventType: points.EvSiteVisit, Kind: points.Upgrade, Amount: 5}}})
	if err == nil {
		_, err = svc.SubmitPlan(author, p.ID)
	}
	if err == nil {
		_, err = svc.ApprovePlan(approver, p.ID)
	}
	if err != nil {
		return s, fmt.Errorf("bench plan: %w", err)
	}
	if p.ID != 1 || len(p.Rules) == 0 || p.Rules[0].ID != 1 {
		return s, fmt.Errorf("the bench plan is %d (rule %v): the seed posts under plan 1, rule 1; use an empty database", p.ID, p.Rules)
	}
	s.PlanID = p.ID
	if s.StatementSetup, err = StatementSeed(ctx, d, postings); err != nil {
		return s, err
	}
	start := time.Now()
	if s.Rollup, err = svc.RebuildReport(ctx); err != nil {
		return s, err
	}
	s.Rolling = time.Since(start)
	return s, s.findRegion(ctx, d)
}

// ReportSetupOf is the setup of a database an earlier ReportSeed filled.
func ReportSetupOf(ctx context.Context, d *db.DB, postings int) (ReportSetup, error) {
	s := ReportSetup{StatementSetup: StatementSetupOf(postings), PlanID: 1}
	return s, s.findRegion(ctx, d)
}

func (s *ReportSetup) findRegion(ctx context.Context, d *db.DB) error {
	return d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT min(region_path) FROM point_accounts WHERE member_id IS NOT NULL").Scan(&s.Region)
	})
}

// ReportQueries are the reports the staff ask for: the whole history, a
// year, a quarter, a region, one kind, one plan.
var ReportQueries = []struct {
	Name   string
	Filter func(r *rand.Rand, s ReportSetup) points.ReportFilter
}{
	{"whole history", func(*rand.Rand, ReportSetup) points.ReportFilter { return points.ReportFilter{} }},
	{"one year", func(r *rand.Rand, s ReportSetup) points.ReportFilter {
		y := s.First.Year() + r.IntN(3)
		return points.ReportFilter{From: db.DateOf(y, 1, 1), To: db.DateOf(y, 12, 31)}
	}},
	{"one quarter", func(r *rand.Rand, s ReportSetup) points.ReportFilter {
		from := time.Date(s.First.Year(), time.Month(1+3*r.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
		to := from.AddDate(0, 3, -1)
		return points.ReportFilter{From: db.DateOf(from.Year(), from.Month(), 1), To: db.DateOf(to.Year(), to.Month(), to.Day())}
	}},
	{"one region", func(_ *rand.Rand, s ReportSetup) points.ReportFilter {
		return points.ReportFilter{Within: []string{s.Region}}
	}},
	{"reward, one plan", func(_ *rand.Rand, s ReportSetup) points.ReportFilter {
		return points.ReportFilter{Kind: points.Reward, PlanID: s.PlanID}
	}},
}

// ReportLatency is how long each kind of report took.
type ReportLatency struct {
	Query string
	Latency
}

// Reports times k reports of each kind, and checks that each has the
// plan's awards and that its liability equals the members' balances.
func Reports(ctx context.Context, svc *points.Service, s ReportSetup, k int) ([]ReportLatency, error) {
	r := rand.New(rand.NewPCG(11, 12))
	var out []ReportLatency
	for _, q := range ReportQueries {
		var times []time.Duration
		for range k {
			f := q.Filter(r, s)
			t0 := time.Now()
			rep, err := svc.Effectiveness(ctx, f)
			times = append(times, time.Since(t0))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", q.Name, err)
			}
			if len(rep.Totals) == 0 || !f.From.Valid() && rep.Totals[0].Closing != rep.Totals[0].Balance {
				return nil, fmt.Errorf("%s: totals %+v", q.Name, rep.Totals)
			}
			if !f.From.Valid() && f.Within == nil && rep.Totals[0].Plans.Awards == 0 {
				return nil, fmt.Errorf("%s: no awards under the plan: %+v", q.Name, rep.Totals[0])
			}
		}
		out = append(out, ReportLatency{q.Name, summarise(times)})
	}
	return out, nil
}
