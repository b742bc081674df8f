package points_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

// BenchmarkBatchAward awards one event to 10,000 members in one batch (批量
// 发放) per iteration, each batch a new event, through the bulk posting
// path, and reports ledger postings (one transaction of two legs per
// member and rule) per second:
//
//	go test ./internal/points/ -run '^$' -bench BatchAward -benchtime 5x
//
// "reward" has one rule; "reward+upgrade" two, and so 20,000 postings a
// batch with the tiers evaluated.
func BenchmarkBatchAward(b *testing.B) {
	for _, engine := range dbtest.Engines {
		for _, kinds := range [][]points.Kind{{points.Reward}, {points.Reward, points.Upgrade}} {
			name := string(kinds[0])
			if len(kinds) > 1 {
				name += "+" + string(kinds[1])
			}
			b.Run(fmt.Sprintf("%s/%s", engine, name), func(b *testing.B) {
				svc, members := mustBenchLedger(b, engine, 10_000, kinds...)
				rows := make([]points.BatchRow, len(members))
				for i, m := range members {
					rows[i] = points.BatchRow{MemberID: m}
				}
				ctx := staffCtx()
				b.ResetTimer()
				start := time.Now()
				postings := 0
				for i := range b.N {
					r, err := svc.AwardBatch(ctx, points.BatchInput{Type: points.EvEventAttendance, Ref: fmt.Sprint("EV-", i), Rows: rows})
					if err != nil {
						b.Fatal(err)
					}
					postings += r.Awards
				}
				elapsed := time.Since(start)
				b.ReportMetric(float64(postings)/elapsed.Seconds(), "postings/s")
				b.ReportMetric(float64(2*postings)/elapsed.Seconds(), "legs/s")
				b.StopTimer()
				if r, err := svc.Verify(ctx); err != nil || !r.OK() || r.Transactions != postings {
					b.Fatalf("verify: %+v, %v", r, err)
				}
			})
		}
	}
}

// BenchmarkRecordEvent records single events (the per-posting path: one
// database transaction per event) from 8 concurrent clients to 10,000
// members, one reward rule:
//
//	go test ./internal/points/ -run '^$' -bench RecordEvent -benchtime 5000x
func BenchmarkRecordEvent(b *testing.B) {
	for _, engine := range dbtest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			svc, members := mustBenchLedger(b, engine, 10_000, points.Reward)
			ctx := staffCtx()
			runClients(b, 8, func(_ int, i int64) error {
				in := points.EventInput{MemberID: members[i%int64(len(members))], Type: points.EvEventAttendance, Ref: fmt.Sprint("EV-", i)}
				_, err := svc.RecordEvent(ctx, in)
				return err
			})
		})
	}
}

// mustBenchLedger fills a fresh database with n approved members and an
// approved plan of this year at the group awarding 10 points of each kind
// for attending an event.
func mustBenchLedger(b *testing.B, engine db.Dialect, n int, kinds ...points.Kind) (*points.Service, []int64) {
	b.Helper()
	ctx := context.Background()
	d := dbtest.Open(b, engine)
	members, ids, err := bench.PointsMembers(ctx, d, n)
	if err != nil {
		b.Fatal(err)
	}
	svc := &points.Service{DB: d, Members: members}
	in := points.PlanInput{NodeCode: "GROUP", Kind: points.Yearly, Name: "bench", Year: time.Now().Year(),
		Budget: points.Amounts{Upgrade: 100_000_000_000, Reward: 100_000_000_000}}
	for _, k := range kinds {
		in.Rules = append(in.Rules, points.RuleInput{EventType: points.EvEventAttendance, Kind: k, Amount: 10})
	}
	p, err := svc.CreatePlan(specialist, in)
	if err == nil {
		_, err = svc.SubmitPlan(specialist, p.ID)
	}
	if err == nil {
		_, err = svc.ApprovePlan(supervisor, p.ID)
	}
	if err != nil {
		b.Fatal(err)
	}
	return svc, ids
}
