package member

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// DefaultEvaluationMonths is the tier evaluation period (评定周期) until the
// group supervisor sets one: upgrade points earned in the last 12 months count.
const DefaultEvaluationMonths = 12

const periodKey = "tier.evaluation_months"

// EvaluationMonths is the tier evaluation period in months: the points
// ledger sums the upgrade points of this many months before it calls
// EvaluateTier.
func (s *Service) EvaluationMonths(ctx context.Context) (int, error) {
	n := DefaultEvaluationMonths
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var v string
		err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", periodKey).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		n, err = strconv.Atoi(v)
		return err
	})
	return n, err
}

// SetEvaluationMonths changes the tier evaluation period (1–60 months).
func (s *Service) SetEvaluationMonths(ctx context.Context, months int) error {
	if months < 1 || months > 60 {
		return apperr.Field("evaluation_months", "评定周期须为 1–60 个月", "the evaluation period must be 1–60 months")
	}
	old, err := s.EvaluationMonths(ctx)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, periodKey, strconv.Itoa(months), tx.Now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "tier.period", ObjectType: "setting", ObjectID: periodKey, NodePath: "/1/",
			Summary: "会员等级评定周期 " + strconv.Itoa(old) + " → " + strconv.Itoa(months) + " 个月", Before: old, After: months})
	})
}
