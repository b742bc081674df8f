package card

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

// MaxFeeFen is the highest reissue fee (补办费) accepted: ¥1,000.
const MaxFeeFen = 100_000

// ReissueRequest is the input of Reissue (补办).
type ReissueRequest struct {
	Number   string   `json:"number"` // the lost or damaged card
	Reason   string   `json:"reason"` // 遗失, 损坏 …
	FeeFen   int64    `json:"fee_fen"`
	Delivery Delivery `json:"delivery"` // how the new card reaches the member
	Tracking string   `json:"tracking"`
}

func checkReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.Field("reason", "请填写原因", "a reason is required")
	}
	if utf8.RuneCountInString(s) > 200 {
		return "", apperr.Field("reason", "原因不能超过 200 个字", "the reason must be at most 200 characters")
	}
	return s, nil
}

// ReportLost blocks an issued card at once (挂失): lookups then show it
// blocked and merchants refuse it. Reissue gives the member a new one.
func (s *Service) ReportLost(ctx context.Context, number, reason string) (*Card, error) {
	n, err := checkNumber("number", number)
	if err != nil {
		return nil, err
	}
	if reason, err = checkReason(reason); err != nil {
		return nil, err
	}
	var c *Card
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := cardByNumber(ctx, tx, n, true)
		if err != nil {
			return err
		}
		if old.Status != Issued {
			return notIssued(old)
		}
		if err := block(ctx, tx, old.ID, reason); err != nil {
			return err
		}
		if c, err = cardByID(ctx, tx, old.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{
			Action: "card.lost", ObjectType: "card", ObjectID: n, NodePath: c.NodePath, Before: old, After: c,
			Summary: "挂失会员卡 " + n + "：" + reason,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("report card lost: %w", err)
	}
	return c, nil
}

// Reissue replaces a member's card (补办): in one transaction the old card
// is blocked (unless already reported lost), a new one is issued from the
// same city company's stock, the old card points to it, and the fee is
// recorded on the new card. It returns the new card.
func (s *Service) Reissue(ctx context.Context, req ReissueRequest) (*Card, error) {
	n, err := checkNumber("number", req.Number)
	if err != nil {
		return nil, err
	}
	reason, err := checkReason(req.Reason)
	if err != nil {
		return nil, err
	}
	if req.FeeFen < 0 || req.FeeFen > MaxFeeFen {
		return nil, apperr.Field("fee_fen", "补办费须在 0 到 1000 元之间", "the reissue fee must be between 0 and 1,000 yuan")
	}
	method, err := ParseDelivery(string(req.Delivery))
	if err != nil {
		return nil, err
	}
	tracking, err := checkTracking(method, req.Tracking)
	if err != nil {
		return nil, err
	}
	var c *Card
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := cardByNumber(ctx, tx, n, true)
		if err != nil {
			return err
		}
		switch {
		case old.Status == Blocked && old.ReplacedBy != "":
			return &apperr.Error{Code: apperr.Conflict, Field: "number", ZH: "会员卡 " + n + " 已补办为 " + old.ReplacedBy,
				EN: "card " + n + " was already replaced by " + old.ReplacedBy}
		case old.Status != Issued && old.Status != Blocked:
			return notIssued(old)
		}
		h, err := lockHolder(ctx, tx, *old.MemberID)
		if err != nil {
			return err
		}
		// The new card comes from the stock the old one came from.
		if h.city, err = org.ByID(ctx, tx, old.CityID); err != nil {
			return err
		}
		if old.Status == Issued {
			if err := block(ctx, tx, old.ID, reason); err != nil {
				return err
			}
		}
		if c, err = issueTx(ctx, tx, h, pick{}, method, tracking, req.FeeFen); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE cards SET replaced_by = ?, updated_at = ? WHERE id = ?", c.ID, tx.Now, old.ID); err != nil {
			return err
		}
		if c, err = cardByID(ctx, tx, c.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{
			Action: "card.reissue", ObjectType: "card", ObjectID: n, NodePath: c.NodePath, Before: old, After: c,
			Summary: fmt.Sprintf("补办会员卡 %s → %s（%s，补办费 %d.%02d 元）", n, c.Number, reason, req.FeeFen/100, req.FeeFen%100),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reissue card: %w", err)
	}
	return c, nil
}

// Void takes a damaged or misprinted card out of stock (作废).
func (s *Service) Void(ctx context.Context, number, reason string) (*Card, error) {
	n, err := checkNumber("number", number)
	if err != nil {
		return nil, err
	}
	if reason, err = checkReason(reason); err != nil {
		return nil, err
	}
	var c *Card
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := cardByNumber(ctx, tx, n, true)
		if err != nil {
			return err
		}
		if old.Status != InStock {
			return &apperr.Error{Code: apperr.Conflict, Field: "number", ZH: "只有在库的会员卡才能作废", EN: "only cards in stock can be voided"}
		}
		if _, err := tx.Exec(ctx, "UPDATE cards SET status = 'void', blocked_at = ?, block_reason = ?, updated_at = ? WHERE id = ?",
			tx.Now, reason, tx.Now, old.ID); err != nil {
			return err
		}
		if c, err = cardByID(ctx, tx, old.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{
			Action: "card.void", ObjectType: "card", ObjectID: n, NodePath: c.NodePath, Before: old, After: c,
			Summary: "作废会员卡 " + n + "：" + reason,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("void card: %w", err)
	}
	return c, nil
}

func block(ctx context.Context, tx *db.Tx, id int64, reason string) error {
	_, err := tx.Exec(ctx, "UPDATE cards SET status = 'blocked', blocked_at = ?, block_reason = ?, updated_at = ? WHERE id = ? AND status = 'issued'",
		tx.Now, reason, tx.Now, id)
	return err
}

func notIssued(c *Card) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "number",
		ZH: "会员卡 " + c.Number + " 未发出或已停用（" + c.Status.Label("zh-CN") + "）",
		EN: "card " + c.Number + " is not in use (" + string(c.Status) + ")"}
}
