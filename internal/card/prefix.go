package card

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// settingPrefix is the settings key of the group's card number prefix.
const settingPrefix = "card.number_prefix"

// Prefix returns the group's card number prefix (卡号前缀), DefaultPrefix
// unless set.
func (s *Service) Prefix(ctx context.Context) (string, error) {
	var p string
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		p, err = prefixTx(ctx, tx)
		return err
	})
	return p, err
}

func prefixTx(ctx context.Context, tx *db.Tx) (string, error) {
	var p string
	err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", settingPrefix).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultPrefix, nil
	}
	return p, err
}

// SetPrefix sets the prefix of the numbers of later batches. Each prefix
// has its own sequence, and numbers carry their prefix, so changing it
// never reuses a number.
func (s *Service) SetPrefix(ctx context.Context, prefix string) error {
	p := strings.ToUpper(strings.TrimSpace(prefix))
	if !ValidPrefix(p) {
		return apperr.Field("prefix", "卡号前缀须为 2–6 位大写字母或数字", "the prefix must be 2–6 upper-case letters or digits")
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := prefixTx(ctx, tx)
		if err != nil || old == p {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, settingPrefix, p, tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "card.prefix", ObjectType: "setting", ObjectID: settingPrefix,
			NodePath: rootPath, Summary: "会员卡卡号前缀 " + old + " → " + p, Before: old, After: p})
	})
	if err != nil {
		return fmt.Errorf("set card number prefix: %w", err)
	}
	return nil
}
