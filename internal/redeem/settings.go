package redeem

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/points"
)

const autoApproveKey = "redeem.auto_approve_below"

// AutoApproveBelow is the auto-approval threshold (自动审批额度): an order
// of fewer points is approved as it is placed. 0 (the default): every
// order waits for a supervisor.
func (s *Service) AutoApproveBelow(ctx context.Context) (int64, error) {
	var n int64
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		n, err = autoApproveBelow(ctx, tx)
		return err
	})
	return n, err
}

func autoApproveBelow(ctx context.Context, tx *db.Tx) (int64, error) {
	var v string
	err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", autoApproveKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// SetAutoApproveBelow changes the auto-approval threshold (0 turns
// automatic approval off).
func (s *Service) SetAutoApproveBelow(ctx context.Context, pts int64) error {
	if pts < 0 || pts > points.MaxAmount {
		return apperr.Field("auto_approve_below", fmt.Sprintf("自动审批额度须为 0–%d 积分", points.MaxAmount),
			fmt.Sprintf("the auto-approval threshold must be 0–%d points", points.MaxAmount))
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := autoApproveBelow(ctx, tx)
		if err != nil || old == pts {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, autoApproveKey, strconv.FormatInt(pts, 10), tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "redeem.auto_approve", ObjectType: "setting", ObjectID: autoApproveKey, NodePath: "/1/",
			Summary: fmt.Sprintf("兑换自动审批额度 %d → %d 积分", old, pts), Before: old, After: pts})
	})
	if err != nil {
		return fmt.Errorf("set auto-approval threshold: %w", err)
	}
	return nil
}
