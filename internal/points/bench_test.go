package points_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/db/dbtest"
)

// BenchmarkConcurrentAwards posts single reward awards from 8 concurrent
// clients to 64 members picked at random, every posting against one plan (so one club
// account) or each client against its own plan, and reports postings/s:
//
//	go test ./internal/points/ -run '^$' -bench ConcurrentAwards -benchtime 20000x
func BenchmarkConcurrentAwards(b *testing.B) {
	for _, engine := range dbtest.Engines {
		for _, shared := range []bool{true, false} {
			name := fmt.Sprintf("%s/plan-per-client", engine)
			if shared {
				name = fmt.Sprintf("%s/one-plan", engine)
			}
			b.Run(name, func(b *testing.B) {
				f := mustFixture(b, dbtest.Open(b, engine))
				f.d.Clock = time.Now
				members := make([]int64, 64)
				for i := range members {
					members[i] = f.mustMember(b, []string{"SH-PD", "SZ-QH"}[i%2])
				}
				benchAwards(b, f, members, 8, shared)
			})
		}
	}
}

func benchAwards(b *testing.B, f *fixture, members []int64, clients int, shared bool) {
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				e := award(members[rand.IntN(len(members))], 10, fmt.Sprintf("bench-%d", i))
				if !shared {
					e.PlanID = plan(int64(1 + c))
				}
				if _, err := f.points.Post(staffCtx(), e); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "postings/s")
	b.StopTimer()
	if r, err := f.points.Verify(staffCtx()); err != nil || !r.OK() || r.Transactions != b.N {
		b.Fatalf("verify: %+v, %v", r, err)
	}
}
