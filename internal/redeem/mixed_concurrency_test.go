package redeem_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/testfix"
)

// mixedSeed is the seed of the randomised mixed test: ESTATECLUB_TEST_SEED
// replays a run, else a fresh one.
func mixedSeed(t *testing.T) uint64 {
	t.Helper()
	if s := os.Getenv("ESTATECLUB_TEST_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ESTATECLUB_TEST_SEED=%q: %v", s, err)
		}
		return n
	}
	return rand.Uint64()
}

// The event rules of the mixed test's plan: what each event type earns.
var mixedRules = map[points.EventType]points.Amounts{
	points.EvSiteVisit:       {Reward: 40},
	points.EvEventAttendance: {Reward: 60, Upgrade: 15},
	points.EvSurvey:          {Reward: 25},
}

// mixedItem is a catalogue item of the test and the stock it started with.
type mixedItem struct {
	id, stock int64
}

// mixedReq is one call a client made, kept to be retried verbatim.
type mixedReq struct {
	op       string // award, apply, cancel, reject, approve, fulfil
	event    points.EventInput
	app      redeem.Application
	byMember bool // applied or cancelled in the portal, not by staff
	order    int64
	method   redeem.Method
}

// ctx is who makes the request.
func (r mixedReq) ctx() context.Context {
	switch {
	case r.byMember && r.app.MemberID != 0:
		return asMember(r.app.MemberID)
	case r.op == "approve" || r.op == "reject":
		return as(supervisor)
	}
	return as(specialist)
}

// eventKey and orderKey are what the services are idempotent by.
type eventKey struct {
	member int64
	typ    points.EventType
	ref    string
}

type orderKey struct {
	member int64
	key    string
}

type applyReply struct {
	app   redeem.Application
	order *redeem.Order // nil when refused
	code  apperr.Code
	field string
}

type stepReply struct {
	op string
	to redeem.Status
}

// mixedModel records every request of the mixed test and its outcome.
type mixedModel struct {
	mu       sync.Mutex
	sent     []mixedReq
	events   map[eventKey][]*points.Event
	applies  map[orderKey][]applyReply
	steps    map[int64][]stepReply // successful steps by order
	orders   []int64               // orders some client was told of
	open     map[int64]bool        // of them, those no client has ended yet
	outcomes map[string]int
}

func (m *mixedModel) add(r mixedReq) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, r)
}

func (m *mixedModel) pick(r *rand.Rand) (mixedReq, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.sent) == 0 {
		return mixedReq{}, false
	}
	return m.sent[r.IntN(len(m.sent))], true
}

func (m *mixedModel) order(r *rand.Rand) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.orders) == 0 {
		return 0
	}
	if len(m.open) > 0 && r.IntN(4) != 0 { // mostly orders a step may still move on
		open := slices.Sorted(maps.Keys(m.open))
		return open[r.IntN(len(open))]
	}
	return m.orders[r.IntN(len(m.orders))]
}

func (m *mixedModel) count(outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outcomes[outcome]++
}

