package points

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"estateclub/internal/db"
)

// The bulk posting path (批量记账) writes the grants of a batch as the
// ledger would one by one — the same transactions, keys, request hashes,
// accounts, shards, legs and balances after, and the same tier
// evaluation — but with a few multi-row statements instead of a dozen
// round trips per grant. It keeps the ledger's lock order: the caller has
// locked the members (in id order) and claimed the events; here the
// members' accounts are locked, then the club shards in id order, and
// finishAwards locks the plans last.

// acct is an account the bulk path posts to, locked, with its running
// balance.
type acct struct {
	id, balance int64
	touched     bool
}

// acctKey names an account: a member's (shard 0) or a club shard.
type acctKey struct {
	address string
	kind    Kind
	region  string
	shard   int
}

// postBulk posts every grant, each as its own ledger transaction.
func (s *Service) postBulk(ctx context.Context, tx *db.Tx, grants []*grant, months int) error {
	if len(grants) == 0 {
		return nil
	}
	entries := make([]Entry, len(grants))
	legs := make([][2]leg, len(grants))
	for i, g := range grants {
		e, err := g.entry().normalize()
		if err != nil {
			return err
		}
		region := regionOf(g.c.member.path)
		entries[i] = e
		legs[i] = [2]leg{
			{address: memberAddress(e.MemberID), memberID: e.MemberID, kind: e.Kind, region: region, amount: e.Amount},
			{address: e.club(), kind: e.Kind, region: region, shard: shardOf(e.MemberID), amount: -e.Amount},
		}
	}
	accts, err := lockAccounts(ctx, tx, legs)
	if err != nil {
		return err
	}
	for i := range legs {
		for j := range legs[i] {
			l := &legs[i][j]
			a := accts[acctKey{l.address, l.kind, l.region, l.shard}]
			l.accountID, l.before = a.id, a.balance
			l.after = a.balance + l.amount
			if l.memberID != 0 && l.after < 0 {
				return insufficient(l.kind, l.before, -l.amount)
			}
			a.balance, a.touched = l.after, true
		}
	}
	ids, err := insertTransactions(ctx, tx, entries)
	if err != nil {
		return err
	}
	for i, g := range grants {
		g.txID = ids[i]
	}
	if err := insertKeysAndLegs(ctx, tx, entries, ids, legs); err != nil {
		return err
	}
	if err := saveBalances(ctx, tx, accts); err != nil {
		return err
	}
	return s.evaluateMany(ctx, tx, grants, months)
}

// lockAccounts opens the accounts the legs need, then locks them — the
// members' first, then the club shards — and reads their balances.
func lockAccounts(ctx context.Context, tx *db.Tx, legs [][2]leg) (map[acctKey]*acct, error) {
	accts := map[acctKey]*acct{}
	var members, shards []leg
	for _, pair := range legs {
		for _, l := range pair {
			k := acctKey{l.address, l.kind, l.region, l.shard}
			if _, ok := accts[k]; ok {
				continue
			}
			accts[k] = &acct{id: -1}
			if l.memberID != 0 {
				members = append(members, l)
			} else {
				shards = append(shards, l)
			}
		}
	}
	// A member's accounts are mostly open already (awards open reward
	// accounts ahead): lock what exists, then open and lock the rest. The
	// caller holds the members' rows, so nobody else opens these meanwhile.
	sortLegs(members)
	if err := lockAccountRows(ctx, tx, members, accts); err != nil {
		return nil, err
	}
	var missing []leg
	for _, l := range members {
		if accts[acctKey{l.address, l.kind, l.region, l.shard}].id < 0 {
			missing = append(missing, l)
		}
	}
	// Club shards are shared: open (waiting for anyone opening the same)
	// before locking any, then lock in id order, as the ledger does.
	sortLegs(shards)
	for _, group := range [][]leg{missing, shards} {
		if err := openAccounts(ctx, tx, group); err != nil {
			return nil, err
		}
		if err := lockAccountRows(ctx, tx, group, accts); err != nil {
			return nil, err
		}
	}
	for k, a := range accts {
		if a.id < 0 {
			return nil, fmt.Errorf("account %s %s %s %d was not opened", k.address, k.kind, k.region, k.shard)
		}
	}
	return accts, nil
}

