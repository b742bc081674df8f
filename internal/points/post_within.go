package points

import (
	"context"
	"errors"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// postWithin posts an entry inside a transaction the caller opened, for
// use cases that post and record their own rows at once (an award with
// its event, an adjustment with its approval), with the evaluation period
// of upgrade points read beforehand. A key used before fails the whole
// transaction with a conflict: callers derive keys from rows they have
// just claimed, so a used key means someone posted with it by hand.
func (s *Service) postWithin(ctx context.Context, tx *db.Tx, e Entry, months int) (*Transaction, error) {
	e, err := e.normalize()
	if err != nil {
		return nil, err
	}
	t, err := s.post(ctx, tx, e, months)
	var r *replayed
	if errors.As(err, &r) {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "idempotency_key",
			ZH: "幂等键 " + e.IdempotencyKey + " 已被记账 " + itoa(r.tx.ID) + " 使用",
			EN: "the idempotency key " + e.IdempotencyKey + " was used by transaction " + itoa(r.tx.ID)}
	}
	return t, err
}
