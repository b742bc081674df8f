package redeem

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/points"
)

// Application is a request to redeem an item (兑换申请), made by the member
// (portal, API) or by staff on the member's behalf.
type Application struct {
	MemberID int64  `json:"member_id"`
	ItemID   int64  `json:"item_id"`
	Quantity int    `json:"quantity"` // default 1
	Note     string `json:"note"`     // address, size, time to pick up …
	// IdempotencyKey (幂等键) makes a double tap order once: the same key
	// with the same application returns the first order.
	IdempotencyKey string `json:"idempotency_key"`
}

func (a *Application) normalize() error {
	a.Note = strings.TrimSpace(a.Note)
	if a.Quantity == 0 {
		a.Quantity = 1
	}
	switch {
	case a.MemberID <= 0:
		return apperr.Field("member_id", "请指定会员", "a member is required")
	case a.ItemID <= 0:
		return apperr.Field("item_id", "请选择兑换商品", "an item is required")
	case a.Quantity < 1 || a.Quantity > MaxQuantity:
		return apperr.Field("quantity", "数量须为 1–"+strconv.Itoa(MaxQuantity), "quantity must be 1–"+strconv.Itoa(MaxQuantity))
	case utf8.RuneCountInString(a.Note) > 500:
		return apperr.Field("note", "备注最多 500 字", "note: at most 500 characters")
	}
	ok := a.IdempotencyKey != "" && len(a.IdempotencyKey) <= 128 && utf8.ValidString(a.IdempotencyKey)
	for _, r := range a.IdempotencyKey {
		ok = ok && unicode.IsPrint(r)
	}
	if !ok {
		return apperr.Field("idempotency_key", "请提供 1–128 个可见字符的幂等键", "an idempotency key of 1–128 printable characters is required")
	}
	return nil
}

func (a Application) hash() []byte {
	b, _ := json.Marshal(struct {
		MemberID, ItemID int64
		Quantity         int
		Note             string
	}{a.MemberID, a.ItemID, a.Quantity, a.Note})
	sum := sha256.Sum256(b)
	return sum[:]
}

