package card

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

const cardColumns = `c.id, c.number, c.batch_id, c.design_id, d.name, c.node_id, n.code, n.name, c.node_path, c.status,
	c.member_id, c.issued_at, COALESCE(c.delivery_method, ''), COALESCE(c.delivery_status, ''), c.tracking_no, c.delivered_at,
	c.blocked_at, c.block_reason, COALESCE(r.number, ''), COALESCE(p.number, ''), c.reissue_fee_fen, c.created_at, c.updated_at`

const cardFrom = ` FROM cards c JOIN card_designs d ON d.id = c.design_id JOIN org_nodes n ON n.id = c.node_id
	LEFT JOIN cards r ON r.id = c.replaced_by LEFT JOIN cards p ON p.replaced_by = c.id`

func scanCard(sc interface{ Scan(...any) error }) (*Card, error) {
	var c Card
	err := sc.Scan(&c.ID, &c.Number, &c.BatchID, &c.DesignID, &c.DesignName, &c.CityID, &c.CityCode, &c.CityName, &c.NodePath,
		&c.Status, &c.MemberID, &c.IssuedAt, &c.Delivery, &c.DeliveryStatus, &c.Tracking, &c.DeliveredAt,
		&c.BlockedAt, &c.BlockReason, &c.ReplacedBy, &c.Replaces, &c.ReissueFeeFen, &c.CreatedAt, &c.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "number", ZH: "会员卡不存在", EN: "card not found"}
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// cardWhere reads one card; lock takes its row lock for the transaction.
func cardWhere(ctx context.Context, tx *db.Tx, lock bool, where string, args ...any) (*Card, error) {
	q := "SELECT " + cardColumns + cardFrom + " WHERE " + where
	if lock {
		q += tx.ForUpdateOf("c")
	}
	return scanCard(tx.QueryRow(ctx, q, args...))
}

func cardByNumber(ctx context.Context, tx *db.Tx, number string, lock bool) (*Card, error) {
	return cardWhere(ctx, tx, lock, "c.number = ?", number)
}

func cardByID(ctx context.Context, tx *db.Tx, id int64) (*Card, error) {
	return cardWhere(ctx, tx, false, "c.id = ?", id)
}

// Lookup finds a card by its number as typed or scanned (查卡), for staff at
// events and merchants: the card says whose it is and whether it is usable.
// A lost or replaced card is found with status Blocked, so it can be
// refused; a number with a wrong check digit is refused as a typo.
func (s *Service) Lookup(ctx context.Context, number string) (*Card, error) {
	n, err := checkNumber("number", number)
	if err != nil {
		return nil, err
	}
	var c *Card
	err = s.DB.View(ctx, func(tx *db.Tx) (err error) {
		c, err = cardByNumber(ctx, tx, n, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("look up card: %w", err)
	}
	return c, nil
}

// CardsOf returns every card a member has held, the newest first: the
// usable one and the blocked ones it replaced.
func (s *Service) CardsOf(ctx context.Context, memberID int64) ([]Card, error) {
	out := []Card{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+cardColumns+cardFrom+" WHERE c.member_id = ? ORDER BY c.issued_at DESC, c.id DESC", memberID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanCard(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("cards of member %d: %w", memberID, err)
	}
	return out, nil
}