// TestMixedConcurrency has 16 clients make 100 random requests each on 5
// members sharing 3 items of small stock: events recorded (refs from a
// small pool, so that they repeat), redemptions (idempotency keys from a
// small pool, sometimes reused for another quantity), cancellations,
// rejections, approvals, fulfilments, and verbatim retries of any earlier
// request, possibly still in flight. Afterwards the ledger holds together,
// no balance or stock is negative, the stock and every balance are what
// the live orders and the events account for, each event and each
// idempotency key had exactly one effect, and every reply agrees with it.
// ESTATECLUB_TEST_SEED=n replays each client's random choices; which order
// or earlier request a choice lands on depends on the timing. -short (for
// -race) makes 40 requests per client.
func TestMixedConcurrency(t *testing.T) {
	seed := mixedSeed(t)
	t.Logf("seed %d (replay with ESTATECLUB_TEST_SEED=%d)", seed, seed)
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		// The plan is of 2025: run the clock from a day in it.
		base, start := time.Date(2025, 6, 10, 9, 0, 0, 0, time.UTC), time.Now()
		d.Clock = func() time.Time { return base.Add(time.Since(start)) }
		f := mustFixture(t, d)
		f.Plan(t, "GROUP", mixedPlanRules()...)
		if err := f.Points.SetSpendAnywhere(as(supervisor), true); err != nil {
			t.Fatal(err)
		}
		if err := f.redeem.SetAutoApproveBelow(as(supervisor), 50); err != nil {
			t.Fatal(err)
		}
		var members []int64
		seeded := map[int64]int64{} // reward points given before the run
		for i, node := range []string{"SH-PD", "SH-PD", "SH", "SZ-QH", "SZ"} {
			m := f.Member(t, node)
			members = append(members, m)
			other := f.Nodes[[]string{"SOUTH", "EAST"}[i/3]].Path // the region they did not join
			f.Earn(t, m, 150, other)
			seeded[m] = 150
		}
		var items []mixedItem
		for _, in := range []redeem.NewItem{
			{NodeCode: "GROUP", Price: 30, Stock: ptr(int64(10))}, // one unit is approved at once
			{NodeCode: "SH", Price: 80, Stock: ptr(int64(6))},
			{NodeCode: "SZ-QH", Price: 120, Stock: ptr(int64(5))},
		} {
			it := f.mustItem(t, in)
			items = append(items, mixedItem{id: it.ID, stock: *in.Stock})
		}

		clients, ops := 16, 150
		if testing.Short() {
			ops = 40
		}
		model := &mixedModel{events: map[eventKey][]*points.Event{}, applies: map[orderKey][]applyReply{},
			steps: map[int64][]stepReply{}, open: map[int64]bool{}, outcomes: map[string]int{}}
		began := time.Now()
		testfix.Together(clients, func(c int) {
			r := rand.New(rand.NewPCG(seed, uint64(c)))
			for i := range ops {
				req := newMixedReq(r, model, members, items, fmt.Sprintf("c%d-%d", c, i))
				if err := doMixed(f, model, req); err != nil {
					t.Errorf("%+v: %v", req, err)
				}
			}
		})
		t.Logf("%d requests in %v: %v", clients*ops, time.Since(began).Round(time.Millisecond), model.outcomes)
		for _, o := range []string{"award", "award replayed", "apply", "apply replayed", "apply insufficient_points",
			"apply out of stock", "apply key conflict", "cancel", "reject", "approve", "fulfil", "wrong status"} {
			if model.outcomes[o] == 0 {
				t.Errorf("no request had outcome %q: the test does not exercise it", o)
			}
		}
		f.Verify(t)
		awarded := checkMixedEvents(t, f, model)
		live := checkMixedOrders(t, f, model)
		checkMixedStock(t, f, items, live)
		checkMixedBalances(t, f, members, seeded, awarded, live)
	})
}

// mixedPlanRules are the rules of the group's plan: mixedRules by kind.
func mixedPlanRules() []points.RuleInput {
	var rules []points.RuleInput
	for ev, a := range mixedRules {
		for _, k := range []points.Kind{points.Reward, points.Upgrade} {
			if n := a.Of(k); n > 0 {
				rules = append(rules, points.RuleInput{EventType: ev, Kind: k, Amount: n})
			}
		}
	}
	return rules
}

