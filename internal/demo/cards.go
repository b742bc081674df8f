package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

// seedCards makes the demo's membership cards: two designs, a batch per
// city company sized for its members, a card for most active members (on
// site, by post with a tracking number, or by hand) and a few lost and
// reissued.
func seedCards(ctx context.Context, d *db.DB, cs *card.Service) error {
	plain, err := cs.CreateDesign(ctx, card.NewDesign{Name: "普卡", Description: "红色卡面，适用所有等级"})
	if err != nil {
		return err
	}
	gold, err := cs.CreateDesign(ctx, card.NewDesign{Name: "金卡", Tier: "gold", Description: "金色卡面，金籍会员专享"})
	if err != nil {
		return err
	}
	holders, err := activeByCity(ctx, d)
	if err != nil {
		return err
	}
	// The batches came in two months ago, ordered a month before that.
	now := d.Clock().In(time.FixedZone("CST", 8*3600))
	day := func(back int) db.Date { t := now.AddDate(0, 0, -back); return db.DateOf(t.Year(), t.Month(), t.Day()) }
	var reqs []card.IssueRequest
	for _, city := range []string{"SH", "HZ", "GZ", "SZ"} {
		ids := holders[city]
		// Room for a year's new members, in a round number.
		n := (len(ids)*12/10 + 99) / 100 * 100
		if _, err := cs.CreateBatch(ctx, card.NewBatch{DesignID: plain.ID, City: city, Quantity: n, CostFen: int64(n) * 350,
			OrderedOn: day(90), ProducedOn: day(73), ReceivedOn: day(62), Note: "演示数据"}); err != nil {
			return fmt.Errorf("batch for %s: %w", city, err)
		}
		if _, err := cs.CreateBatch(ctx, card.NewBatch{DesignID: gold.ID, City: city, Quantity: 50, CostFen: 50 * 1200,
			OrderedOn: day(90), ProducedOn: day(68), ReceivedOn: day(62), Note: "演示数据"}); err != nil {
			return fmt.Errorf("gold batch for %s: %w", city, err)
		}
		// Nine in ten get their card: mostly on site, some by post, a few by hand.
		for i, id := range ids {
			req := card.IssueRequest{MemberID: id, Delivery: card.OnSite}
			switch {
			case i%10 == 9:
				continue
			case i%6 == 1:
				req.Delivery, req.Tracking = card.Post, fmt.Sprintf("SF%010d", 1_000_000_000+id*7)
			case i%6 == 2 && i%4 == 0:
				req.Delivery = card.Post // not sent yet
			case i%15 == 3:
				req.Delivery = card.Hand
			}
			reqs = append(reqs, req)
		}
	}
	cards, err := cs.IssueMany(ctx, reqs)
	if err != nil {
		return err
	}
	// A few were lost: reported, then reissued (some for a fee).
	for i := 3; i < len(cards) && i < 3+8*97; i += 97 {
		c := cards[i]
		if _, err := cs.ReportLost(ctx, c.Number, "会员来电挂失：卡片遗失"); err != nil {
			return err
		}
		if i%2 == 0 {
			continue // lost, not yet replaced
		}
		if _, err := cs.Reissue(ctx, card.ReissueRequest{Number: c.Number, Reason: "遗失补办", FeeFen: int64(i%3) * 1000, Delivery: card.OnSite}); err != nil {
			return err
		}
	}
	return nil
}

// activeByCity lists the active members by the city company they joined
// in (the third node of their org path), in id order.
func activeByCity(ctx context.Context, d *db.DB) (map[string][]int64, error) {
	out := map[string][]int64{}
	err := d.View(ctx, func(tx *db.Tx) error {
		codes := map[int64]string{}
		nodes, err := tx.Query(ctx, "SELECT id, code FROM org_nodes WHERE kind = ?", org.City)
		if err != nil {
			return err
		}
		defer nodes.Close()
		for nodes.Next() {
			var id int64
			var code string
			if err := nodes.Scan(&id, &code); err != nil {
				return err
			}
			codes[id] = code
		}
		if err := nodes.Err(); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT id, node_path FROM members WHERE status = 'active' ORDER BY id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var path string
			if err := rows.Scan(&id, &path); err != nil {
				return err
			}
			parts := strings.Split(strings.Trim(path, "/"), "/")
			if len(parts) < 3 {
				continue
			}
			city, _ := strconv.ParseInt(parts[2], 10, 64)
			out[codes[city]] = append(out[codes[city]], id)
		}
		return rows.Err()
	})
	return out, err
}
