package redeem

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
	"estateclub/internal/points"
)

// NewItem is the input of CreateItem.
type NewItem struct {
	NodeCode    string     `json:"node_code"` // who offers it
	Kind        Kind       `json:"kind"`
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Price       int64      `json:"price"`
	Stock       *int64     `json:"stock"`        // nil: unlimited
	MemberLimit *int       `json:"member_limit"` // nil: no limit
	ValidFrom   *time.Time `json:"valid_from"`
	ValidTo     *time.Time `json:"valid_to"`
	Inactive    bool       `json:"inactive"` // made hidden, to publish later
}

// ItemUpdate lists what an update may change; nil leaves a field as it is.
type ItemUpdate struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Price       *int64  `json:"price"` // applies to later orders
	Stock       *int64  `json:"stock"` // -1: unlimited
	// StockDelta adds (or, negative, removes) units to the stock as it is
	// when the row is locked, so that orders placed meanwhile are not lost.
	StockDelta  *int64     `json:"stock_delta"`
	MemberLimit *int       `json:"member_limit"`
	ValidFrom   *time.Time `json:"valid_from"` // zero time: no start
	ValidTo     *time.Time `json:"valid_to"`   // zero time: no end
	Active      *bool      `json:"active"`
}

// Limits of an item's fields.
const (
	MaxStock       = 1_000_000_000
	MaxMemberLimit = 1000
	MaxQuantity    = 100
)

// check validates the item's fields.
func (it *Item) check() error {
	it.Name, it.Description = strings.TrimSpace(it.Name), strings.TrimSpace(it.Description)
	switch {
	case it.Kind != KindGift && it.Kind != KindVoucher && it.Kind != KindService:
		return apperr.Field("kind", "类型须为礼品、商家优惠券或服务", "kind must be gift, voucher or service")
	case it.Name == "" || utf8.RuneCountInString(it.Name) > 100:
		return apperr.Field("name", "请填写名称（最多 100 字）", "a name of at most 100 characters is required")
	case utf8.RuneCountInString(it.Description) > 2000:
		return apperr.Field("description", "说明最多 2000 字", "description: at most 2000 characters")
	case it.Price <= 0 || it.Price > points.MaxAmount:
		return apperr.Field("price", fmt.Sprintf("兑换积分须为 1–%d 的整数", points.MaxAmount), fmt.Sprintf("the price must be 1–%d points", points.MaxAmount))
	case it.Stock != nil && (*it.Stock < 0 || *it.Stock > MaxStock):
		return apperr.Field("stock", "库存须为 0 或正整数（不填为不限）", "stock must be zero or more (empty: unlimited)")
	case it.MemberLimit != nil && (*it.MemberLimit < 1 || *it.MemberLimit > MaxMemberLimit):
		return apperr.Field("member_limit", fmt.Sprintf("每人限兑须为 1–%d 件（不填为不限）", MaxMemberLimit), fmt.Sprintf("the limit per member must be 1–%d (empty: no limit)", MaxMemberLimit))
	case it.ValidFrom != nil && it.ValidTo != nil && !it.ValidTo.After(*it.ValidFrom):
		return apperr.Field("valid_to", "结束时间须晚于开始时间", "the end must be after the start")
	}
	return nil
}

