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
	"estateclub/internal/member"
)

// Post records an entry (计 / 调整 / 兑换 / 结转) as one transaction between
// the member's account of its kind in its region and the club account its
// source names. A debit larger than the balance fails with
// apperr.InsufficientPoints; a retry with the same idempotency key returns
// the first transaction.
func (s *Service) Post(ctx context.Context, e Entry) (*Transaction, error) {
	e, err := e.normalize()
	if err != nil {
		return nil, err
	}
	months, err := s.months(ctx, e.Kind == Upgrade)
	if err != nil {
		return nil, err
	}
	var out *Transaction
	err = s.DB.Update(ctx, func(tx *db.Tx) (err error) {
		out, err = s.post(ctx, tx, e, months)
		return err
	})
	out, err = unwrapReplay(out, err)
	if err != nil {
		return nil, fmt.Errorf("post points: %w", err)
	}
	return out, nil
}

// post records a normalised entry inside tx; an idempotency key used
// before comes back as a *replayed error, after which tx must roll back.
func (s *Service) post(ctx context.Context, tx *db.Tx, e Entry, months int) (*Transaction, error) {
	hd := header{source: e.Source, reason: e.Reason, planID: e.PlanID, ruleID: e.RuleID, ref: e.Ref}
	id, err := begin(ctx, tx, e.IdempotencyKey, e.hash(), hd)
	if err != nil {
		return nil, err
	}
	h, err := lockHolder(ctx, tx, e.MemberID, e.Kind)
	if err != nil {
		return nil, err
	}
	if h.status == member.Closed {
		return nil, &apperr.Error{Code: apperr.Conflict, ZH: "会员已注销，不能记积分", EN: "the member is closed: no points can be posted"}
	}
	region, err := h.region(ctx, tx, e.Region)
	if err != nil {
		return nil, err
	}
	own, err := h.leg(ctx, tx, region, e.Amount)
	if err != nil {
		return nil, err
	}
	club := leg{address: e.club(), kind: e.Kind, region: region, shard: shardOf(e.MemberID), amount: -e.Amount}
	return s.complete(ctx, tx, id, e.IdempotencyKey, hd, []leg{own, club}, months)
}

// Reverse records the reversal (冲正) of transaction id: a new transaction
// with every leg negated, the plan and rule of the original kept so that
// reports net them out. A transaction is reversed at most once, and a
// reversal is not itself reversed; reversing an award fails with
// apperr.InsufficientPoints when the member has spent the points.
func (s *Service) Reverse(ctx context.Context, id int64, reason, key string) (*Transaction, error) {
	reason = strings.TrimSpace(reason)
	if err := checkText(reason, ""); err != nil {
		return nil, err
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	months, err := s.months(ctx, s.Members != nil)
	if err != nil {
		return nil, err
	}
	hash := reversalHash(id, reason)
	var out *Transaction
	err = s.DB.Update(ctx, func(tx *db.Tx) (err error) {
		out, err = s.reverse(ctx, tx, id, reason, key, hash, months)
		return err
	})
	out, err = unwrapReplay(out, err)
	if db.IsUniqueViolation(err) {
		// Another transaction reversed it first: this call's own earlier
		// attempt (a retry) or someone else's.
		out, err = s.afterLostRace(ctx, id, key, hash)
	}
	if err != nil {
		return nil, fmt.Errorf("reverse points: %w", err)
	}
	return out, nil
}

// reverse records the reversal of transaction id inside tx; like post, a
// key used before comes back as a *replayed error.
func (s *Service) reverse(ctx context.Context, tx *db.Tx, id int64, reason, key string, hash []byte, months int) (*Transaction, error) {
	orig, err := loadTransaction(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if orig.Source == FromReversal {
		return nil, &apperr.Error{Code: apperr.Conflict, ZH: "冲正记录不能再冲正", EN: "a reversal cannot be reversed"}
	}
	hd := header{source: FromReversal, reason: reason, planID: orig.PlanID, ruleID: orig.RuleID, ref: orig.Ref, reverses: &id}
	rid, err := begin(ctx, tx, key, hash, hd)
	if err != nil {
		return nil, err
	}
	h, err := lockHolder(ctx, tx, orig.MemberID, orig.Kind)
	if err != nil {
		return nil, err
	}
	legs := make([]leg, len(orig.Postings))
	for i, p := range orig.Postings {
		switch {
		case p.MemberID == nil:
			legs[i] = leg{address: p.Account, kind: p.Kind, region: p.Region, shard: p.Shard, amount: -p.Amount}
		case *p.MemberID == h.id && p.Kind == h.kind:
			if legs[i], err = h.leg(ctx, tx, p.Region, -p.Amount); err != nil {
				return nil, err
			}
		default:
			return nil, fmt.Errorf("reverse transaction %d: legs of several members or kinds", id)
		}
	}
	return s.complete(ctx, tx, rid, key, hd, legs, months)
}

// afterLostRace answers a reversal that found the transaction reversed: the
// first result if its key did it with the same request, else a conflict.
func (s *Service) afterLostRace(ctx context.Context, id int64, key string, hash []byte) (*Transaction, error) {
	var out *Transaction
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var first []byte
		var firstID int64
		err := tx.QueryRow(ctx, "SELECT request_hash, transaction_id FROM point_idempotency WHERE key = ?", key).Scan(&first, &firstID)
		if err == nil {
			if !bytes.Equal(first, hash) {
				return keyConflict(firstID)
			}
			if out, err = loadTransaction(ctx, tx, firstID); out != nil {
				out.Replayed = true
			}
			return err
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var by int64
		if err := tx.QueryRow(ctx, "SELECT id FROM point_transactions WHERE reverses_id = ?", id).Scan(&by); err != nil {
			return err
		}
		return &apperr.Error{Code: apperr.Conflict, ZH: "该记账已冲正（冲正记账 " + itoa(by) + "）",
			EN: "this transaction was already reversed (by transaction " + itoa(by) + ")"}
	})
	return out, err
}

// months is the tier evaluation period, read before the database
// transaction when upgrade points may be posted.
func (s *Service) months(ctx context.Context, upgrade bool) (int, error) {
	if !upgrade || s.Members == nil {
		return member.DefaultEvaluationMonths, nil
	}
	return s.Members.EvaluationMonths(ctx)
}
