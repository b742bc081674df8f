package bench

import (
	"context"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/org"
	"estateclub/internal/points"
)

// ExpirySetup is the history ExpirySeed wrote, and what the year-end run
// must expire of it.
type ExpirySetup struct {
	Members      int
	Transactions int
	Year         int // the year-end to run
	WantAccounts int
	WantPoints   int64
	Elapsed      time.Duration
}

var benchTime = time.FixedZone("CST", 8*3600)

// ExpirySeed fills an empty database for the year-end benchmark: n members
// over two regions, each earning reward points in year-1, half of them
// spending 60 in year and a third earning 30 more in year. At a million
// members the ledger's own path would take an hour, so rows go straight
// into the tables with balances computed here (points.Verify checks them).
// Member rows are synthetic, without personal data: the year-end never
// reads them.
func ExpirySeed(ctx context.Context, d *db.DB, n, year int) (ExpirySetup, error) {
	start := time.Now()
	setup := ExpirySetup{Members: n, Year: year}
	s := &seeder{year: year, clubs: map[clubKey]*club{}}
	var err error
	if s.nodes, err = expiryNodes(ctx, d); err != nil {
		return setup, err
	}
	if err := d.Update(ctx, s.openClubs); err != nil {
		return setup, fmt.Errorf("open club accounts: %w", err)
	}
	const per = 5000
	for first := 0; first < n; first += per {
		c := &chunk{}
		err := d.Update(ctx, func(tx *db.Tx) error {
			if err := c.start(ctx, tx); err != nil {
				return err
			}
			for i := first; i < min(first+per, n); i++ {
				s.member(c, i, &setup)
			}
			return c.write(ctx, tx)
		})
		if err != nil {
			return setup, fmt.Errorf("seed members from %d: %w", first, err)
		}
		setup.Transactions += len(c.trans)
	}
	err = d.Update(ctx, func(tx *db.Tx) error {
		for _, c := range s.clubs {
			if _, err := tx.Exec(ctx, "UPDATE point_accounts SET balance = ? WHERE id = ?", c.balance, c.id); err != nil {
				return err
			}
		}
		if d.Dialect() != db.Postgres {
			_, err := tx.Exec(ctx, "ANALYZE")
			return err
		}
		for _, t := range []string{"members", "point_accounts", "point_transactions"} {
			if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence('"+t+"', 'id'), (SELECT max(id) FROM "+t+"))"); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && d.Dialect() == db.Postgres {
		_, err = d.SQL().ExecContext(ctx, "ANALYZE")
	}
	setup.Elapsed = time.Since(start)
	return setup, err
}

// expiryNodes makes two regions with a project each and returns the
// projects.
func expiryNodes(ctx context.Context, d *db.DB) ([]*org.Node, error) {
	orgs := &org.Service{DB: d}
	var out []*org.Node
	for r := range 2 {
		code := fmt.Sprintf("XR%d", r)
		var last *org.Node
		for _, nn := range []org.NewNode{
			{ParentCode: "GROUP", Kind: org.Region, Code: code, Name: "区域" + code},
			{ParentCode: code, Kind: org.City, Code: code + "C", Name: "城市" + code},
			{ParentCode: code + "C", Kind: org.Project, Code: code + "P", Name: "项目" + code},
		} {
			node, err := orgs.Create(ctx, nn)
			if err != nil {
				return nil, err
			}
			last = node
		}
		out = append(out, last)
	}
	return out, nil
}

type clubKey struct {
	address, region string
	shard           int
}

type club struct{ id, balance int64 }

// seeder writes the history member by member, keeping the club shards'
// balances until the end.
type seeder struct {
	year  int
	nodes []*org.Node
	clubs map[clubKey]*club
}

// openClubs makes every shard of the club accounts the history posts to.
func (s *seeder) openClubs(tx *db.Tx) error {
	ctx := context.Background()
	var rows [][]any
	for _, n := range s.nodes {
		for _, address := range []string{"issued:plan:1", "redeemed"} {
			for shard := range points.Shards {
				rows = append(rows, []any{address, "reward", points.RegionOf(n.Path), shard, 0, tx.Now, tx.Now})
			}
		}
	}
	if err := insertRows(ctx, tx, "point_accounts (address, kind, region_path, shard, balance, created_at, updated_at)", rows); err != nil {
		return err
	}
	r, err := tx.Query(ctx, "SELECT id, address, region_path, shard FROM point_accounts WHERE member_id IS NULL")
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		var k clubKey
		c := &club{}
		if err := r.Scan(&c.id, &k.address, &k.region, &k.shard); err != nil {
			return err
		}
		s.clubs[k] = c
	}
	return r.Err()
}

// chunk collects the rows of a few thousand members.
type chunk struct {
	nextMember, nextAccount, nextTransaction int64
	members, accounts, trans, keys, postings [][]any
}