// sortLegs orders legs by member, then account: the order accounts are
// opened and locked in.
func sortLegs(ls []leg) {
	slices.SortFunc(ls, func(a, b leg) int {
		return cmp.Or(cmp.Compare(a.memberID, b.memberID), strings.Compare(a.address, b.address),
			strings.Compare(string(a.kind), string(b.kind)), strings.Compare(a.region, b.region), cmp.Compare(a.shard, b.shard))
	})
}

// openAccounts makes the accounts that do not exist yet.
func openAccounts(ctx context.Context, tx *db.Tx, ls []leg) error {
	return chunks(ls, 7, func(part []leg) error {
		args := make([]any, 0, 7*len(part))
		for _, l := range part {
			args = append(args, l.address, nullID(l.memberID), l.kind, l.region, l.shard, tx.Now, tx.Now)
		}
		_, err := tx.Exec(ctx, `INSERT INTO point_accounts (address, member_id, kind, region_path, shard, created_at, updated_at)
			VALUES `+values(7, len(part))+` ON CONFLICT (address, kind, region_path, shard) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("open accounts: %w", err)
		}
		return nil
	})
}

// lockAccountRows locks the accounts of ls in id order and reads their
// balances: member accounts found by member (all of theirs: the caller
// holds the members), club shards found by address and then only those
// needed locked.
func lockAccountRows(ctx context.Context, tx *db.Tx, ls []leg, accts map[acctKey]*acct) error {
	if len(ls) == 0 {
		return nil
	}
	var keys []any
	col, lock := "member_id", forNoKeyUpdate(tx)
	for _, l := range ls {
		k := any(l.memberID)
		if l.memberID == 0 {
			k, col, lock = l.address, "address", ""
		}
		if len(keys) == 0 || keys[len(keys)-1] != k {
			keys = append(keys, k)
		}
	}
	read := func(where string, part []any) error {
		rows, err := tx.Query(ctx, "SELECT id, address, kind, region_path, shard, balance FROM point_accounts WHERE "+where+
			" IN ("+marks(len(part))+") ORDER BY id"+lock, part...)
		if err != nil {
			return fmt.Errorf("lock accounts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var k acctKey
			var id, balance int64
			if err := rows.Scan(&id, &k.address, &k.kind, &k.region, &k.shard, &balance); err != nil {
				return err
			}
			if a, ok := accts[k]; ok {
				a.id, a.balance = id, balance
			}
		}
		return rows.Err()
	}
	if err := chunks(keys, 1, func(part []any) error { return read(col, part) }); err != nil || lock != "" {
		return err
	}
	var ids []any
	for _, l := range ls {
		if a := accts[acctKey{l.address, l.kind, l.region, l.shard}]; a.id >= 0 {
			ids = append(ids, a.id)
		}
	}
	slices.SortFunc(ids, func(a, b any) int { return cmp.Compare(a.(int64), b.(int64)) })
	lock = forNoKeyUpdate(tx)
	return chunks(ids, 1, func(part []any) error { return read("id", part) })
}

// insertTransactions writes the transactions of the entries and returns
// their ids in the entries' order. Both engines number the rows of one
// multi-row INSERT in the order of its VALUES (PostgreSQL draws each id
// from the sequence as it inserts the row; SQLite gives each the next
// rowid), so the ids returned, sorted, follow the entries.
func insertTransactions(ctx context.Context, tx *db.Tx, entries []Entry) ([]int64, error) {
	a := tx.Actor
	ids := make([]int64, 0, len(entries))
	err := chunks(entries, 10, func(part []Entry) error {
		args := make([]any, 0, 10*len(part))
		for _, e := range part {
			args = append(args, e.Source, e.Reason, e.PlanID, e.RuleID, e.Ref, a.Kind, nullID(a.ID), a.Login, a.RequestID, tx.Now)
		}
		rows, err := tx.Query(ctx, `INSERT INTO point_transactions (source, reason, plan_id, rule_id, ref, actor_kind, actor_id, actor_login, request_id, created_at)
			VALUES `+values(10, len(part))+" RETURNING id", args...)
		if err != nil {
			return fmt.Errorf("insert transactions: %w", err)
		}
		defer rows.Close()
		got := make([]int64, 0, len(part))
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			got = append(got, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(got) != len(part) {
			return fmt.Errorf("insert transactions: %d ids for %d rows", len(got), len(part))
		}
		slices.Sort(got)
		ids = append(ids, got...)
		return nil
	})
	return ids, err
}

// insertKeysAndLegs writes each transaction's idempotency key and its two
// legs (the member's first, as Post writes them).
func insertKeysAndLegs(ctx context.Context, tx *db.Tx, entries []Entry, ids []int64, legs [][2]leg) error {
	idx := make([]int, len(entries))
	for i := range idx {
		idx[i] = i
	}
	keys := make([][]any, len(entries))
	for i, e := range entries {
		keys[i] = []any{e.IdempotencyKey, e.hash(), ids[i], tx.Now}
	}
	err := tx.InsertMany(ctx, "point_idempotency", []string{"key", "request_hash", "transaction_id", "created_at"}, keys, "", nil)
	if err != nil {
		return fmt.Errorf("claim idempotency keys: %w", err)
	}
	rows := make([][]any, 0, 2*len(entries))
	for i := range entries {
		for _, l := range legs[i] {
			rows = append(rows, []any{ids[i], l.accountID, l.amount, l.after, tx.Now})
		}
	}
	if err := tx.InsertMany(ctx, "point_postings", []string{"transaction_id", "account_id", "amount", "balance_after", "created_at"}, rows, "", nil); err != nil {
		return fmt.Errorf("insert postings: %w", err)
	}
	return nil
}

// saveBalances writes the final balance of every account touched.
func saveBalances(ctx context.Context, tx *db.Tx, accts map[acctKey]*acct) error {
	var moved []*acct
	for _, a := range accts {
		if a.touched {
			moved = append(moved, a)
		}
	}
	slices.SortFunc(moved, func(a, b *acct) int { return cmp.Compare(a.id, b.id) })
	if tx.Dialect() == db.Postgres {
		// One statement with two arrays, not a VALUES list of 20,000
		// parameters to parse and plan.
		ids, balances := make([]int64, len(moved)), make([]int64, len(moved))
		for i, a := range moved {
			ids[i], balances[i] = a.id, a.balance
		}
		_, err := tx.Exec(ctx, `UPDATE point_accounts SET balance = v.balance, updated_at = $3
			FROM unnest($1::bigint[], $2::bigint[]) AS v(id, balance) WHERE point_accounts.id = v.id`, ids, balances, tx.Now)
		if err != nil {
			return fmt.Errorf("save balances: %w", err)
		}
		return nil
	}
	return chunks(moved, 2, func(part []*acct) error {
		args := make([]any, 0, 2*len(part)+1)
		for _, a := range part {
			args = append(args, a.id, a.balance)
		}
		row := "(CAST(? AS BIGINT), CAST(? AS BIGINT))"
		_, err := tx.Exec(ctx, "WITH v(id, balance) AS (VALUES "+strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", ")+
			") UPDATE point_accounts SET balance = v.balance, updated_at = ? FROM v WHERE point_accounts.id = v.id", append(args, tx.Now)...)
		if err != nil {
			return fmt.Errorf("save balances: %w", err)
		}
		return nil
	})
}
