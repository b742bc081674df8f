package points_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

// request is one call a client made: a post, or a reversal of reverses.
type request struct {
	key      string
	entry    points.Entry
	reverses int64
}

// ledgerModel records every request and every success of the randomised test.
type ledgerModel struct {
	mu        sync.Mutex
	sent      []request
	successes map[string][]*points.Transaction // by key
	posted    []int64                          // transactions to reverse
	outcomes  map[string]int                   // replayed, insufficient_points, conflict
}

func (m *ledgerModel) add(req request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, req)
}

func (m *ledgerModel) pick(r *rand.Rand) (request, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		return request{}, false
	}
	return m.sent[r.IntN(len(m.sent))], true
}

func (m *ledgerModel) target(r *rand.Rand) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.posted) == 0 {
		return 0
	}
	return m.posted[r.IntN(len(m.posted))]
}

func (m *ledgerModel) succeeded(key string, tr *points.Transaction) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.successes[key] = append(m.successes[key], tr)
	m.posted = append(m.posted, tr.ID)
	if tr.Replayed {
		m.outcomes["replayed"]++
	}
}

func (m *ledgerModel) refused(code apperr.Code) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outcomes[string(code)]++
}

// TestRandomisedConcurrency has 16 clients make 200 requests each against
// the same 5 members: awards of both kinds, redemptions, reversals, and
// retries of earlier keys with the same or a changed request. Afterwards
// every balance equals its postings, no balance is negative, each key had
// exactly one effect, and each member's balance is the sum of the
// transactions the clients were told succeeded.
func TestRandomisedConcurrency(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		var members []int64
		for _, node := range []string{"SH-PD", "SH-PD", "SH", "SZ-QH", "SZ"} {
			members = append(members, f.Member(t, node))
		}
		const clients, ops = 16, 200
		model := &ledgerModel{successes: map[string][]*points.Transaction{}, outcomes: map[string]int{}}
		testfix.Together(clients, func(c int) {
			r := rand.New(rand.NewPCG(uint64(c), 42))
			for i := range ops {
				req := newRequest(r, model, members, fmt.Sprintf("c%d-%d", c, i))
				var tr *points.Transaction
				var err error
				if req.reverses != 0 {
					tr, err = f.Points.Reverse(staffCtx(), req.reverses, "冲正", req.key)
				} else {
					tr, err = f.Points.Post(staffCtx(), req.entry)
				}
				switch {
				case err == nil:
					model.succeeded(req.key, tr)
				case apperr.Is(err, apperr.InsufficientPoints), apperr.Is(err, apperr.Conflict):
					model.refused(apperr.As(err).Code)
				default:
					t.Errorf("%+v: %v", req, err)
				}
			}
		})
		r := f.Verify(t)
		t.Logf("%d transactions, %d postings; %v", r.Transactions, r.Postings, model.outcomes)
		for _, o := range []string{"replayed", string(apperr.InsufficientPoints), string(apperr.Conflict)} {
			if model.outcomes[o] == 0 {
				t.Errorf("no request was %s: the test does not exercise it", o)
			}
		}
		checkKeys(t, f, model)
		checkBalances(t, f, model, members)
	})
}

// newRequest makes a client's next request: new posts and reversals, or a
// retry of any request sent so far, possibly still in flight.
func newRequest(r *rand.Rand, model *ledgerModel, members []int64, key string) request {
	m := members[r.IntN(len(members))]
	var req request
	switch n := r.IntN(100); {
	case n < 30:
		req = request{key: key, entry: award(m, 1+r.Int64N(50), key)}
	case n < 45:
		req = request{key: key, entry: upgrade(m, 1+r.Int64N(200), key)}
	case n < 70:
		req = request{key: key, entry: redeem(m, 1+r.Int64N(60), key)}
	case n < 80:
		if id := model.target(r); id != 0 {
			req = request{key: key, reverses: id}
		} else {
			req = request{key: key, entry: award(m, 10, key)}
		}
	default:
		if old, ok := model.pick(r); ok {
			if n >= 95 && old.reverses == 0 { // the same key with a changed request
				old.entry.Amount += old.entry.Amount / max(1, abs(old.entry.Amount)) // one more point in the same direction
			}
			return old
		}
		req = request{key: key, entry: award(m, 10, key)}
	}
	model.add(req)
	return req
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// checkKeys: every key that succeeded names one transaction, every success
// of it got that transaction, and no other key left a transaction.
func checkKeys(t *testing.T, f *fixture, model *ledgerModel) {
	t.Helper()
	stored := map[string]int64{}
	err := f.DB.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT key, transaction_id FROM point_idempotency")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k string
			var id int64
			if err := rows.Scan(&k, &id); err != nil {
				return err
			}
			stored[k] = id
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for k, trs := range model.successes {
		for _, tr := range trs {
			if tr.ID != stored[k] {
				t.Errorf("key %s: a client got transaction %d, the ledger keeps %d", k, tr.ID, stored[k])
			}
		}
	}
	if len(stored) != len(model.successes) {
		t.Errorf("%d keys in the ledger, %d succeeded", len(stored), len(model.successes))
	}
	if n := f.Count(t, "SELECT count(*) FROM point_transactions"); n != len(stored) {
		t.Errorf("%d transactions for %d keys", n, len(stored))
	}
}

// checkBalances: each member's balance of each kind is the sum of the
// distinct transactions the clients saw succeed, and never negative.
func checkBalances(t *testing.T, f *fixture, model *ledgerModel, members []int64) {
	t.Helper()
	want := map[string]int64{}
	for _, trs := range model.successes {
		tr := trs[0]
		want[fmt.Sprint(tr.MemberID, tr.Kind)] += tr.Amount
	}
	for _, m := range members {
		for _, k := range []points.Kind{points.Reward, points.Upgrade} {
			got := f.Balance(t, m, k)
			if got != want[fmt.Sprint(m, k)] || got < 0 {
				t.Errorf("member %d %s: balance %d, successes add up to %d", m, k, got, want[fmt.Sprint(m, k)])
			}
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM point_accounts WHERE member_id IS NOT NULL AND balance < 0"); n != 0 {
		t.Errorf("%d negative member balances", n)
	}
}
