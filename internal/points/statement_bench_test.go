package points_test

import (
	"context"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"estateclub/internal/bench"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

// BenchmarkStatement times member statements (积分明细) of heavy members
// (several hundred to several thousand lines) over a ledger seeded with
// ESTATECLUB_BENCH_POSTINGS postings (default 20,000), on each engine, and
// reports each kind's p95 besides ns/op. The figure is 10,000,000
// postings; `estateclub bench statement` keeps the seeded database for
// runs again:
//
//	ESTATECLUB_BENCH_POSTINGS=10000000 go test ./internal/points/ -run '^$' -bench Statement -benchtime 200x -timeout 1h
func BenchmarkStatement(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("ESTATECLUB_BENCH_POSTINGS")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range dbtest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			ctx := context.Background()
			d := dbtest.Open(b, engine)
			setup, err := bench.StatementSeed(ctx, d, n)
			if err != nil {
				b.Fatal(err)
			}
			svc := &points.Service{DB: d}
			for _, q := range bench.StatementQueries {
				b.Run(q.Name, func(b *testing.B) {
					r := rand.New(rand.NewPCG(7, 8))
					times := make([]time.Duration, 0, b.N)
					for b.Loop() {
						i := r.IntN(len(setup.Heavy))
						f := q.Query(r, setup.HeavyLines[i], setup)
						t0 := time.Now()
						if _, _, err := svc.Statement(ctx, setup.Heavy[i], f); err != nil {
							b.Fatal(err)
						}
						times = append(times, time.Since(t0))
					}
					sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
					b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
				})
			}
		})
	}
}
