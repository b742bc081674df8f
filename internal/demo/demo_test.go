package demo

import (
	"bytes"
	"context"
	"testing"
	"time"

	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// seededDemo is the demo club, seeded once for the checks of this file and
// of the areas' files: each reads it and changes nothing.
type seededDemo struct {
	d    *db.DB
	keys *pii.Keys
	// took is how long each step of the seed took, by name.
	took map[string]time.Duration
}

// TestDemo seeds the demo once, on SQLite, where it runs at the start of
// several end-to-end tests, and checks each area of it: seeding it anew
// for each check cost a minute and a half of CI.
func TestDemo(t *testing.T) {
	x := &seededDemo{d: dbtest.Open(t, db.SQLite), took: map[string]time.Duration{}}
	var err error
	if x.keys, err = pii.NewKeys(bytes.Repeat([]byte{1}, pii.KeySize)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	start := time.Now()
	if seeded, err := Seed(ctx, x.d, x.keys, func(s Step) { x.took[s.Name] = s.Elapsed }); err != nil || !seeded {
		t.Fatalf("Seed = %v, %v", seeded, err)
	}
	t.Logf("demo seeded in %v", time.Since(start))
	for _, c := range []struct {
		name  string
		check func(*testing.T, *seededDemo)
	}{{"cards", checkDemoCards}, {"points", checkDemoPoints}, {"redemptions", checkDemoRedemptions},
		{"requests", checkDemoRequests}, {"events", checkDemoEvents}} {
		t.Run(c.name, func(t *testing.T) { c.check(t, x) })
	}
	if seeded, err := Seed(ctx, x.d, x.keys, nil); err != nil || seeded {
		t.Errorf("a second Seed = %v, %v; want nothing done", seeded, err)
	}
}

// The demo's cards: two designs in stock in each city, most members
// holding one, and deliveries and reissues of every kind.
func checkDemoCards(t *testing.T, x *seededDemo) {
	d, keys, ctx := x.d, x.keys, context.Background()
	cs := &card.Service{DB: d, Secret: keys.CardQRSecret()}
	designs, _, err := cs.ListDesigns(ctx, card.DesignFilter{})
	if err != nil || len(designs) != 2 {
		t.Fatalf("designs = %+v, %v", designs, err)
	}
	stock, err := cs.Stock(ctx, card.StockFilter{})
	if err != nil {
		t.Fatal(err)
	}
	cities := map[string]bool{}
	for _, l := range stock {
		cities[l.CityCode] = true
		if l.InStock == 0 {
			t.Errorf("%s has no %s left in stock: %+v", l.CityCode, l.DesignName, l)
		}
	}
	if len(cities) != 4 || len(stock) != 8 {
		t.Errorf("stock lines = %+v, want two designs in each of four cities", stock)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := d.View(ctx, func(tx *db.Tx) (err error) { n, err = tx.Count(ctx, q); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	active := count("SELECT count(*) FROM members WHERE status = 'active'")
	holders := count("SELECT count(*) FROM members m WHERE status = 'active' AND EXISTS (SELECT 1 FROM cards c WHERE c.member_id = m.id AND c.status = 'issued')")
	if holders*10 < active*8 || holders == active {
		t.Errorf("%d of %d active members hold a card, want most but not all", holders, active)
	}
	for what, q := range map[string]string{
		"posted with a tracking number": "SELECT count(*) FROM cards WHERE delivery_method = 'post' AND tracking_no <> ''",
		"posted, not yet sent":          "SELECT count(*) FROM cards WHERE delivery_method = 'post' AND delivery_status = 'pending'",
		"by hand":                       "SELECT count(*) FROM cards WHERE delivery_method = 'hand'",
		"lost and reissued":             "SELECT count(*) FROM cards WHERE status = 'blocked' AND replaced_by IS NOT NULL",
		"lost, not yet reissued":        "SELECT count(*) FROM cards WHERE status = 'blocked' AND replaced_by IS NULL",
		"reissued for a fee":            "SELECT count(*) FROM cards WHERE reissue_fee_fen > 0",
	} {
		if count(q) == 0 {
			t.Errorf("no demo card is %s", what)
		}
	}
	for year, want := range map[string]int{"2026": 39, "2027": 34} {
		if n := count("SELECT count(*) FROM work_calendar WHERE day LIKE '" + year + "-%'"); n != want {
			t.Errorf("the demo calendar has %d days of %s, want %d", n, year, want)
		}
	}
}

// The demo club has a year of point activity: an approved plan, balances
// that equal their postings, and members promoted by their upgrade points.
func checkDemoPoints(t *testing.T, x *seededDemo) {
	d := x.d
	rep, err := (&points.Service{DB: d}).Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("demo ledger does not verify: %+v", rep)
	}
	var postings, silverUp int
	_ = d.View(context.Background(), func(tx *db.Tx) (err error) {
		if postings, err = tx.Count(context.Background(), "SELECT count(*) FROM point_postings"); err != nil {
			return err
		}
		silverUp, err = tx.Count(context.Background(), "SELECT count(*) FROM members WHERE tier IN ('silver', 'gold')")
		return err
	})
	if postings < 10000 || silverUp == 0 {
		t.Fatalf("demo points: %d postings, %d members above 普籍", postings, silverUp)
	}
}

// The demo catalogue has items in every region and a queue that looks
// real: orders in every state, fulfilled in every way, and the ledger
// still verifies.
func checkDemoRedemptions(t *testing.T, x *seededDemo) {
	d, ctx := x.d, context.Background()
	rep, err := (&points.Service{DB: d}).Verify(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("the ledger does not verify after the demo's redemptions: %+v %v", rep, err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := d.View(ctx, func(tx *db.Tx) (err error) { n, err = tx.Count(ctx, q); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM redeem_items"); n != 26 {
		t.Errorf("%d catalogue items, want 26", n)
	}
	if n := count("SELECT count(*) FROM redeem_orders"); n < 250 {
		t.Errorf("only %d demo orders", n)
	}
	for what, q := range map[string]string{
		"awaiting approval":            "SELECT count(*) FROM redeem_orders WHERE status = 'applied'",
		"awaiting fulfilment":          "SELECT count(*) FROM redeem_orders WHERE status = 'approved'",
		"auto-approved":                "SELECT count(*) FROM redeem_orders WHERE auto_approved",
		"rejected":                     "SELECT count(*) FROM redeem_orders WHERE status = 'rejected' AND close_reason <> ''",
		"cancelled":                    "SELECT count(*) FROM redeem_orders WHERE status = 'cancelled'",
		"fulfilled with a code":        "SELECT count(*) FROM redeem_orders WHERE fulfilment = 'voucher'",
		"posted with a tracking no.":   "SELECT count(*) FROM redeem_orders WHERE fulfilment = 'posted' AND tracking_no <> ''",
		"picked up":                    "SELECT count(*) FROM redeem_orders WHERE fulfilment = 'picked_up'",
		"placed by a member":           "SELECT count(*) FROM redeem_orders WHERE applied_kind = 'member'",
		"placed in Hangzhou":           "SELECT count(*) FROM redeem_orders WHERE applied_by = 'hz.specialist'",
		"placed more than a month ago": "SELECT count(*) FROM redeem_orders WHERE created_at < (SELECT min(created_at) FROM redeem_orders WHERE status = 'applied')",
	} {
		if count(q) == 0 {
			t.Errorf("no demo order is %s", what)
		}
	}
	if n := count("SELECT count(*) FROM redeem_orders WHERE created_at > updated_at OR approved_at < created_at OR fulfilled_at < approved_at"); n != 0 {
		t.Errorf("%d demo orders with their steps out of order", n)
	}
	checkDates(t, d)
}

// checkDates: the demo is dated relative to today: the newest members
// joined this month, applications awaiting review came in over the last
// weeks, and nothing happened after now.
func checkDates(t *testing.T, d *db.DB) {
	t.Helper()
	ctx := context.Background()
	at := func(q string) time.Time {
		t.Helper()
		var v time.Time
		if err := d.View(ctx, func(tx *db.Tx) error { return tx.QueryRow(ctx, q).Scan(&v) }); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	now := time.Now()
	cst := time.FixedZone("CST", 8*3600)
	if j := at("SELECT joined_at FROM members WHERE joined_at IS NOT NULL ORDER BY joined_at DESC LIMIT 1"); j.After(now) ||
		j.In(cst).Format("2006-01") != now.In(cst).Format("2006-01") && now.Sub(j) > 7*24*time.Hour {
		t.Errorf("the newest member joined at %v, want this month (now %v)", j, now)
	}
	if j := at("SELECT joined_at FROM members WHERE joined_at IS NOT NULL ORDER BY joined_at LIMIT 1"); now.Sub(j) < 365*24*time.Hour {
		t.Errorf("the oldest member joined at %v, want a club over a year old", j)
	}
	oldest := at(`SELECT a.submitted_at FROM member_applications a JOIN members m ON m.id = a.member_id
		WHERE m.status = 'pending' ORDER BY a.submitted_at LIMIT 1`)
	newest := at(`SELECT a.submitted_at FROM member_applications a JOIN members m ON m.id = a.member_id
		WHERE m.status = 'pending' ORDER BY a.submitted_at DESC LIMIT 1`)
	if now.Sub(oldest) > 22*24*time.Hour || newest.After(now) {
		t.Errorf("pending applications from %v to %v, want the last three weeks", oldest, newest)
	}
	for _, q := range []string{
		"SELECT created_at FROM members ORDER BY created_at DESC LIMIT 1",
		"SELECT updated_at FROM redeem_orders ORDER BY updated_at DESC LIMIT 1",
		"SELECT occurred_at FROM point_events ORDER BY occurred_at DESC LIMIT 1",
	} {
		if v := at(q); v.After(now) {
			t.Errorf("%s = %v, after now %v", q, v, now)
		}
	}
}