// start reads where the chunk's ids begin.
func (c *chunk) start(ctx context.Context, tx *db.Tx) error {
	for _, x := range []struct {
		table string
		next  *int64
	}{{"members", &c.nextMember}, {"point_accounts", &c.nextAccount}, {"point_transactions", &c.nextTransaction}} {
		if err := tx.QueryRow(ctx, "SELECT COALESCE(max(id), 0) + 1 FROM "+x.table).Scan(x.next); err != nil {
			return err
		}
	}
	return nil
}

// member adds member i and their history to c.
func (s *seeder) member(c *chunk, i int, setup *ExpirySetup) {
	node := s.nodes[i%len(s.nodes)]
	region := points.RegionOf(node.Path)
	id, account := c.nextMember, c.nextAccount
	c.nextMember++
	c.nextAccount++
	joined := time.Date(s.year-1, 1, 15, 10, 0, 0, 0, benchTime)
	c.members = append(c.members, []any{id, node.ID, node.Path, "active", "regular", "会员", []byte{0},
		fmt.Sprintf("bench-expiry-%d", id), "0000", "sales_site", joined, joined, joined})
	var balance int64
	post := func(at time.Time, source, address string, amount int64) {
		t := c.nextTransaction
		c.nextTransaction++
		var plan any
		if source == "plan" {
			plan = int64(1)
		}
		c.trans = append(c.trans, []any{t, source, "bench", plan, "system", "system", at})
		c.keys = append(c.keys, []any{fmt.Sprintf("bench-expiry-%d", t), []byte{1}, t, at})
		balance += amount
		cl := s.clubs[clubKey{address, region, points.ShardOf(id)}]
		cl.balance -= amount
		c.postings = append(c.postings, []any{t, account, amount, balance, at}, []any{t, cl.id, -amount, cl.balance, at})
	}
	earned := int64(100 + i%50)
	want := earned
	post(time.Date(s.year-1, 6, 1, 10, 0, 0, 0, benchTime), "plan", "issued:plan:1", earned)
	if i%2 == 0 {
		post(time.Date(s.year, 3, 1, 10, 0, 0, 0, benchTime), "redemption", "redeemed", -60)
		want -= 60
	}
	if i%3 == 0 {
		post(time.Date(s.year, 7, 1, 10, 0, 0, 0, benchTime), "plan", "issued:plan:1", 30)
	}
	c.accounts = append(c.accounts, []any{account, fmt.Sprintf("member:%d", id), id, "reward", region, 0, balance, joined, joined})
	setup.WantAccounts++
	setup.WantPoints += want
}

func (c *chunk) write(ctx context.Context, tx *db.Tx) error {
	for _, t := range []struct {
		table string
		rows  [][]any
	}{
		{"members (id, node_id, node_path, status, tier, name, mobile_enc, mobile_idx, mobile_last4_idx, channel, joined_at, created_at, updated_at)", c.members},
		{"point_accounts (id, address, member_id, kind, region_path, shard, balance, created_at, updated_at)", c.accounts},
		{"point_transactions (id, source, reason, plan_id, actor_kind, actor_login, created_at)", c.trans},
		{"point_idempotency (key, request_hash, transaction_id, created_at)", c.keys},
		{"point_postings (transaction_id, account_id, amount, balance_after, created_at)", c.postings},
	} {
		if err := insertRows(ctx, tx, t.table, t.rows); err != nil {
			return err
		}
	}
	return nil
}

// ExpiryRun is one timed year-end run over a seeded database.
type ExpiryRun struct {
	Report  *points.ExpiryReport
	Elapsed time.Duration
}

// PerSec is the accounts expired (or previewed) per second.
func (r ExpiryRun) PerSec() float64 { return float64(r.Report.Accounts) / r.Elapsed.Seconds() }

// Expiry runs the year-end of setup on svc (a dry run, or the real one)
// and checks the figures it reports against what the seed expects.
func Expiry(ctx context.Context, svc *points.Service, setup ExpirySetup, dry bool, workers, batch int) (ExpiryRun, error) {
	start := time.Now()
	r, err := svc.Expire(ctx, points.ExpiryRun{Year: setup.Year, DryRun: dry, Workers: workers, Batch: batch})
	res := ExpiryRun{Report: r, Elapsed: time.Since(start)}
	if err == nil && (r.Accounts != setup.WantAccounts || r.Points != setup.WantPoints) {
		err = fmt.Errorf("expired %d points of %d accounts, want %d of %d", r.Points, r.Accounts, setup.WantPoints, setup.WantAccounts)
	}
	return res, err
}

// insertRows writes rows into "table (cols…)" with multi-row INSERTs of
// at most ~8,000 parameters each.
func insertRows(ctx context.Context, tx *db.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	width := len(rows[0])
	per := max(1, 8000/width)
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(part)*width)
		for _, r := range part {
			args = append(args, r...)
		}
		q := "INSERT INTO " + table + " VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", len(part)), ", ")
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("insert into %s: %w", strings.Fields(table)[0], err)
		}
	}
	return nil
}
