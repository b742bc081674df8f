package event_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/event"
	"estateclub/internal/testfix"
)

var engines = []db.Dialect{db.SQLite, db.Postgres}

// BenchmarkRegisterContention: 200 members register at once for 50 seats
// of a fresh event per iteration; reports registrations per second and
// fails if the order is not kept.
func BenchmarkRegisterContention(b *testing.B) {
	for _, engine := range engines {
		b.Run(string(engine), func(b *testing.B) {
			e := testfix.Open(b, engine, testfix.WithClock(testfix.Start))
			f := mustFixture(b, e)
			ms := make([]int64, 200)
			benchMembers(b, f, ms)
			var total time.Duration
			for b.Loop() {
				p := f.proposal()
				p.Capacity = 50
				ev := f.mustPublished(b, p)
				start := time.Now()
				testfix.Together(len(ms), func(i int) {
					if _, err := f.svc.Register(memberCtx(ms[i]), ev.ID, event.RegisterInput{MemberID: ms[i]}, nil); err != nil {
						b.Error(err)
					}
				})
				total += time.Since(start)
				checkOrder(b, f, ev.ID)
			}
			b.ReportMetric(float64(200*b.N)/total.Seconds(), "registrations/s")
		})
	}
}

func checkOrder(b *testing.B, f *fixture, id int64) {
	regs, _ := must2(f.svc.Registrations(staffCtx(f.proposer), id, event.RegFilter{Limit: 1000}, f.sh))(b)
	reg := 0
	for i, r := range regs {
		if r.Seq != i+1 || (r.Status == event.Registered) != (i < 50) {
			b.Fatalf("order broken at %d: seq %d %s", i, r.Seq, r.Status)
		}
		if r.Status == event.Registered {
			reg++
		}
	}
	if reg != 50 || len(regs) != 200 {
		b.Fatalf("%d registered of %d", reg, len(regs))
	}
}

// BenchmarkCheckIn checks members in (each earning the attendance points),
// one at a time, at an event with 10,000 registrations, and reports the
// 95th percentile.
func BenchmarkCheckIn(b *testing.B) {
	for _, engine := range engines {
		b.Run(string(engine), func(b *testing.B) {
			e := testfix.Open(b, engine, testfix.WithClock(testfix.Start))
			f := mustFixture(b, e)
			p := f.proposal()
			p.Capacity = 20000
			// Attendance earns points, as at a real event: the award is timed too.
			ev := f.mustPublished(b, p)
			ms := make([]int64, 10000)
			benchMembers(b, f, ms)
			benchRegistrations(b, f, ev.ID, ms)
			f.Clock.Set(ev.StartsAt)
			order := rand.Perm(len(ms))
			var took []time.Duration
			i := 0
			ctx := staffCtx(f.proposer)
			for b.Loop() {
				if i == len(order) {
					b.Fatal("more iterations than registrations")
				}
				start := time.Now()
				if _, err := f.svc.CheckIn(ctx, ev.ID, event.CheckInInput{MemberID: ms[order[i]], StaffID: f.proposer.ID}, f.sh); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
				i++
			}
			slices.Sort(took)
			p95 := took[min(len(took)-1, len(took)*95/100)]
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
		})
	}
}

// benchMembers writes len(ids) active members at SH-PD straight into the
// table (their mobiles are placeholders: the benchmarks never read them).
func benchMembers(b *testing.B, f *fixture, ids []int64) {
	b.Helper()
	node := f.Nodes["SH-PD"]
	now := f.Clock.Now()
	err := f.DB.Update(context.Background(), func(tx *db.Tx) error {
		rows := make([][]any, len(ids))
		base := rand.Int64N(1 << 40)
		for i := range rows {
			rows[i] = []any{node.ID, node.Path, "active", fmt.Sprintf("会员%d", i), []byte{1}, fmt.Sprintf("bench-%d-%d", base, i),
				"x", "sales_site", now, now}
		}
		if err := tx.InsertMany(context.Background(), "members", []string{"node_id", "node_path", "status", "name", "mobile_enc",
			"mobile_idx", "mobile_last4_idx", "channel", "created_at", "updated_at"}, rows, "", nil); err != nil {
			return err
		}
		got, err := tx.IDs(context.Background(), "SELECT id FROM members WHERE mobile_idx LIKE ? ORDER BY id", fmt.Sprintf("bench-%d-%%", base))
		copy(ids, got)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

func benchRegistrations(b *testing.B, f *fixture, eventID int64, ms []int64) {
	b.Helper()
	now := f.Clock.Now()
	err := f.DB.Update(context.Background(), func(tx *db.Tx) error {
		rows := make([][]any, len(ms))
		for i, m := range ms {
			rows[i] = []any{eventID, m, f.Path("SH-PD"), i + 1, "registered", 0, "portal", now, now}
		}
		if err := tx.InsertMany(context.Background(), "event_registrations", []string{"event_id", "member_id", "node_path", "seq", "status",
			"companions", "channel", "created_at", "updated_at"}, rows, "", nil); err != nil {
			return err
		}
		_, err := tx.Exec(context.Background(), "UPDATE events SET seats_taken = ?, next_seq = ? WHERE id = ?", len(ms), len(ms), eventID)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}
