package points

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// The group's points settings, kept in the settings table.
const (
	expiryYearsKey   = "points.expiry_years"
	spendAnywhereKey = "points.spend_anywhere"
	settingsPath     = "/1/"
)

// DefaultExpiryYears is the validity of reward points until the group
// supervisor sets one: points earned in year N expire at the end of N+1.
const DefaultExpiryYears = 1

// MaxExpiryYears bounds the validity.
const MaxExpiryYears = 10

// ExpiryYears is the validity of reward points (有效期): points earned in
// year N expire at the end of year N+years, the oldest spent first. 0 means
// reward points never expire.
func (s *Service) ExpiryYears(ctx context.Context) (int, error) {
	var n int
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		n, err = pointSetting(ctx, tx, expiryYearsKey, DefaultExpiryYears)
		return err
	})
	return n, err
}

// SetExpiryYears changes the validity of reward points (0–10 years; 0:
// never expire). It applies from the next year-end run on.
func (s *Service) SetExpiryYears(ctx context.Context, years int) error {
	if years < 0 || years > MaxExpiryYears {
		return apperr.Field("expiry_years", "奖励积分有效期须为 0–"+strconv.Itoa(MaxExpiryYears)+" 年（0 为永不过期）",
			"the validity of reward points must be 0–"+strconv.Itoa(MaxExpiryYears)+" years (0: never expire)")
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := pointSetting(ctx, tx, expiryYearsKey, DefaultExpiryYears)
		if err != nil || old == years {
			return err
		}
		if err := putPointSetting(ctx, tx, expiryYearsKey, strconv.Itoa(years)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "points.expiry_years", ObjectType: "setting", ObjectID: expiryYearsKey,
			NodePath: settingsPath, Summary: "奖励积分有效期 " + strconv.Itoa(old) + " → " + strconv.Itoa(years) + " 年", Before: old, After: years})
	})
	if err != nil {
		return fmt.Errorf("set expiry years: %w", err)
	}
	return nil
}

// SpendAnywhere reports whether the group lets reward points be spent in
// every region. By default (false) points earned in a region are spent
// only there (积分只在入会的区域生效).
func (s *Service) SpendAnywhere(ctx context.Context) (bool, error) {
	var on bool
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		on, err = SpendAnywhereTx(ctx, tx)
		return err
	})
	return on, err
}

// SpendAnywhereTx reads the region-scope setting inside tx.
func SpendAnywhereTx(ctx context.Context, tx *db.Tx) (bool, error) {
	n, err := pointSetting(ctx, tx, spendAnywhereKey, 0)
	return n == 1, err
}

// SetSpendAnywhere changes the group's region scope of reward points.
func (s *Service) SetSpendAnywhere(ctx context.Context, on bool) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := SpendAnywhereTx(ctx, tx)
		if err != nil || old == on {
			return err
		}
		v, summary := "0", "奖励积分只能在获得的区域使用"
		if on {
			v, summary = "1", "奖励积分可在所有区域使用"
		}
		if err := putPointSetting(ctx, tx, spendAnywhereKey, v); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "points.spend_anywhere", ObjectType: "setting", ObjectID: spendAnywhereKey,
			NodePath: settingsPath, Summary: summary, Before: old, After: on})
	})
	if err != nil {
		return fmt.Errorf("set region scope: %w", err)
	}
	return nil
}

func pointSetting(ctx context.Context, tx *db.Tx, key string, def int) (int, error) {
	var v string
	err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return def, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read setting %s: %w", key, err)
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("setting %s: %w", key, err)
	}
	return n, nil
}

func putPointSetting(ctx context.Context, tx *db.Tx, key, value string) error {
	_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, value, tx.Now)
	return err
}
