package bench

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// PointsMembers fills an empty database for the points benchmark: two
// regions, each with a city company and a project, and n approved members
// spread over the projects. It returns the member service and the members.
func PointsMembers(ctx context.Context, d *db.DB, n int) (*member.Service, []int64, error) {
	orgs := &org.Service{DB: d}
	var projects []string
	for r := range 2 {
		region, city, project := fmt.Sprintf("PR%d", r), fmt.Sprintf("PR%dC", r), fmt.Sprintf("PR%dP", r)
		for _, node := range []org.NewNode{
			{ParentCode: "GROUP", Kind: org.Region, Code: region, Name: "区域" + region},
			{ParentCode: region, Kind: org.City, Code: city, Name: "城市" + city},
			{ParentCode: city, Kind: org.Project, Code: project, Name: "项目" + project},
		} {
			if _, err := orgs.Create(ctx, node); err != nil {
				return nil, nil, err
			}
		}
		projects = append(projects, project)
	}
	keys, err := pii.NewKeys(bytes.Repeat([]byte{9}, pii.KeySize))
	if err != nil {
		return nil, nil, err
	}
	svc := &member.Service{DB: d, Keys: keys}
	if err := Seed(ctx, svc, n, 5000, projects); err != nil {
		return nil, nil, err
	}
	var ids []int64
	err = d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id FROM members ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, nil, err
	}
	failed, err := svc.ReviewMany(ctx, ids, true, "")
	if err == nil && len(failed) > 0 {
		err = fmt.Errorf("approve members: %d failed", len(failed))
	}
	return svc, ids, err
}

// PointsResult is what one run of concurrent awards measured.
type PointsResult struct {
	Postings int
	Elapsed  time.Duration
	Latency  Latency
}

// PerSec is the throughput in postings per second.
func (r PointsResult) PerSec() float64 { return float64(r.Postings) / r.Elapsed.Seconds() }

// Awards posts n single awards of kind, each with its own idempotency key,
// from clients concurrent clients to members picked at random, spread over
// plans point plans (1: every posting shares one plan).
func Awards(ctx context.Context, svc *points.Service, members []int64, clients, n, plans int, kind points.Kind) (PointsResult, error) {
	var next atomic.Int64
	var mu sync.Mutex
	var firstErr error
	times := make([]time.Duration, n)
	run := fmt.Sprintf("%x", rand.Uint64()) // keys unique across runs on one database
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				plan := 1 + i%int64(max(plans, 1))
				e := points.Entry{MemberID: members[rand.IntN(len(members))], Kind: kind, Amount: 10, Source: points.FromPlan,
					PlanID: &plan, Reason: "bench", IdempotencyKey: fmt.Sprintf("bench-%s-%d", run, i)}
				t0 := time.Now()
				if _, err := svc.Post(ctx, e); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					next.Store(int64(n))
					return
				}
				times[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	res := PointsResult{Postings: n, Elapsed: time.Since(start), Latency: summarise(times)}
	return res, firstErr
}