// newMixedReq makes a client's next request: 25% events, 35% applications,
// 30% steps of an order some client was told of, 10% retries.
func newMixedReq(r *rand.Rand, model *mixedModel, members []int64, items []mixedItem, fresh string) mixedReq {
	mi := r.IntN(len(members))
	m := members[mi]
	var req mixedReq
	switch n := r.IntN(100); {
	case n < 25:
		types := []points.EventType{points.EvSiteVisit, points.EvEventAttendance, points.EvSurvey}
		req = mixedReq{op: "award", event: points.EventInput{MemberID: m, Type: types[r.IntN(len(types))], Ref: fmt.Sprint("R", r.IntN(12))}}
	case n < 60:
		req = mixedReq{op: "apply", byMember: r.IntN(2) == 0}
		if r.IntN(2) == 0 { // a key of the pool, with its usual application or, now and then, another quantity
			k := r.IntN(6)
			req.app = redeem.Application{MemberID: m, ItemID: items[(mi+k)%len(items)].id, Quantity: 1 + k%2, IdempotencyKey: fmt.Sprint("k", k)}
			if r.IntN(5) == 0 {
				req.app.Quantity++
			}
		} else {
			req.app = redeem.Application{MemberID: m, ItemID: items[r.IntN(len(items))].id, Quantity: 1 + r.IntN(2), IdempotencyKey: fresh}
		}
	case n < 90:
		id := model.order(r)
		if id == 0 {
			return newMixedReq(r, model, members, items, fresh)
		}
		ops := []string{"cancel", "cancel", "cancel", "reject", "reject", "approve", "approve", "approve", "fulfil", "fulfil"}
		req = mixedReq{op: ops[(n-60)/3], order: id}
		switch req.op {
		case "cancel":
			req.byMember = r.IntN(2) == 0
		case "fulfil":
			req.method = []redeem.Method{redeem.PickedUp, redeem.Posted}[r.IntN(2)]
		}
	default:
		if old, ok := model.pick(r); ok {
			return old
		}
		return newMixedReq(r, model, members, items, fresh)
	}
	model.add(req)
	return req
}

// doMixed makes a request and records its outcome; it returns the
// errors no request should meet.
func doMixed(f *fixture, model *mixedModel, req mixedReq) error {
	switch req.op {
	case "award":
		e, err := f.Points.RecordEvent(req.ctx(), req.event)
		if err != nil {
			return err
		}
		k := eventKey{req.event.MemberID, req.event.Type, req.event.Ref}
		model.mu.Lock()
		defer model.mu.Unlock()
		model.events[k] = append(model.events[k], e)
		model.outcomes[map[bool]string{false: "award", true: "award replayed"}[e.Replayed]]++
		return nil
	case "apply":
		o, err := f.redeem.Apply(req.ctx(), req.app)
		reply := applyReply{app: req.app, order: o}
		outcome := "apply"
		switch {
		case err == nil:
			if o.Replayed {
				outcome = "apply replayed"
			} else if len(o.Holds) > 1 {
				model.count("apply from two regions")
			}
		case apperr.Is(err, apperr.InsufficientPoints):
			outcome = "apply insufficient_points"
		case apperr.Is(err, apperr.Conflict) && apperr.As(err).Field == "quantity":
			outcome = "apply out of stock"
		case apperr.Is(err, apperr.Conflict) && apperr.As(err).Field == "idempotency_key":
			outcome = "apply key conflict"
		default:
			return err
		}
		if err != nil {
			reply.code, reply.field = apperr.As(err).Code, apperr.As(err).Field
		}
		k := orderKey{req.app.MemberID, req.app.IdempotencyKey}
		model.mu.Lock()
		defer model.mu.Unlock()
		model.applies[k] = append(model.applies[k], reply)
		model.outcomes[outcome]++
		if o != nil && !o.Replayed {
			model.orders = append(model.orders, o.ID)
			model.open[o.ID] = true
		}
		return nil
	}
	var o *redeem.Order
	var err error
	ctx := req.ctx()
	if req.byMember {
		// The member cancels in the portal: the order's own member.
		stored, err := f.redeem.Order(context.Background(), req.order)
		if err != nil {
			return err
		}
		ctx = asMember(stored.MemberID)
	}
	switch req.op {
	case "cancel":
		o, err = f.redeem.Cancel(ctx, req.order, "")
	case "reject":
		o, err = f.redeem.Reject(ctx, req.order, "库存调整")
	case "approve":
		o, err = f.redeem.Approve(ctx, req.order, "")
	case "fulfil":
		o, err = f.redeem.Fulfil(ctx, req.order, redeem.Fulfilment{Method: req.method, TrackingNo: "SF1234567890"})
	default:
		return fmt.Errorf("unknown op %q", req.op)
	}
	switch {
	case err == nil:
		model.mu.Lock()
		defer model.mu.Unlock()
		model.steps[req.order] = append(model.steps[req.order], stepReply{op: req.op, to: o.Status})
		if req.op != "approve" {
			delete(model.open, req.order)
		}
		model.outcomes[req.op]++
	case apperr.Is(err, apperr.Conflict) && apperr.As(err).Field == "status":
		model.count("wrong status")
	default:
		return err
	}
	return nil
}