// CreateItem adds an item to the catalogue of a node.
func (s *Service) CreateItem(ctx context.Context, in NewItem) (*Item, error) {
	it := &Item{Kind: in.Kind, Name: in.Name, Description: in.Description, Price: in.Price, Stock: in.Stock,
		MemberLimit: in.MemberLimit, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo, Active: !in.Inactive}
	if err := it.check(); err != nil {
		return nil, err
	}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		code := org.NormalizeCode(in.NodeCode)
		err := tx.QueryRow(ctx, "SELECT id, code, name, path FROM org_nodes WHERE code = ?", code).Scan(&it.NodeID, &it.NodeCode, &it.NodeName, &it.NodePath)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Field("node_code", "组织节点 "+code+" 不存在", "org node "+code+" does not exist")
		}
		if err != nil {
			return err
		}
		it.CreatedAt, it.UpdatedAt = tx.Now, tx.Now
		it.ID, err = tx.InsertID(ctx, `INSERT INTO redeem_items (node_id, node_path, kind, name, description, price, stock, member_limit,
			valid_from, valid_to, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			it.NodeID, it.NodePath, it.Kind, it.Name, it.Description, it.Price, it.Stock, it.MemberLimit, it.ValidFrom, it.ValidTo, it.Active, tx.Now, tx.Now)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "redeem.item.create", ObjectType: "redeem_item", ObjectID: it.ID,
			NodePath: it.NodePath, Summary: "新建兑换商品 " + it.Name, After: it})
	})
	if err != nil {
		return nil, fmt.Errorf("create redemption item: %w", err)
	}
	return it, nil
}

// UpdateItem changes an item. Orders already made keep their price.
func (s *Service) UpdateItem(ctx context.Context, id int64, u ItemUpdate) (*Item, error) {
	var out *Item
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := lockItem(ctx, tx, id)
		if err != nil {
			return err
		}
		it := *old
		u.apply(&it)
		if err := it.check(); err != nil {
			return err
		}
		it.UpdatedAt = tx.Now
		_, err = tx.Exec(ctx, `UPDATE redeem_items SET name = ?, description = ?, price = ?, stock = ?, member_limit = ?,
			valid_from = ?, valid_to = ?, active = ?, updated_at = ? WHERE id = ?`,
			it.Name, it.Description, it.Price, it.Stock, it.MemberLimit, it.ValidFrom, it.ValidTo, it.Active, tx.Now, id)
		if err != nil {
			return err
		}
		out = &it
		return audit.Record(ctx, tx, audit.Change{Action: "redeem.item.update", ObjectType: "redeem_item", ObjectID: id,
			NodePath: it.NodePath, Summary: "修改兑换商品 " + it.Name, Before: old, After: it})
	})
	if err != nil {
		return nil, fmt.Errorf("update redemption item: %w", err)
	}
	return out, nil
}

func (u ItemUpdate) apply(it *Item) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&it.Name, u.Name)
	set(&it.Description, u.Description)
	if u.Price != nil {
		it.Price = *u.Price
	}
	if u.Stock != nil {
		it.Stock = u.Stock
		if *u.Stock == -1 {
			it.Stock = nil
		}
	}
	if u.StockDelta != nil && it.Stock != nil {
		n := *it.Stock + *u.StockDelta
		it.Stock = &n
	}
	if u.MemberLimit != nil {
		it.MemberLimit = u.MemberLimit
		if *u.MemberLimit == 0 {
			it.MemberLimit = nil
		}
	}
	for _, t := range []struct{ dst, v **time.Time }{{&it.ValidFrom, &u.ValidFrom}, {&it.ValidTo, &u.ValidTo}} {
		if *t.v != nil {
			*t.dst = *t.v
			if (*t.v).IsZero() {
				*t.dst = nil
			}
		}
	}
	if u.Active != nil {
		it.Active = *u.Active
	}
}

// DeleteItem removes an item no order refers to; an item with orders is
// deactivated instead (Active false), keeping its history.
func (s *Service) DeleteItem(ctx context.Context, id int64) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		it, err := lockItem(ctx, tx, id)
		if err != nil {
			return err
		}
		n, err := tx.Count(ctx, "SELECT count(*) FROM redeem_orders WHERE item_id = ?", id)
		if err != nil {
			return err
		}
		if n > 0 {
			return &apperr.Error{Code: apperr.Conflict, ZH: "该商品已有兑换记录，不能删除，请改为下架", EN: "this item has orders: deactivate it instead"}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM redeem_items WHERE id = ?", id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "redeem.item.delete", ObjectType: "redeem_item", ObjectID: id,
			NodePath: it.NodePath, Summary: "删除兑换商品 " + it.Name, Before: it})
	})
	if err != nil {
		return fmt.Errorf("delete redemption item: %w", err)
	}
	return nil
}

// Item reads one catalogue item.
func (s *Service) Item(ctx context.Context, id int64) (*Item, error) {
	var it *Item
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		it, err = scanItem(tx.QueryRow(ctx, "SELECT "+itemColumns+itemFrom+" WHERE i.id = ?", id))
		return err
	})
	return it, err
}

// ItemFilter selects catalogue items.
type ItemFilter struct {
	Within    []string // org paths of the staff member's scope; nil: everywhere
	Region    string   // offered in a region: its items and the group's; "" any
	Kind      Kind
	Active    *bool
	Available bool // active, within validity now and in stock
	Query     string
	Offset    int
	Limit     int // default 50, at most 500
}

// Items lists catalogue items by node and name, and how many match.
func (s *Service) Items(ctx context.Context, f ItemFilter) ([]Item, int, error) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds, args = append(conds, c), append(args, a...) }
	if f.Within != nil {
		c, a := db.PathsWhere("i.node_path", f.Within)
		add(c, a...)
	}
	if f.Region != "" {
		add(`(i.node_path LIKE ? ESCAPE '\' OR n.kind = 'group')`, db.Like(f.Region)+"%")
	}
	if f.Kind != "" {
		add("i.kind = ?", f.Kind)
	}
	if f.Active != nil {
		add("i.active = ?", *f.Active)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		add(`i.name LIKE ? ESCAPE '\'`, "%"+db.Like(q)+"%")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if f.Available {
		now := s.DB.Clock()
		add("i.active = ? AND (i.valid_from IS NULL OR i.valid_from <= ?) AND (i.valid_to IS NULL OR i.valid_to > ?) AND (i.stock IS NULL OR i.stock > 0)",
			true, now, now)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	out := []Item{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*)"+itemFrom+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+itemColumns+itemFrom+where+" ORDER BY i.node_path, i.name, i.id LIMIT ? OFFSET ?",
			append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			it, err := scanItem(rows)
			if err != nil {
				return err
			}
			out = append(out, *it)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list redemption items: %w", err)
	}
	return out, total, nil
}

const (
	itemColumns = `i.id, i.node_id, n.code, n.name, i.node_path, i.kind, i.name, i.description, i.price, i.stock, i.member_limit,
		i.valid_from, i.valid_to, i.active, i.created_at, i.updated_at`
	itemFrom = " FROM redeem_items i JOIN org_nodes n ON n.id = i.node_id"
)

func scanItem(sc interface{ Scan(...any) error }) (*Item, error) {
	var it Item
	err := sc.Scan(&it.ID, &it.NodeID, &it.NodeCode, &it.NodeName, &it.NodePath, &it.Kind, &it.Name, &it.Description, &it.Price,
		&it.Stock, &it.MemberLimit, &it.ValidFrom, &it.ValidTo, &it.Active, &it.CreatedAt, &it.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("兑换商品", "redemption item")
	}
	return &it, err
}

// lockItem reads an item and locks its row for the rest of tx: orders of
// one item take their stock one after the other.
func lockItem(ctx context.Context, tx *db.Tx, id int64) (*Item, error) {
	return scanItem(tx.QueryRow(ctx, "SELECT "+itemColumns+itemFrom+" WHERE i.id = ?"+tx.ForUpdateOf("i"), id))
}
