package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

// holder is the member a transaction posts to, with their accounts of one
// kind locked for the rest of the transaction.
type holder struct {
	id       int64
	kind     Kind
	path     string // org path of the node the member joined
	status   member.Status
	accounts map[string]account // by region path
}

type account struct{ id, balance int64 }

// lockHolder reads a member and locks their accounts of kind, in id order
// (one per region the member holds points in). Upgrade points lock the
// member row with them: tier evaluation locks it anyway, and taking it
// before the club shard keeps one order in every transaction — idempotency
// key, member row and accounts, club shard — so none waits in a circle.
func lockHolder(ctx context.Context, tx *db.Tx, memberID int64, kind Kind) (*holder, error) {
	h := &holder{id: memberID, kind: kind, accounts: map[string]account{}}
	lock := tx.ForUpdateOf("a")
	if kind == Upgrade {
		lock = tx.ForUpdate()
	}
	rows, err := tx.Query(ctx, `SELECT m.node_path, m.status, a.region_path, a.id, a.balance
		FROM members m JOIN point_accounts a ON a.member_id = m.id AND a.kind = ?
		WHERE m.id = ? ORDER BY a.id`+lock, kind, memberID)
	if err != nil {
		return nil, fmt.Errorf("lock accounts of member %d: %w", memberID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var region string
		var a account
		if err := rows.Scan(&h.path, &h.status, &region, &a.id, &a.balance); err != nil {
			return nil, err
		}
		h.accounts[region] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(h.accounts) > 0 {
		return h, nil
	}
	// No account of this kind yet, or no such member.
	if kind != Upgrade {
		lock = ""
	}
	err = tx.QueryRow(ctx, "SELECT node_path, status FROM members WHERE id = ?"+lock, h.id).Scan(&h.path, &h.status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("会员", "member")
	}
	return h, err
}

// region is the region to post in: the one asked for, or that of the node
// the member joined (the second node of the org path: /1/4/9/ → /1/4/).
func (h *holder) region(ctx context.Context, tx *db.Tx, asked string) (string, error) {
	if asked == "" {
		return regionOf(h.path), nil
	}
	n, err := tx.Count(ctx, "SELECT count(*) FROM org_nodes WHERE path = ? AND kind = 'region'", asked)
	if err == nil && n == 0 {
		err = apperr.Field("region", "区域不存在", "no such region")
	}
	return asked, err
}

// leg returns the leg that moves amount on the member's account in region,
// the account locked and made on first use.
func (h *holder) leg(ctx context.Context, tx *db.Tx, region string, amount int64) (leg, error) {
	l := leg{address: memberAddress(h.id), memberID: h.id, kind: h.kind, region: region, amount: amount}
	a, ok := h.accounts[region]
	if !ok {
		if err := createAccount(ctx, tx, &l); err != nil {
			return l, err
		}
		err := tx.QueryRow(ctx, `SELECT id, balance FROM point_accounts WHERE address = ? AND kind = ? AND region_path = ? AND shard = 0`+tx.ForUpdate(),
			l.address, l.kind, l.region).Scan(&a.id, &a.balance)
		if err != nil {
			return l, fmt.Errorf("lock account %s: %w", l.address, err)
		}
		h.accounts[region] = a
	}
	l.accountID, l.before = a.id, a.balance
	return l, nil
}

// createAccount makes a leg's account unless it exists; on PostgreSQL an
// insert racing another transaction's waits for that one to finish.
func createAccount(ctx context.Context, tx *db.Tx, l *leg) error {
	_, err := tx.Exec(ctx, `INSERT INTO point_accounts (address, member_id, kind, region_path, shard, balance, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT (address, kind, region_path, shard) DO NOTHING`,
		l.address, nullID(l.memberID), l.kind, l.region, l.shard, tx.Now, tx.Now)
	if err != nil {
		return fmt.Errorf("open account %s: %w", l.address, err)
	}
	return nil
}

// moveMember applies a leg to its locked member account, refusing a debit
// larger than the balance.
func moveMember(ctx context.Context, tx *db.Tx, l *leg) error {
	if l.before+l.amount < 0 {
		return insufficient(l.kind, l.before, -l.amount)
	}
	l.after = l.before + l.amount
	_, err := tx.Exec(ctx, "UPDATE point_accounts SET balance = ?, updated_at = ? WHERE id = ?", l.after, tx.Now, l.accountID)
	return err
}

// moveClub adds a leg's amount to its club shard (made on first use). The
// update locks the shard, last of all locks, so it is held the shortest time.
func moveClub(ctx context.Context, tx *db.Tx, l *leg) error {
	update := func() error {
		return tx.QueryRow(ctx, `UPDATE point_accounts SET balance = balance + ?, updated_at = ?
			WHERE address = ? AND kind = ? AND region_path = ? AND shard = ? RETURNING id, balance`,
			l.amount, tx.Now, l.address, l.kind, l.region, l.shard).Scan(&l.accountID, &l.after)
	}
	err := update()
	if errors.Is(err, sql.ErrNoRows) {
		if err = createAccount(ctx, tx, l); err == nil {
			err = update()
		}
	}
	if err != nil {
		return fmt.Errorf("move club account %s: %w", l.address, err)
	}
	return nil
}

// regionOf is the region's path of an org path; the path itself above the
// regions.
func regionOf(path string) string {
	parts := strings.SplitN(strings.Trim(path, "/"), "/", 3)
	if len(parts) < 2 {
		return path
	}
	return "/" + parts[0] + "/" + parts[1] + "/"
}

func memberAddress(memberID int64) string { return "member:" + itoa(memberID) }

// shardOf is the club shard a member's postings go to: a multiplicative
// hash of the member id, so that members enrolled in a pattern (every other
// id in one region) still spread over every shard.
func shardOf(memberID int64) int { return int((uint64(memberID) * 0x9E3779B97F4A7C15 >> 32) % Shards) }
