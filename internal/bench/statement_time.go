package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"estateclub/internal/points"
)

// StatementQueries are the statements a member or the staff ask for,
// each made for a member holding lines lines over the seeded history.
var StatementQueries = []struct {
	Name  string
	Query func(r *rand.Rand, lines int, s StatementSetup) points.Filter
}{
	{"first page", func(*rand.Rand, int, StatementSetup) points.Filter { return points.Filter{Limit: 50} }},
	{"reward only", func(*rand.Rand, int, StatementSetup) points.Filter {
		return points.Filter{Kind: points.Reward, Limit: 50}
	}},
	{"three months", func(r *rand.Rand, _ int, s StatementSetup) points.Filter {
		from := s.First.AddDate(0, r.IntN(33), 0)
		return points.Filter{From: from, To: from.AddDate(0, 3, 0), Limit: 50}
	}},
	{"later page", func(_ *rand.Rand, lines int, _ StatementSetup) points.Filter {
		return points.Filter{Offset: lines / 2 / 50 * 50, Limit: 50}
	}},
}

// StatementLatency is how long each kind of statement took, for heavy
// members and for the others.
type StatementLatency struct {
	Query        string
	Heavy, Other Latency
}

// Statements times k statements of each kind for heavy members and k for
// other members, picked at random, and checks each page against the
// lines the seed gave the member.
func Statements(ctx context.Context, svc *points.Service, s StatementSetup, k int) ([]StatementLatency, error) {
	r := rand.New(rand.NewPCG(5, 6))
	var out []StatementLatency
	for _, q := range StatementQueries {
		res := StatementLatency{Query: q.Name}
		for _, heavy := range []bool{true, false} {
			var times []time.Duration
			for range k {
				member, lines := pickMember(r, s, heavy)
				f := q.Query(r, lines, s)
				t0 := time.Now()
				page, total, err := svc.Statement(ctx, member, f)
				times = append(times, time.Since(t0))
				if err != nil {
					return nil, fmt.Errorf("%s of member %d: %w", q.Name, member, err)
				}
				if f.Kind == "" && f.From.IsZero() && lines > 0 && total != lines {
					return nil, fmt.Errorf("%s of member %d: %d lines, the seed wrote %d", q.Name, member, total, lines)
				}
				if len(page) > f.Limit {
					return nil, fmt.Errorf("%s of member %d: %d lines on a page of %d", q.Name, member, len(page), f.Limit)
				}
			}
			if heavy {
				res.Heavy = summarise(times)
			} else {
				res.Other = summarise(times)
			}
		}
		out = append(out, res)
	}
	return out, nil
}

// pickMember is a heavy member with their lines, or another member (lines
// 0: not known here).
func pickMember(r *rand.Rand, s StatementSetup, heavy bool) (int64, int) {
	if heavy || len(s.Regular) == 0 {
		i := r.IntN(len(s.Heavy))
		return s.Heavy[i], s.HeavyLines[i]
	}
	return s.Regular[r.IntN(len(s.Regular))], 0
}
