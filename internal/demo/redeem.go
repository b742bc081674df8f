package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
)

// demoItem is a catalogue item of the demo; city items are offered by
// every city company.
type demoItem struct {
	kind         redeem.Kind
	name, desc   string
	price        int64
	stock, limit int // 0: unlimited, no limit
}

var groupItems = []demoItem{
	{redeem.KindGift, "集团定制保温杯", "316 不锈钢，刻有客户会标志", 300, 500, 2},
	{redeem.KindService, "《华城》季刊年度订阅", "全年四期，邮寄到家", 200, 0, 1},
}

var cityItems = []demoItem{
	{redeem.KindVoucher, "物业费抵扣券（100 元）", "可抵扣本项目物业管理费，有效期一年", 1000, 200, 2},
	{redeem.KindGift, "精美礼品：真丝围巾", "杭州丝绸，礼盒包装", 800, 80, 1},
	{redeem.KindVoucher, "合作商户代金券（50 元）", "联盟商家通用，单笔消费满 200 元可用", 400, 300, 0},
	{redeem.KindService, "上门保洁服务（2 小时）", "由物业服务中心预约上门", 600, 100, 2},
	{redeem.KindVoucher, "儿童乐园体验券", "合作儿童乐园单次畅玩", 250, 150, 0},
	{redeem.KindService, "精致洗车一次", "项目地库洗车点", 150, 0, 0},
}

// cityStaff is who applies on members' behalf and fulfils, by city.
var cityStaff = map[string]string{"SH": "sh.specialist", "HZ": "hz.specialist", "GZ": "specialist", "SZ": "specialist"}

// seedRedeem gives the demo club a catalogue in every region and a few
// hundred orders over the last four months, in every state: fulfilled,
// rejected and cancelled ones in the past, and a queue of recent orders
// awaiting approval or fulfilment. Everything goes through the redeem
// service, so the points ledger stays balanced.
func seedRedeem(ctx context.Context, d *db.DB, ms *member.Service) error {
	rs := &redeem.Service{DB: d, Points: &points.Service{DB: d, Members: ms}}
	boss := db.WithActor(ctx, db.Actor{Kind: "staff", Login: "supervisor"})
	if err := rs.SetAutoApproveBelow(boss, 300); err != nil {
		return err
	}
	mk := func(node string, it demoItem) error {
		in := redeem.NewItem{NodeCode: node, Kind: it.kind, Name: it.name, Description: it.desc, Price: it.price}
		if it.stock > 0 {
			in.Stock = new(int64(it.stock))
		}
		if it.limit > 0 {
			in.MemberLimit = new(it.limit)
		}
		_, err := rs.CreateItem(boss, in)
		return err
	}
	for _, it := range groupItems {
		if err := mk("GROUP", it); err != nil {
			return err
		}
	}
	for _, city := range []string{"SH", "HZ", "GZ", "SZ"} {
		for _, it := range cityItems {
			if err := mk(city, it); err != nil {
				return err
			}
		}
	}
	return seedOrders(ctx, d, rs)
}

type demoMember struct {
	id         int64
	path, city string
	points     int64 // reward points in the join region
}

