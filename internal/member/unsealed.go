package member

import (
	"context"

	"estateclub/internal/db"
)

// Unsealed reads a member inside tx with the personal data in clear, for
// the member's own copy of their data (个人信息副本, PIPL). It records
// nothing: the caller audits what it does with it.
func (s *Service) Unsealed(ctx context.Context, tx *db.Tx, id int64) (*Member, *PII, error) {
	r, err := s.loadRow(ctx, tx, "m.id = ?", id)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.open(r)
	if err != nil {
		return nil, nil, err
	}
	return &r.Member, p, nil
}
