package points

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"estateclub/internal/db"
)

// errExpiryRace is a batch that found an expiry key claimed by another run
// of the same year-end after it looked: the batch rolls back and is tried
// again.
var errExpiryRace = errors.New("points: another run expired some of these accounts")

// The sums FIFO expiry needs of an account's postings: the credits earned
// before a date, a reversal counted on its original's date with its own
// sign (a reversed award earns nothing, points returned keep their age),
// and every debit, less the debits reversed.
const (
	creditsBefore = `CAST(COALESCE(SUM(CASE WHEN (t.reverses_id IS NULL AND p.amount > 0 AND p.created_at < ?)
		OR (t.reverses_id IS NOT NULL AND p.amount < 0 AND o.created_at < ?) THEN p.amount ELSE 0 END), 0) AS BIGINT)`
	debitsAll = `CAST(COALESCE(SUM(CASE WHEN (t.reverses_id IS NULL AND p.amount < 0) OR (t.reverses_id IS NOT NULL AND p.amount > 0)
		THEN -p.amount ELSE 0 END), 0) AS BIGINT)`
	postingsWithOrigin = ` FROM point_postings p JOIN point_transactions t ON t.id = p.transaction_id
		LEFT JOIN point_transactions o ON o.id = t.reverses_id`
)

// due is what expires of an account: its unspent credits earned before the
// boundary, never below zero nor above the balance.
func expiring(credits, debits, balance int64) int64 { return min(max(credits-debits, 0), balance) }

