package points

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// header is what a transaction records besides its legs.
type header struct {
	source         Source
	reason         string
	planID, ruleID *int64
	ref            string
	reverses       *int64
}

// leg is one posting to make: on a member account (memberID set, locked
// beforehand) or on a shard of a club account, named by its key.
type leg struct {
	address  string
	memberID int64
	kind     Kind
	region   string
	shard    int
	amount   int64

	accountID, before, after int64 // filled in while recording
}

// replayed carries the first result of an idempotency key out of the
// database transaction, which is then rolled back.
type replayed struct{ tx *Transaction }

func (r *replayed) Error() string { return "points: replay of transaction " + itoa(r.tx.ID) }

// unwrapReplay turns a replay back into the first result.
func unwrapReplay(t *Transaction, err error) (*Transaction, error) {
	var r *replayed
	if errors.As(err, &r) {
		return r.tx, nil
	}
	return t, err
}

// begin starts transaction id: it writes the header and claims the
// idempotency key, before any lock is taken, so that a retry racing the
// first attempt waits here holding nothing else, then gets its result.
func begin(ctx context.Context, tx *db.Tx, key string, hash []byte, h header) (int64, error) {
	a := tx.Actor
	id, err := tx.InsertID(ctx, `INSERT INTO point_transactions
		(source, reason, plan_id, rule_id, ref, reverses_id, actor_kind, actor_id, actor_login, request_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.source, h.reason, h.planID, h.ruleID, h.ref, h.reverses, a.Kind, nullID(a.ID), a.Login, a.RequestID, tx.Now)
	if err != nil {
		return 0, fmt.Errorf("insert transaction: %w", err)
	}
	return id, claim(ctx, tx, key, hash, id)
}

// complete moves the balances of transaction id and writes its postings,
// then has the member's tier evaluated after upgrade points. The caller has
// locked the member accounts (lockHolder); a debit is checked under that
// lock, and each club shard is locked by its update, last of all.
func (s *Service) complete(ctx context.Context, tx *db.Tx, id int64, key string, h header, legs []leg, months int) (*Transaction, error) {
	var upgraded int64 // the member whose upgrade points moved
	for i := range legs {
		l := &legs[i]
		move := moveClub
		if l.memberID != 0 {
			move = moveMember
			if l.kind == Upgrade {
				upgraded = l.memberID
			}
		}
		if err := move(ctx, tx, l); err != nil {
			return nil, err
		}
	}
	t, err := insertPostings(ctx, tx, id, legs)
	if err != nil {
		return nil, err
	}
	t.Source, t.Reason, t.PlanID, t.RuleID, t.Ref, t.ReversesID = h.source, h.reason, h.planID, h.ruleID, h.ref, h.reverses
	t.IdempotencyKey, t.ActorKind, t.ActorLogin, t.CreatedAt = key, tx.Actor.Kind, tx.Actor.Login, tx.Now
	if upgraded != 0 {
		if err := s.evaluate(ctx, tx, upgraded, months); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// claim records key for transaction id. A key already used returns the
// first transaction (as a *replayed error) when the request is the same, a
// conflict when it is not. On PostgreSQL a retry racing the first attempt
// waits on the key for that one to finish.
func claim(ctx context.Context, tx *db.Tx, key string, hash []byte, id int64) error {
	res, err := tx.Exec(ctx, `INSERT INTO point_idempotency (key, request_hash, transaction_id, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`, key, hash, id, tx.Now)
	if err != nil {
		return fmt.Errorf("claim idempotency key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var first []byte
	var firstID int64
	if err := tx.QueryRow(ctx, "SELECT request_hash, transaction_id FROM point_idempotency WHERE key = ?", key).Scan(&first, &firstID); err != nil {
		return fmt.Errorf("read idempotency key: %w", err)
	}
	if !bytes.Equal(first, hash) {
		return keyConflict(firstID)
	}
	t, err := loadTransaction(ctx, tx, firstID)
	if err != nil {
		return err
	}
	t.Replayed = true
	return &replayed{t}
}

func keyConflict(firstID int64) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "idempotency_key",
		ZH: "该幂等键已用于另一请求（记账 " + itoa(firstID) + "）",
		EN: "this idempotency key was already used for a different request (transaction " + itoa(firstID) + ")"}
}

// insertPostings writes the legs of transaction id in one statement and
// returns the transaction as far as its legs tell it.
func insertPostings(ctx context.Context, tx *db.Tx, id int64, legs []leg) (*Transaction, error) {
	args := make([]any, 0, 5*len(legs))
	for _, l := range legs {
		args = append(args, id, l.accountID, l.amount, l.after, tx.Now)
	}
	rows, err := tx.Query(ctx, "INSERT INTO point_postings (transaction_id, account_id, amount, balance_after, created_at) VALUES "+
		strings.Repeat("(?, ?, ?, ?, ?), ", len(legs)-1)+"(?, ?, ?, ?, ?) RETURNING id, account_id", args...)
	if err != nil {
		return nil, fmt.Errorf("insert postings: %w", err)
	}
	defer rows.Close()
	ids := map[int64]int64{} // account → posting; a transaction touches an account once
	for rows.Next() {
		var pid, aid int64
		if err := rows.Scan(&pid, &aid); err != nil {
			return nil, err
		}
		ids[aid] = pid
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	t := &Transaction{ID: id}
	for _, l := range legs {
		p := Posting{ID: ids[l.accountID], Account: l.address, Kind: l.kind, Region: l.region, Shard: l.shard, Amount: l.amount, BalanceAfter: l.after}
		if l.memberID != 0 {
			p.MemberID = &l.memberID
		}
		t.Postings = append(t.Postings, p)
	}
	t.fillMember()
	return t, nil
}

// fillMember sets the member's side of t from its member leg.
func (t *Transaction) fillMember() {
	for _, p := range t.Postings {
		if p.MemberID != nil {
			t.MemberID, t.Kind, t.Region, t.Amount, t.Balance = *p.MemberID, p.Kind, p.Region, p.Amount, p.BalanceAfter
			return
		}
	}
}

// evaluate sums the member's upgrade points over the evaluation period and
// lets the member service promote the member.
func (s *Service) evaluate(ctx context.Context, tx *db.Tx, memberID int64, months int) error {
	if s.Members == nil {
		return errors.New("points: upgrade points need the member service to evaluate tiers")
	}
	var sum int64
	err := tx.QueryRow(ctx, `SELECT CAST(COALESCE(SUM(p.amount), 0) AS BIGINT) FROM point_postings p
		JOIN point_accounts a ON a.id = p.account_id
		WHERE a.member_id = ? AND a.kind = 'upgrade' AND p.created_at >= ?`, memberID, tx.Now.AddDate(0, -months, 0)).Scan(&sum)
	if err != nil {
		return fmt.Errorf("sum upgrade points: %w", err)
	}
	if _, err := s.Members.EvaluateTier(ctx, tx, memberID, max(sum, 0)); err != nil {
		return fmt.Errorf("evaluate tier: %w", err)
	}
	return nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