// query runs a query and hands each row to scan.
func (f *fixture) query(t *testing.T, scan func(sc func(...any) error) error, query string, args ...any) {
	t.Helper()
	err := f.DB.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows.Scan); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// checkMixedEvents: each event recorded is one row, first recorded by one
// client, replayed to the others, and it posted its rules' points once.
// It returns the points awarded to each member by kind.
func checkMixedEvents(t *testing.T, f *fixture, model *mixedModel) map[int64]points.Amounts {
	t.Helper()
	type stored struct {
		id   int64
		rows int
	}
	events := map[eventKey]*stored{}
	f.query(t, func(sc func(...any) error) error {
		var k eventKey
		var id int64
		if err := sc(&k.member, &k.typ, &k.ref, &id); err != nil {
			return err
		}
		if e := events[k]; e != nil {
			e.rows++
		} else {
			events[k] = &stored{id: id, rows: 1}
		}
		return nil
	}, "SELECT member_id, event_type, ref, id FROM point_events")
	// What the awards of each event posted on its member's accounts.
	posted := map[int64]points.Amounts{}
	awards := map[int64]int{}
	f.query(t, func(sc func(...any) error) error {
		var event, amount int64
		var kind points.Kind
		var n int
		if err := sc(&event, &kind, &amount, &n); err != nil {
			return err
		}
		a := posted[event]
		if kind == points.Upgrade {
			a.Upgrade += amount
		} else {
			a.Reward += amount
		}
		posted[event] = a
		awards[event] += n
		return nil
	}, `SELECT a.event_id, ac.kind, SUM(p.amount), COUNT(*) FROM point_awards a
		JOIN point_postings p ON p.transaction_id = a.transaction_id
		JOIN point_accounts ac ON ac.id = p.account_id AND ac.member_id = a.member_id
		GROUP BY a.event_id, ac.kind`)
	awarded := map[int64]points.Amounts{}
	for k, replies := range model.events {
		e := events[k]
		if e == nil || e.rows != 1 {
			t.Errorf("event %+v: stored %+v, want one row", k, e)
			continue
		}
		want, firsts := mixedRules[k.typ], 0
		for _, r := range replies {
			if r.ID != e.id {
				t.Errorf("event %+v: a client got event %d, the ledger keeps %d", k, r.ID, e.id)
			}
			if !r.Replayed {
				firsts++
				if r.Points != want {
					t.Errorf("event %+v: recorded with %+v, the rules give %+v", k, r.Points, want)
				}
			}
		}
		if firsts != 1 {
			t.Errorf("event %+v: %d of %d replies were not replays, want 1", k, firsts, len(replies))
		}
		rules := 0
		for _, n := range []int64{want.Reward, want.Upgrade} {
			if n > 0 {
				rules++
			}
		}
		if posted[e.id] != want || awards[e.id] != rules {
			t.Errorf("event %+v: %d awards posted %+v, want %d posting %+v", k, awards[e.id], posted[e.id], rules, want)
		}
		a := awarded[k.member]
		a.Reward, a.Upgrade = a.Reward+want.Reward, a.Upgrade+want.Upgrade
		awarded[k.member] = a
	}
	if len(events) != len(model.events) {
		t.Errorf("%d events stored, clients recorded %d", len(events), len(model.events))
	}
	want := 0 // awards: one per rule of each event
	for k := range model.events {
		for _, n := range []int64{mixedRules[k.typ].Reward, mixedRules[k.typ].Upgrade} {
			if n > 0 {
				want++
			}
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM point_awards"); n != want {
		t.Errorf("%d awards stored, the events' rules make %d", n, want)
	}
	return awarded
}

// liveOrder is what an order still holds: its member's points and its
// item's stock.
type liveOrder struct {
	member, item, points int64
	quantity             int64
}

// checkMixedOrders: each idempotency key that made an order made one,
// every successful reply for it named that order, the first was the only
// one not replayed, a refused reuse asked for something else, each order
// moved through at most one approval and one end, its holds match its
// status in the ledger. It returns the live orders (applied, approved,
// fulfilled).
func checkMixedOrders(t *testing.T, f *fixture, model *mixedModel) []liveOrder {
	t.Helper()
	type stored struct {
		id, item, quantity, points int64
		member                     int64
		status                     redeem.Status
		auto                       bool
		rows                       int
	}
	orders := map[orderKey]*stored{}
	byID := map[int64]*stored{}
	f.query(t, func(sc func(...any) error) error {
		var k orderKey
		o := &stored{rows: 1}
		if err := sc(&k.member, &k.key, &o.id, &o.item, &o.quantity, &o.points, &o.status, &o.auto); err != nil {
			return err
		}
		o.member = k.member
		if old := orders[k]; old != nil {
			old.rows++
		} else {
			orders[k] = o
		}
		byID[o.id] = o
		return nil
	}, "SELECT member_id, idempotency_key, id, item_id, quantity, points, status, auto_approved FROM redeem_orders")
	told := map[int64]bool{}
	for k, replies := range model.applies {
		o := orders[k]
		firsts := 0
		for _, r := range replies {
			same := o != nil && r.app.ItemID == o.item && int64(r.app.Quantity) == o.quantity
			switch {
			case r.order != nil && (o == nil || r.order.ID != o.id || !same):
				t.Errorf("key %+v: a client got order %+v for %+v, the store keeps %+v", k, r.order, r.app, o)
			case r.order != nil && !r.order.Replayed:
				firsts++
				told[r.order.ID] = true
			case r.field == "idempotency_key" && (o == nil || same):
				t.Errorf("key %+v: %+v refused as a reuse of the key, the store keeps %+v", k, r.app, o)
			}
		}
		if o != nil && firsts != 1 {
			t.Errorf("key %+v: order %d was made by %d replies, want 1", k, o.id, firsts)
		}
	}
	for k, o := range orders {
		if o.rows != 1 {
			t.Errorf("key %+v: %d orders", k, o.rows)
		}
		if !told[o.id] {
			t.Errorf("order %d (key %+v) was made without a client being told", o.id, k)
		}
	}

	// Holds and releases, by order, against the ledger.
	type holds struct{ held, released, holds, releases, ledgerHolds, ledgerReleases int64 }
	hs := map[int64]*holds{}
	of := func(id int64) *holds {
		if hs[id] == nil {
			hs[id] = &holds{}
		}
		return hs[id]
	}
	f.query(t, func(sc func(...any) error) error {
		var id, pts int64
		var release *int64
		if err := sc(&id, &pts, &release); err != nil {
			return err
		}
		h := of(id)
		h.held += pts
		h.holds++
		if release != nil {
			h.released += pts
			h.releases++
		}
		return nil
	}, "SELECT order_id, points, release_transaction_id FROM redeem_holds")
	f.query(t, func(sc func(...any) error) error {
		var ref, source string
		if err := sc(&ref, &source); err != nil {
			return err
		}
		id, err := strconv.ParseInt(ref[len("redeem:"):], 10, 64)
		if err != nil {
			return err
		}
		if source == "redemption" {
			of(id).ledgerHolds++
		} else {
			of(id).ledgerReleases++
		}
		return nil
	}, "SELECT ref, source FROM point_transactions WHERE ref LIKE 'redeem:%'")

	var live []liveOrder
	for id, o := range byID {
		h := of(id)
		closed := o.status == redeem.Cancelled || o.status == redeem.Rejected
		if h.held != o.points || h.holds != h.ledgerHolds || h.releases != h.ledgerReleases ||
			closed != (h.releases > 0) || closed && (h.released != h.held || h.releases != h.holds) {
			t.Errorf("order %d (%s, %d points): holds %+v", id, o.status, o.points, *h)
		}
		want := map[string]redeem.Status{"cancel": redeem.Cancelled, "reject": redeem.Rejected, "fulfil": redeem.Fulfilled}
		steps := map[string]int{}
		// What the ending step (cancel, reject, fulfil) made the order. Not
		// the last reply recorded: clients record their replies after the
		// call returns, so an approval committed before a fulfilment can be
		// recorded after it; an ending step is final, so its result is what
		// must be stored.
		var ended redeem.Status
		for _, s := range model.steps[id] {
			steps[s.op]++
			if _, ending := want[s.op]; ending {
				ended = s.to
			}
		}
		ends := steps["cancel"] + steps["reject"] + steps["fulfil"]
		switch {
		case steps["approve"] > 1 || ends > 1 || o.auto && steps["approve"] > 0:
			t.Errorf("order %d (auto-approved %v): steps %v", id, o.auto, steps)
		case steps["reject"] > 0 && (o.auto || steps["approve"] > 0):
			t.Errorf("order %d (auto-approved %v) was rejected after its approval: %v", id, o.auto, steps)
		case steps["fulfil"] > 0 && !o.auto && steps["approve"] == 0:
			t.Errorf("order %d was fulfilled unapproved: %v", id, steps)
		case ends == 1 && ended != o.status:
			t.Errorf("order %d: stored %s, the ending step made it %s", id, o.status, ended)
		case ends == 0 && o.status != redeem.Applied && o.status != redeem.Approved:
			t.Errorf("order %d: stored %s, no client ended it", id, o.status)
		case ends == 0 && (o.status == redeem.Approved) != (o.auto || steps["approve"] == 1):
			t.Errorf("order %d: stored %s (auto-approved %v), approved %d times", id, o.status, o.auto, steps["approve"])
		}
		for op, to := range want {
			if steps[op] == 1 && o.status != to {
				t.Errorf("order %d: a client was told %s, stored %s", id, op, o.status)
			}
		}
		if !closed {
			live = append(live, liveOrder{member: o.member, item: o.item, points: o.points, quantity: o.quantity})
		}
	}
	for id := range model.steps {
		if byID[id] == nil {
			t.Errorf("order %d: steps on an order the store does not keep", id)
		}
	}
	return live
}

// checkMixedStock: no stock is negative, and each item's stock and the
// units its live orders hold add up to what it started with.
func checkMixedStock(t *testing.T, f *fixture, items []mixedItem, live []liveOrder) {
	t.Helper()
	for _, it := range items {
		var held int64
		for _, o := range live {
			if o.item == it.id {
				held += o.quantity
			}
		}
		if s := f.stock(t, it.id); s < 0 || s+held != it.stock {
			t.Errorf("item %d: stock %d with %d units in live orders, started with %d", it.id, s, held, it.stock)
		}
	}
}

// checkMixedBalances: no reward account is negative, and each member's
// balances are what was given and awarded less what live orders hold.
func checkMixedBalances(t *testing.T, f *fixture, members []int64, seeded map[int64]int64, awarded map[int64]points.Amounts, live []liveOrder) {
	t.Helper()
	for _, m := range members {
		bs, err := f.Points.Balances(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		var got points.Amounts
		for _, b := range bs {
			if b.Balance < 0 {
				t.Errorf("member %d: %s balance %d in %s", m, b.Kind, b.Balance, b.Region)
			}
			if b.Kind == points.Upgrade {
				got.Upgrade += b.Balance
			} else {
				got.Reward += b.Balance
			}
		}
		want := points.Amounts{Reward: seeded[m] + awarded[m].Reward, Upgrade: awarded[m].Upgrade}
		for _, o := range live {
			if o.member == m {
				want.Reward -= o.points
			}
		}
		if got != want {
			t.Errorf("member %d: balances %+v, want %+v (given %d, awarded %+v, less live orders)", m, got, want, seeded[m], awarded[m])
		}
	}
	if n := f.Count(t, "SELECT count(*) FROM point_accounts WHERE member_id IS NOT NULL AND balance < 0"); n != 0 {
		t.Errorf("%d negative member balances", n)
	}
	if n := f.Count(t, "SELECT count(*) FROM redeem_items WHERE stock < 0"); n != 0 {
		t.Errorf("%d items with negative stock", n)
	}
}