func seedOrders(ctx context.Context, d *db.DB, rs *redeem.Service) error {
	var ms []demoMember
	err := d.View(ctx, func(tx *db.Tx) error {
		// Members with reward points to spend in the region they joined.
		rows, err := tx.Query(ctx, `SELECT m.id, m.node_path, c.code, a.balance FROM members m
			JOIN org_nodes c ON c.kind = 'city' AND m.node_path LIKE c.path || '%'
			JOIN point_accounts a ON a.member_id = m.id AND a.kind = 'reward' AND m.node_path LIKE a.region_path || '%'
			WHERE m.status = 'active' AND a.balance >= 150 ORDER BY m.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m demoMember
			if err := rows.Scan(&m.id, &m.path, &m.city, &m.points); err != nil {
				return err
			}
			ms = append(ms, m)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	offers := map[string][]redeem.Item{}
	r := rand.New(rand.NewPCG(17, 3))
	boss := db.WithActor(ctx, db.Actor{Kind: "staff", Login: "supervisor"})
	const want = 300
	var placed []int64
	city := map[int64]string{}
	for i := 0; len(placed) < want && i < 2*want; i++ {
		m := &ms[r.IntN(len(ms))]
		region := points.RegionOf(m.path)
		if offers[region] == nil {
			if offers[region], _, err = rs.Items(ctx, redeem.ItemFilter{Region: region, Available: true, Limit: 100}); err != nil {
				return err
			}
		}
		it := offers[region][r.IntN(len(offers[region]))]
		if it.Price > m.points {
			continue
		}
		who := db.WithActor(ctx, db.Actor{Kind: "staff", Login: cityStaff[m.city]})
		if r.IntN(5) < 2 { // from the member portal
			who = db.WithActor(ctx, db.Actor{Kind: "member", ID: m.id, Login: fmt.Sprint("member:", m.id)})
		}
		note := "现场领取"
		if it.Kind == redeem.KindGift && r.IntN(2) == 0 {
			note = "邮寄：会员登记地址"
		}
		o, err := rs.Apply(who, redeem.Application{MemberID: m.id, ItemID: it.ID, Quantity: 1, Note: note, IdempotencyKey: fmt.Sprint("demo-", i)})
		if apperr.Is(err, apperr.InsufficientPoints) || apperr.Is(err, apperr.Conflict) {
			continue // short of points, out of stock or over the limit: members do not always qualify
		}
		if err != nil {
			return fmt.Errorf("demo order: %w", err)
		}
		placed, city[o.ID] = append(placed, o.ID), m.city
		m.points -= o.Points
	}
	// Oldest first: most are done; the newest wait for approval or fulfilment.
	for i, id := range placed {
		left := len(placed) - i
		staff := db.WithActor(ctx, db.Actor{Kind: "staff", Login: cityStaff[city[id]]})
		if err := settle(ctx, boss, staff, rs, r, id, left); err != nil {
			return err
		}
	}
	return backdateOrders(ctx, d, placed, r)
}

// settle moves an order on as the club would have, boss deciding and
// staff (of the member's city) fulfilling: left is how many newer orders
// there are.
func settle(ctx, boss, staff context.Context, rs *redeem.Service, r *rand.Rand, id int64, left int) error {
	o, err := rs.Order(ctx, id)
	if err != nil {
		return err
	}
	roll := r.IntN(100)
	switch {
	case left <= 30 && o.Status == redeem.Applied:
		return nil // the approval queue
	case o.Status == redeem.Applied && roll < 8:
		_, err = rs.Reject(boss, id, []string{"会员信息待核实，请补充收货地址", "该礼品本季已停产，已电话告知会员", "库存盘点不符"}[r.IntN(3)])
		return err
	case roll < 14:
		_, err = rs.Cancel(staff, id, []string{"会员改主意", "会员未在期限内领取"}[r.IntN(2)])
		return err
	}
	if o.Status == redeem.Applied {
		if _, err := rs.Approve(boss, id, ""); err != nil {
			return err
		}
	}
	if left <= 55 {
		return nil // approved, awaiting fulfilment
	}
	f := redeem.Fulfilment{Method: redeem.PickedUp}
	switch {
	case o.ItemKind == redeem.KindVoucher:
		f.Method = redeem.VoucherCode
	case o.Note != "现场领取":
		f = redeem.Fulfilment{Method: redeem.Posted, TrackingNo: fmt.Sprintf("SF14%08d", r.IntN(100_000_000))}
	}
	_, err = rs.Fulfil(staff, id, f)
	return err
}

// backdateOrders spreads the orders over the last 120 days, in the order
// they were placed, each step a little after the one before. The ledger's
// postings keep the time the demo was seeded, as the demo's awards do.
// Every time is passed as a time or as NULL: PostgreSQL types a parameter
// that only meets other parameters and NULLs as text.
func backdateOrders(ctx context.Context, d *db.DB, ids []int64, r *rand.Rand) error {
	return d.Update(ctx, func(tx *db.Tx) error {
		span := 120 * 24 * time.Hour
		for i, id := range ids {
			var auto, approved, fulfilled, closed bool
			if err := tx.QueryRow(ctx, `SELECT auto_approved, approved_at IS NOT NULL, fulfilled_at IS NOT NULL, closed_at IS NOT NULL
				FROM redeem_orders WHERE id = ?`, id).Scan(&auto, &approved, &fulfilled, &closed); err != nil {
				return err
			}
			created := tx.Now.Add(-span + time.Duration(i)*span/time.Duration(len(ids)+1)).Add(-time.Duration(r.IntN(3600)) * time.Second)
			step := func(h int) time.Time {
				if t := created.Add(time.Duration(h) * time.Hour); t.Before(tx.Now) {
					return t
				}
				return tx.Now
			}
			updated, decided, done, ended := step(80), step(4+r.IntN(20)), step(30+r.IntN(48)), step(8+r.IntN(40))
			if auto {
				decided = created
			}
			if _, err := tx.Exec(ctx, "UPDATE redeem_orders SET created_at = ?, updated_at = ?, approved_at = ?, fulfilled_at = ?, closed_at = ? WHERE id = ?",
				created, updated, nullUnless(approved, decided), nullUnless(fulfilled, done), nullUnless(closed, ended), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// nullUnless is t, or NULL when set is false.
func nullUnless(set bool, t time.Time) any {
	if !set {
		return nil
	}
	return t
}
