package bench_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

// The report benchmark at a small size: the seed builds the rollup of
// every member posting, every kind of report runs, and the whole
// history's figures are the ones summed straight from the postings.
func TestReportBenchSmall(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "bench"})
		s, err := bench.ReportSeed(ctx, d, 4000)
		if err != nil {
			t.Fatal(err)
		}
		if s.Rollup.Postings != s.Transactions {
			t.Errorf("rollup of %d member postings, the seed wrote %d transactions", s.Rollup.Postings, s.Transactions)
		}
		svc := &points.Service{DB: d}
		res, err := bench.Reports(ctx, svc, s, 2)
		if err != nil || len(res) != len(bench.ReportQueries) {
			t.Fatalf("reports: %+v, %v", res, err)
		}
		fast, err := svc.Effectiveness(ctx, points.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		direct, err := svc.EffectivenessDirect(ctx, points.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		fast.GeneratedAt, direct.GeneratedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(fast, direct) || fast.Totals[0].Plans.Members == 0 {
			t.Errorf("rollup %+v\ndirect %+v", fast.Totals, direct.Totals)
		}
	})
}
