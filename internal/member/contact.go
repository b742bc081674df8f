package member

import (
	"context"
	"fmt"

	"estateclub/internal/db"
)

// TextContact returns, inside tx, the mobile number of a member who
// consented to text messages, and "" for a member who did not, who closed
// their membership or who does not exist: a service that texts members (the
// survey engine's links) asks here and texts nobody else. Nothing is
// audited: the number goes to the SMS service only, which stores it sealed.
func (s *Service) TextContact(ctx context.Context, tx *db.Tx, id int64) (string, error) {
	var enc []byte
	var idx string
	var consent bool
	var status Status
	err := tx.QueryRow(ctx, "SELECT mobile_enc, mobile_idx, consent_sms, status FROM members WHERE id = ?", id).
		Scan(&enc, &idx, &consent, &status)
	if isNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("member %d contact: %w", id, err)
	}
	if !consent || status == Closed {
		return "", nil
	}
	mobile, err := s.Keys.Open(enc, aad("mobile", idx))
	if err != nil {
		return "", fmt.Errorf("member %d: decrypt mobile: %w", id, err)
	}
	return mobile, nil
}