// Apply places an order: in one transaction it takes the stock (never
// below zero), holds the points from the member's reward balance (a
// redemption debit in the item's region, or in every region when the
// group allows it), and approves the order at once when its points are
// under the auto-approval threshold. A member may only apply for
// themselves. The same idempotency key returns the first order.
func (s *Service) Apply(ctx context.Context, a Application) (*Order, error) {
	if err := a.normalize(); err != nil {
		return nil, err
	}
	if act := db.ActorFrom(ctx); act.Kind == "member" && act.ID != a.MemberID {
		return nil, apperr.ForbiddenErr()
	}
	hash := a.hash()
	var out *Order
	err := s.DB.Update(ctx, func(tx *db.Tx) (err error) {
		out, err = s.apply(ctx, tx, a, hash)
		return err
	})
	if db.IsUniqueViolation(err) {
		// The same key raced in for another item: answer as a retry.
		err = s.DB.View(ctx, func(tx *db.Tx) (err error) {
			out, err = replay(ctx, tx, a, hash)
			if err == nil && out == nil {
				err = errors.New("redeem: order key vanished")
			}
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("apply for redemption: %w", err)
	}
	return out, nil
}

func (s *Service) apply(ctx context.Context, tx *db.Tx, a Application, hash []byte) (*Order, error) {
	it, err := lockItem(ctx, tx, a.ItemID)
	if err != nil {
		return nil, err
	}
	if o, err := replay(ctx, tx, a, hash); o != nil || err != nil {
		return o, err
	}
	if err := orderable(ctx, tx, it, a); err != nil {
		return nil, err
	}
	m, err := memberOf(ctx, tx, a.MemberID)
	if err != nil {
		return nil, err
	}
	o := &Order{ItemID: it.ID, ItemName: it.Name, ItemKind: it.Kind, MemberID: m.id, MemberName: m.name, NodePath: it.NodePath,
		Quantity: a.Quantity, Points: it.Price * int64(a.Quantity), Status: Applied, Note: a.Note,
		AppliedKind: tx.Actor.Kind, AppliedBy: tx.Actor.Login, CreatedAt: tx.Now, UpdatedAt: tx.Now}
	threshold, err := autoApproveBelow(ctx, tx)
	if err != nil {
		return nil, err
	}
	if o.Points < threshold {
		o.Status, o.AutoApproved, o.ApprovedBy, o.ApprovedAt = Approved, true, "system", &tx.Now
	}
	if it.Stock != nil {
		res, err := tx.Exec(ctx, "UPDATE redeem_items SET stock = stock - ?, updated_at = ? WHERE id = ? AND stock >= ?", a.Quantity, tx.Now, it.ID, a.Quantity)
		if err != nil {
			return nil, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, err
		}
		if n != 1 {
			return nil, &apperr.Error{Code: apperr.Conflict, Field: "quantity",
				ZH: "库存不足：剩余 " + strconv.FormatInt(*it.Stock, 10) + " 件", EN: "out of stock: " + strconv.FormatInt(*it.Stock, 10) + " left"}
		}
	}
	o.ID, err = tx.InsertID(ctx, `INSERT INTO redeem_orders (item_id, member_id, node_path, quantity, points, status, note,
		idempotency_key, request_hash, applied_kind, applied_id, applied_by, auto_approved, approved_by, approved_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ItemID, o.MemberID, o.NodePath, o.Quantity, o.Points, o.Status, o.Note, a.IdempotencyKey, hash,
		o.AppliedKind, nullID(tx.Actor.ID), o.AppliedBy, o.AutoApproved, o.ApprovedBy, o.ApprovedAt, tx.Now, tx.Now)
	if err != nil {
		return nil, err
	}
	if o.Holds, err = s.hold(ctx, tx, o, it, m); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("兑换申请：%s ×%d，%d 积分", it.Name, o.Quantity, o.Points)
	if o.AutoApproved {
		summary += "（低于自动审批额度，已自动批准）"
	}
	return o, audit.Record(ctx, tx, audit.Change{Action: "redeem.apply", ObjectType: "redeem_order", ObjectID: o.ID,
		NodePath: o.NodePath, Summary: summary, After: o})
}

// replay returns the order an idempotency key made already, nil if none.
func replay(ctx context.Context, tx *db.Tx, a Application, hash []byte) (*Order, error) {
	var id int64
	var first []byte
	err := tx.QueryRow(ctx, "SELECT id, request_hash FROM redeem_orders WHERE member_id = ? AND idempotency_key = ?",
		a.MemberID, a.IdempotencyKey).Scan(&id, &first)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(first, hash) {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "idempotency_key",
			ZH: "该幂等键已用于另一兑换申请（订单 " + strconv.FormatInt(id, 10) + "）",
			EN: "this idempotency key was already used for another application (order " + strconv.FormatInt(id, 10) + ")"}
	}
	o, err := loadOrder(ctx, tx, id)
	if o != nil {
		o.Replayed = true
	}
	return o, err
}

// orderable checks the item is on offer now and the member's limit.
func orderable(ctx context.Context, tx *db.Tx, it *Item, a Application) error {
	switch {
	case !it.Active:
		return &apperr.Error{Code: apperr.Conflict, Field: "item_id", ZH: "该商品已下架", EN: "this item is not on offer"}
	case it.ValidFrom != nil && tx.Now.Before(*it.ValidFrom):
		return &apperr.Error{Code: apperr.Conflict, Field: "item_id", ZH: "该商品尚未开始兑换", EN: "this item cannot be redeemed yet"}
	case it.ValidTo != nil && !tx.Now.Before(*it.ValidTo):
		return &apperr.Error{Code: apperr.Conflict, Field: "item_id", ZH: "该商品兑换已结束", EN: "this item can no longer be redeemed"}
	case it.Price*int64(a.Quantity) > points.MaxAmount:
		return apperr.Field("quantity", "兑换积分超过上限", "too many points for one order")
	}
	if it.MemberLimit == nil {
		return nil
	}
	var had int
	err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(quantity), 0) FROM redeem_orders
		WHERE member_id = ? AND item_id = ? AND status NOT IN ('rejected', 'cancelled')`, a.MemberID, it.ID).Scan(&had)
	if err != nil {
		return err
	}
	if had+a.Quantity > *it.MemberLimit {
		return &apperr.Error{Code: apperr.Conflict, Field: "quantity",
			ZH: fmt.Sprintf("每位会员限兑 %d 件，已兑 %d 件", *it.MemberLimit, had),
			EN: fmt.Sprintf("at most %d per member; %d redeemed already", *it.MemberLimit, had)}
	}
	return nil
}

type memberRow struct {
	id         int64
	name, path string
}

// memberOf reads the member who redeems: only members (正式会员) may.
func memberOf(ctx context.Context, tx *db.Tx, id int64) (*memberRow, error) {
	m := &memberRow{id: id}
	var status member.Status
	err := tx.QueryRow(ctx, "SELECT name, node_path, status FROM members WHERE id = ?", id).Scan(&m.name, &m.path, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("会员", "member")
	}
	if err == nil && status != member.Active {
		err = &apperr.Error{Code: apperr.Conflict, Field: "member_id", ZH: "只有正式会员可以兑换", EN: "only approved members can redeem"}
	}
	return m, err
}

// hold takes the order's points from the member's reward balances through
// the ledger: from the item's region (the member's own for an item of the
// group) and, when the group lets points be spent anywhere, then from the
// member's other regions.
func (s *Service) hold(ctx context.Context, tx *db.Tx, o *Order, it *Item, m *memberRow) ([]Hold, error) {
	home := points.RegionOf(it.NodePath)
	if home == "" {
		home = points.RegionOf(m.path)
	}
	anywhere, err := points.SpendAnywhereTx(ctx, tx)
	if err != nil {
		return nil, err
	}
	balances, err := points.RegionBalancesTx(ctx, tx, m.id, points.Reward)
	if err != nil {
		return nil, err
	}
	regions := []string{home}
	if anywhere {
		var others []string
		for r, b := range balances {
			if r != home && b > 0 {
				others = append(others, r)
			}
		}
		sort.Strings(others)
		regions = append(regions, others...)
	}
	var have int64
	for _, r := range regions {
		have += balances[r]
	}
	if have < o.Points {
		return nil, insufficient(have, o.Points, anywhere)
	}
	var holds []Hold
	left := o.Points
	for _, r := range regions {
		take := min(left, balances[r])
		if take <= 0 {
			continue
		}
		t, err := s.Points.PostTx(ctx, tx, points.Entry{MemberID: m.id, Kind: points.Reward, Region: r, Amount: -take,
			Source: points.FromRedemption, Reason: fmt.Sprintf("兑换 %s ×%d", it.Name, o.Quantity), Ref: orderRef(o.ID),
			IdempotencyKey: orderRef(o.ID) + ":hold:" + r})
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO redeem_holds (order_id, region_path, points, transaction_id) VALUES (?, ?, ?, ?)",
			o.ID, r, take, t.ID); err != nil {
			return nil, err
		}
		holds = append(holds, Hold{Region: r, Points: take, TransactionID: t.ID})
		left -= take
	}
	return holds, nil
}

func insufficient(have, need int64, anywhere bool) error {
	where, whereEN := "本区域", "in this region"
	if anywhere {
		where, whereEN = "", "in all regions"
	}
	return &apperr.Error{Code: apperr.InsufficientPoints, Field: "quantity",
		ZH: fmt.Sprintf("积分不足：%s可用奖励积分 %d，需要 %d", where, have, need),
		EN: fmt.Sprintf("insufficient points: %d reward points available %s, %d needed", have, whereEN, need)}
}

func orderRef(id int64) string { return "redeem:" + strconv.FormatInt(id, 10) }

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
