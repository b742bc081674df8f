package card

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

// Design is a card design (会员卡卡面): what a batch of cards looks like
// and, optionally, the tier whose members receive it.
type Design struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Tier        string    `json:"tier,omitempty"` // "" for any tier
	Description string    `json:"description,omitempty"`
	Active      bool      `json:"active"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// NewDesign is the input of CreateDesign.
type NewDesign struct {
	Name        string `json:"name"`
	Tier        string `json:"tier"` // a tier code, or "" for any tier
	Description string `json:"description"`
}

// DesignUpdate lists what UpdateDesign may change; nil leaves a field as it is.
type DesignUpdate struct {
	Name        *string `json:"name"`
	Tier        *string `json:"tier"`
	Description *string `json:"description"`
	Active      *bool   `json:"active"`
}

// DesignFilter selects designs.
type DesignFilter struct {
	ActiveOnly bool
	Tier       string // designs for this tier or for any tier
}

const designColumns = "id, name, COALESCE(tier, ''), description, active, created_at, updated_at"

// CreateDesign adds a card design, active.
func (s *Service) CreateDesign(ctx context.Context, in NewDesign) (*Design, error) {
	d := Design{Active: true}
	var err error
	if d.Name, d.Tier, d.Description, err = checkDesign(in.Name, in.Tier, in.Description); err != nil {
		return nil, err
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := checkTier(ctx, tx, d.Tier); err != nil {
			return err
		}
		d.CreatedAt, d.UpdatedAt = tx.Now, tx.Now
		d.ID, err = tx.InsertID(ctx, `INSERT INTO card_designs (name, tier, description, active, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)`, d.Name, nullText(d.Tier), d.Description, true, tx.Now, tx.Now)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Field: "name", ZH: "卡面名称 " + d.Name + " 已存在", EN: "a card design named " + d.Name + " exists"}
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "card.design.create", ObjectType: "card_design", ObjectID: d.ID,
			NodePath: rootPath, Summary: "新建会员卡卡面 " + d.Name, After: &d})
	})
	if err != nil {
		return nil, fmt.Errorf("create card design: %w", err)
	}
	return &d, nil
}

// UpdateDesign changes a design; an inactive design takes no new batches.
func (s *Service) UpdateDesign(ctx context.Context, id int64, u DesignUpdate) (*Design, error) {
	var out *Design
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := designByID(ctx, tx, id)
		if err != nil {
			return err
		}
		d := *old
		name, tier, desc := d.Name, d.Tier, d.Description
		if u.Name != nil {
			name = *u.Name
		}
		if u.Tier != nil {
			tier = *u.Tier
		}
		if u.Description != nil {
			desc = *u.Description
		}
		if u.Active != nil {
			d.Active = *u.Active
		}
		if d.Name, d.Tier, d.Description, err = checkDesign(name, tier, desc); err != nil {
			return err
		}
		if err := checkTier(ctx, tx, d.Tier); err != nil {
			return err
		}
		if d == *old {
			out = old
			return nil
		}
		d.UpdatedAt = tx.Now
		_, err = tx.Exec(ctx, `UPDATE card_designs SET name = ?, tier = ?, description = ?, active = ?, updated_at = ? WHERE id = ?`,
			d.Name, nullText(d.Tier), d.Description, d.Active, tx.Now, id)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Field: "name", ZH: "卡面名称 " + d.Name + " 已存在", EN: "a card design named " + d.Name + " exists"}
		}
		if err != nil {
			return err
		}
		out = &d
		return audit.Record(ctx, tx, audit.Change{Action: "card.design.update", ObjectType: "card_design", ObjectID: id,
			NodePath: rootPath, Summary: "修改会员卡卡面 " + d.Name, Before: old, After: &d})
	})
	if err != nil {
		return nil, fmt.Errorf("update card design: %w", err)
	}
	return out, nil
}

// ListDesigns returns the designs matching f by name, and their count.
func (s *Service) ListDesigns(ctx context.Context, f DesignFilter) ([]Design, int, error) {
	var conds []string
	var args []any
	if f.ActiveOnly {
		conds = append(conds, "active = ?")
		args = append(args, true)
	}
	if f.Tier != "" {
		conds = append(conds, "(tier IS NULL OR tier = ?)")
		args = append(args, f.Tier)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	out := []Design{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+designColumns+" FROM card_designs"+where+" ORDER BY name, id", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDesign(rows)
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list card designs: %w", err)
	}
	return out, len(out), nil
}

func scanDesign(sc interface{ Scan(...any) error }) (*Design, error) {
	var d Design
	err := sc.Scan(&d.ID, &d.Name, &d.Tier, &d.Description, &d.Active, &d.CreatedAt, &d.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: "design", ZH: "会员卡卡面不存在", EN: "card design not found"}
	}
	return &d, err
}

func designByID(ctx context.Context, tx *db.Tx, id int64) (*Design, error) {
	return scanDesign(tx.QueryRow(ctx, "SELECT "+designColumns+" FROM card_designs WHERE id = ?", id))
}

func checkDesign(name, tier, desc string) (string, string, string, error) {
	name, desc, tier = strings.TrimSpace(name), strings.TrimSpace(desc), strings.TrimSpace(tier)
	switch {
	case name == "":
		return "", "", "", apperr.Field("name", "请填写卡面名称", "the design name is required")
	case utf8.RuneCountInString(name) > 64:
		return "", "", "", apperr.Field("name", "卡面名称不能超过 64 个字", "the design name must be at most 64 characters")
	case utf8.RuneCountInString(desc) > 1000:
		return "", "", "", apperr.Field("description", "说明不能超过 1000 个字", "the description must be at most 1000 characters")
	}
	return name, tier, desc, nil
}

func checkTier(ctx context.Context, tx *db.Tx, tier string) error {
	if tier == "" {
		return nil
	}
	n, err := tx.Count(ctx, "SELECT count(*) FROM tiers WHERE code = ?", tier)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.Field("tier", "会员等级 "+tier+" 不存在", "there is no tier "+tier)
	}
	return nil
}

// rootPath scopes group-wide card settings (designs, the number prefix) in
// the audit log: the group node every database starts with.
var rootPath = fmt.Sprintf("/%d/", org.RootID)

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
