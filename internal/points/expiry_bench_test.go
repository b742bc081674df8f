package points_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"estateclub/internal/bench"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

// BenchmarkExpiry times the year-end carry-over on each engine over a
// seeded ledger of ESTATECLUB_BENCH_MEMBERS members (default 10,000), each
// with points to expire: a dry run, the run, and the same year run again
// (finds nothing left). Run it once per engine:
//
//	ESTATECLUB_BENCH_MEMBERS=100000 go test ./internal/points/ -run '^$' -bench Expiry -benchtime 1x -timeout 1h
func BenchmarkExpiry(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("ESTATECLUB_BENCH_MEMBERS")); err == nil && v > 0 {
		n = v
	}
	year := time.Now().Year() - 1
	for _, engine := range dbtest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			d := dbtest.Open(b, engine)
			setup, err := bench.ExpirySeed(ctx, d, n, year)
			if err != nil {
				b.Fatal(err)
			}
			svc := &points.Service{DB: d}
			b.ResetTimer()
			dry, err := bench.Expiry(ctx, svc, setup, true, 0, 0)
			if err != nil {
				b.Fatal(err)
			}
			run, err := bench.Expiry(ctx, svc, setup, false, 0, 0)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			again, err := svc.Expire(ctx, points.ExpiryRun{Year: year})
			if err != nil || again.Accounts != 0 || again.Already != setup.WantAccounts {
				b.Fatalf("run again: %+v, %v", again, err)
			}
			rerun := time.Since(start)
			b.StopTimer()
			b.ReportMetric(setup.Elapsed.Seconds(), "seed-s")
			b.ReportMetric(dry.Elapsed.Seconds(), "dry-s")
			b.ReportMetric(run.Elapsed.Seconds(), "run-s")
			b.ReportMetric(run.PerSec(), "accounts/s")
			b.ReportMetric(rerun.Seconds(), "rerun-s")
			start = time.Now()
			if r, err := svc.Verify(ctx); err != nil || !r.OK() {
				b.Fatalf("verify: %+v, %v", r, err)
			}
			b.ReportMetric(time.Since(start).Seconds(), "verify-s")
		})
	}
}
