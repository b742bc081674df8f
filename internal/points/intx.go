package points

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// PostTx records an entry like Post, inside the caller's transaction, so
// that an area service can move points and its own rows in one commit: a
// redemption (兑换) holds the points in the same transaction that takes the
// stock and writes the order. The caller has taken no lock on point rows
// before; locks follow the ledger's order (key, member accounts, club
// shard). A key used before with the same entry returns the first
// transaction (Replayed set) and writes nothing; with another entry, or
// while another transaction holds the key, an apperr.Conflict, after which
// tx must roll back. The evaluation period of upgrade points is read on a
// connection of its own.
func (s *Service) PostTx(ctx context.Context, tx *db.Tx, e Entry) (*Transaction, error) {
	e, err := e.normalize()
	if err != nil {
		return nil, err
	}
	if t, err := replayTx(ctx, tx, e.IdempotencyKey, e.hash()); t != nil || err != nil {
		return t, err
	}
	months, err := s.months(ctx, e.Kind == Upgrade)
	if err != nil {
		return nil, err
	}
	t, err := s.post(ctx, tx, e, months)
	if err != nil {
		return nil, fmt.Errorf("post points: %w", raced(err))
	}
	return t, nil
}

// ReverseTx records the reversal of transaction id like Reverse, inside the
// caller's transaction (a rejected or cancelled redemption returns its
// points with the order's change). Replays and conflicts as with PostTx; a
// transaction reversed already is a conflict.
func (s *Service) ReverseTx(ctx context.Context, tx *db.Tx, id int64, reason, key string) (*Transaction, error) {
	reason = strings.TrimSpace(reason)
	if err := checkText(reason, ""); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	hash := reversalHash(id, reason)
	if t, err := replayTx(ctx, tx, key, hash); t != nil || err != nil {
		return t, err
	}
	orig, err := loadTransaction(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if orig.ReversesID == nil {
		var by int64
		err := tx.QueryRow(ctx, "SELECT id FROM point_transactions WHERE reverses_id = ?", id).Scan(&by)
		if err == nil {
			return nil, &apperr.Error{Code: apperr.Conflict, ZH: "该记账已冲正（冲正记账 " + itoa(by) + "）",
				EN: "this transaction was already reversed (by transaction " + itoa(by) + ")"}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
	}
	months, err := s.months(ctx, orig.Kind == Upgrade)
	if err != nil {
		return nil, err
	}
	t, err := s.reverse(ctx, tx, id, reason, key, hash, months)
	if err != nil {
		return nil, fmt.Errorf("reverse points: %w", raced(err))
	}
	return t, nil
}

// replayTx returns the transaction an idempotency key made, if any, when
// the request is the same, and a conflict when it is not.
func replayTx(ctx context.Context, tx *db.Tx, key string, hash []byte) (*Transaction, error) {
	var first []byte
	var firstID int64
	err := tx.QueryRow(ctx, "SELECT request_hash, transaction_id FROM point_idempotency WHERE key = ?", key).Scan(&first, &firstID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	if !bytes.Equal(first, hash) {
		return nil, keyConflict(firstID)
	}
	t, err := loadTransaction(ctx, tx, firstID)
	if err != nil {
		return nil, err
	}
	t.Replayed = true
	return t, nil
}

// raced turns the replay found while claiming a key (another transaction
// committed it meanwhile) into a conflict: the caller's transaction holds
// the header written before, so it must roll back and may retry.
func raced(err error) error {
	var r *replayed
	if errors.As(err, &r) {
		return &apperr.Error{Code: apperr.Conflict, Field: "idempotency_key",
			ZH: "同一幂等键的请求刚刚已完成，请重试", EN: "a request with this idempotency key just completed; retry to get its result"}
	}
	return err
}

// RegionBalancesTx reads a member's balances of kind by region inside tx,
// without locking them: a debit posted after it still checks its balance.
func RegionBalancesTx(ctx context.Context, tx *db.Tx, memberID int64, kind Kind) (map[string]int64, error) {
	rows, err := tx.Query(ctx, "SELECT region_path, balance FROM point_accounts WHERE member_id = ? AND kind = ?", memberID, kind)
	if err != nil {
		return nil, fmt.Errorf("read balances: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var region string
		var b int64
		if err := rows.Scan(&region, &b); err != nil {
			return nil, err
		}
		out[region] = b
	}
	return out, rows.Err()
}

// RegionOf is the region (事业部) an org path lies in: /1/4/9/ → /1/4/; the
// group's own path has none ("").
func RegionOf(path string) string {
	if r := regionOf(path); r != path || regionPath.MatchString(path) {
		return r
	}
	return ""
}

// ShardOf is the club shard a member's postings go to, for tools that
// write the ledger's tables in bulk (benchmark seeds).
func ShardOf(memberID int64) int { return shardOf(memberID) }