// expiryCandidates lists the member accounts holding reward points, and
// counts into r what earlier runs expired for the year-end.
func (s *Service) expiryCandidates(ctx context.Context, r *ExpiryReport) ([]int64, error) {
	var ids []int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM point_accounts
			WHERE kind = 'reward' AND member_id IS NOT NULL AND balance > 0 ORDER BY id`)
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
		if err := rows.Err(); err != nil {
			return err
		}
		var sum int64
		err = tx.QueryRow(ctx, `SELECT count(*), CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM point_transactions t
			JOIN point_postings p ON p.transaction_id = t.id JOIN point_accounts a ON a.id = p.account_id AND a.member_id IS NOT NULL
			WHERE t.source = 'expiry' AND t.ref LIKE ?`, "expiry:"+strconv.Itoa(r.Year)+":%").Scan(&r.Already, &sum)
		r.AlreadyPoints = -sum
		return err
	})
	r.Scanned = len(ids)
	return ids, err
}

// dueOn reads (and with lock, locks) the accounts ids and returns, in
// account order, what expires of each at the year-end, leaving out the
// accounts expired for it already.
func dueOn(ctx context.Context, tx *db.Tx, p ExpiryPeriod, ids []int64, lock bool) ([]ExpiryLine, error) {
	in, args := qmarks(len(ids)), make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	clause := ""
	if lock {
		clause = tx.ForUpdate()
	}
	rows, err := tx.Query(ctx, "SELECT id, member_id, region_path, balance FROM point_accounts WHERE id IN ("+in+") AND balance > 0 ORDER BY id"+clause, args...)
	if err != nil {
		return nil, fmt.Errorf("lock accounts: %w", err)
	}
	var lines []ExpiryLine
	byKey := map[string]int{}
	for rows.Next() {
		var l ExpiryLine
		if err := rows.Scan(&l.accountID, &l.MemberID, &l.Region, &l.Balance); err != nil {
			rows.Close()
			return nil, err
		}
		byKey[expiryKey(p.Year, l.MemberID, l.Region)] = len(lines)
		lines = append(lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(lines) == 0 {
		return nil, err
	}
	done, err := usedKeys(ctx, tx, byKey)
	if err != nil {
		return nil, err
	}
	sums, err := expirySums(ctx, tx, p, lines, done)
	if err != nil {
		return nil, err
	}
	out := lines[:0]
	for i, l := range lines {
		if s, ok := sums[l.accountID]; ok && !done[i] {
			if l.Amount = expiring(s[0], s[1], l.Balance); l.Amount > 0 {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// usedKeys marks the lines (by their index in byKey) whose expiry key is taken.
func usedKeys(ctx context.Context, tx *db.Tx, byKey map[string]int) (map[int]bool, error) {
	args := make([]any, 0, len(byKey))
	for k := range byKey {
		args = append(args, k)
	}
	rows, err := tx.Query(ctx, "SELECT key FROM point_idempotency WHERE key IN ("+qmarks(len(args))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("read expiry keys: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		done[byKey[k]] = true
	}
	return done, rows.Err()
}

// expirySums returns each account's credits before the year-end's boundary
// and its debits, for the lines not done.
func expirySums(ctx context.Context, tx *db.Tx, p ExpiryPeriod, lines []ExpiryLine, done map[int]bool) (map[int64][2]int64, error) {
	args := []any{p.EarnedBefore, p.EarnedBefore}
	for i, l := range lines {
		if !done[i] {
			args = append(args, l.accountID)
		}
	}
	sums := map[int64][2]int64{}
	if len(args) == 2 {
		return sums, nil
	}
	// PostgreSQL's planner picks a scan of all postings for a batch of
	// accounts: probing each account's postings by index is what keeps a
	// year-end over a million members linear. SQLite probes by itself.
	q := "SELECT p.account_id, " + creditsBefore + ", " + debitsAll + postingsWithOrigin +
		" WHERE p.account_id IN (" + qmarks(len(args)-2) + ") GROUP BY p.account_id"
	if tx.Dialect() == db.Postgres {
		q = "SELECT a.id, s.credits, s.debits FROM point_accounts a CROSS JOIN LATERAL (SELECT " + creditsBefore + " AS credits, " +
			debitsAll + " AS debits" + postingsWithOrigin + " WHERE p.account_id = a.id) s WHERE a.id IN (" + qmarks(len(args)-2) + ")"
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sum postings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var s [2]int64
		if err := rows.Scan(&id, &s[0], &s[1]); err != nil {
			return nil, err
		}
		sums[id] = s
	}
	return sums, rows.Err()
}

// postExpiries writes one ledger transaction per line, set-wise: headers,
// keys, member balances, the club's expired account (on shard, one row per
// region) and postings, a few statements for the whole batch.
func postExpiries(ctx context.Context, tx *db.Tx, p ExpiryPeriod, lines []ExpiryLine, shard int) error {
	reason := fmt.Sprintf("奖励积分过期：%d 年底前获得且未使用的积分于 %d 年末结转", p.EarnedBefore.Year()-1, p.Year)
	ids, err := insertExpiryHeaders(ctx, tx, p, reason, lines)
	if err != nil {
		return err
	}
	keys := make([][]any, len(lines))
	for i, l := range lines {
		key := expiryKey(p.Year, l.MemberID, l.Region)
		e := Entry{MemberID: l.MemberID, Kind: Reward, Region: l.Region, Amount: -l.Amount, Source: FromExpiry, Reason: reason, Ref: key}
		lines[i].TransactionID = ids[key]
		keys[i] = []any{key, e.hash(), ids[key], tx.Now}
	}
	n, err := insertRowsOf(ctx, tx, "point_idempotency (key, request_hash, transaction_id, created_at)", " ON CONFLICT (key) DO NOTHING", keys)
	if err != nil {
		return fmt.Errorf("claim expiry keys: %w", err)
	}
	if n != int64(len(lines)) {
		return errExpiryRace
	}
	if err := debitMembers(ctx, tx, lines); err != nil {
		return err
	}
	clubIDs, clubAfter, err := creditExpired(ctx, tx, lines, shard)
	if err != nil {
		return err
	}
	postings := make([][]any, 0, 2*len(lines))
	for i, l := range lines {
		postings = append(postings, []any{l.TransactionID, l.accountID, -l.Amount, l.Balance - l.Amount, tx.Now},
			[]any{l.TransactionID, clubIDs[i], l.Amount, clubAfter[i], tx.Now})
	}
	if _, err := insertRowsOf(ctx, tx, "point_postings (transaction_id, account_id, amount, balance_after, created_at)", "", postings); err != nil {
		return fmt.Errorf("insert expiry postings: %w", err)
	}
	return nil
}

// insertExpiryHeaders writes the transactions of the lines and returns
// their ids by key (each transaction's ref is its key).
func insertExpiryHeaders(ctx context.Context, tx *db.Tx, p ExpiryPeriod, reason string, lines []ExpiryLine) (map[string]int64, error) {
	a := tx.Actor
	args := make([]any, 0, 8*len(lines))
	for _, l := range lines {
		args = append(args, FromExpiry, reason, expiryKey(p.Year, l.MemberID, l.Region), a.Kind, nullID(a.ID), a.Login, a.RequestID, tx.Now)
	}
	rows, err := tx.Query(ctx, `INSERT INTO point_transactions
		(source, reason, plan_id, rule_id, ref, reverses_id, actor_kind, actor_id, actor_login, request_id, created_at) VALUES `+
		strings.TrimSuffix(strings.Repeat("(?, ?, NULL, NULL, ?, NULL, ?, ?, ?, ?, ?), ", len(lines)), ", ")+" RETURNING id, ref", args...)
	if err != nil {
		return nil, fmt.Errorf("insert expiry transactions: %w", err)
	}
	defer rows.Close()
	ids := make(map[string]int64, len(lines))
	for rows.Next() {
		var id int64
		var ref string
		if err := rows.Scan(&id, &ref); err != nil {
			return nil, err
		}
		ids[ref] = id
	}
	return ids, rows.Err()
}

// debitMembers takes the lines' amounts off their locked member accounts:
// one statement joining a VALUES list on PostgreSQL; on SQLite, whose
// UPDATE … FROM scans the accounts, one indexed update per account.
func debitMembers(ctx context.Context, tx *db.Tx, lines []ExpiryLine) error {
	if tx.Dialect() == db.SQLite {
		for _, l := range lines {
			if _, err := tx.Exec(ctx, "UPDATE point_accounts SET balance = ?, updated_at = ? WHERE id = ?", l.Balance-l.Amount, tx.Now, l.accountID); err != nil {
				return fmt.Errorf("debit expired points: %w", err)
			}
		}
		return nil
	}
	args := make([]any, 0, 1+2*len(lines))
	args = append(args, tx.Now)
	for _, l := range lines {
		args = append(args, l.accountID, l.Balance-l.Amount)
	}
	_, err := tx.Exec(ctx, "UPDATE point_accounts SET balance = v.column2, updated_at = ? FROM (VALUES "+
		strings.TrimSuffix(strings.Repeat("(CAST(? AS BIGINT), CAST(? AS BIGINT)), ", len(lines)), ", ")+
		") AS v WHERE point_accounts.id = v.column1", args...)
	if err != nil {
		return fmt.Errorf("debit expired points: %w", err)
	}
	return nil
}

// creditExpired adds the lines to shard of the club's expired account, one
// update per region in region order, and returns each line's club account
// and its balance after the line. The shard is the batch's worker's, not
// the member's: batches running at once never wait on each other, and a
// shard is any part of the account.
func creditExpired(ctx context.Context, tx *db.Tx, lines []ExpiryLine, shard int) ([]int64, []int64, error) {
	groups := map[string][]int{}
	var regions []string
	for i, l := range lines {
		if groups[l.Region] == nil {
			regions = append(regions, l.Region)
		}
		groups[l.Region] = append(groups[l.Region], i)
	}
	sort.Strings(regions)
	ids, after := make([]int64, len(lines)), make([]int64, len(lines))
	for _, region := range regions {
		club := leg{address: "expired", kind: Reward, region: region, shard: shard}
		for _, i := range groups[region] {
			club.amount += lines[i].Amount
		}
		if err := moveClub(ctx, tx, &club); err != nil {
			return nil, nil, err
		}
		running := club.after - club.amount
		for _, i := range groups[region] {
			running += lines[i].Amount
			ids[i], after[i] = club.accountID, running
		}
	}
	return ids, after, nil
}

// insertRowsOf writes rows into "table (cols…)" with multi-row INSERTs of at
// most ~8,000 parameters, suffix appended to each, and returns the rows
// written.
func insertRowsOf(ctx context.Context, tx *db.Tx, table, suffix string, rows [][]any) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	width := len(rows[0])
	per := max(1, 8000/width)
	one := "(" + qmarks(width) + ")"
	var total int64
	for start := 0; start < len(rows); start += per {
		part := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(part)*width)
		for _, r := range part {
			args = append(args, r...)
		}
		res, err := tx.Exec(ctx, "INSERT INTO "+table+" VALUES "+strings.TrimSuffix(strings.Repeat(one+", ", len(part)), ", ")+suffix, args...)
		if err != nil {
			return total, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// nameRegions fills in the names of the report's regions.
func (s *Service) nameRegions(ctx context.Context, r *ExpiryReport) error {
	if len(r.Regions) == 0 {
		return nil
	}
	args := make([]any, len(r.Regions))
	for i, g := range r.Regions {
		args[i] = g.Region
	}
	names := map[string]string{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT path, name FROM org_nodes WHERE path IN ("+qmarks(len(args))+")", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var path, name string
			if err := rows.Scan(&path, &name); err != nil {
				return err
			}
			names[path] = name
		}
		return rows.Err()
	})
	for i := range r.Regions {
		r.Regions[i].Name = names[r.Regions[i].Region]
	}
	return err
}

// marks is n comma-separated placeholders.
func qmarks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }
