package points

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// claimEvents records the events of cs, whose members the caller holds;
// an event recorded before (a retry) is marked not fresh and given its
// first id. A retry racing the first recording has waited for it at the
// member's row, so it finds the event committed.
func claimEvents(ctx context.Context, tx *db.Tx, cs []*eventClaim, batchID *int64) error {
	sorted := slices.Clone(cs)
	slices.SortFunc(sorted, func(a, b *eventClaim) int { return strings.Compare(a.key, b.key) })
	byKey := make(map[string]*eventClaim, len(cs))
	for _, c := range sorted {
		byKey[c.key] = c
	}
	a := tx.Actor
	rows := make([][]any, len(sorted))
	for i, c := range sorted {
		rows[i] = []any{c.key, c.in.MemberID, string(c.in.Type), c.in.Ref, c.in.OccurredAt, c.in.Note, batchID, a.Kind, a.Login, a.RequestID, tx.Now}
	}
	err := tx.InsertMany(ctx, "point_events", []string{"key", "member_id", "event_type", "ref", "occurred_at", "note", "batch_id",
		"actor_kind", "actor_login", "request_id", "created_at"}, rows, "ON CONFLICT (key) DO NOTHING RETURNING id, key", func(r *sql.Rows) error {
		var id int64
		var key string
		if err := r.Scan(&id, &key); err != nil {
			return err
		}
		byKey[key].eventID, byKey[key].fresh = id, true
		return nil
	})
	if err != nil {
		return fmt.Errorf("record events: %w", err)
	}
	var again []*eventClaim
	for _, c := range sorted {
		if !c.fresh {
			again = append(again, c)
		}
	}
	return chunks(again, 1, func(part []*eventClaim) error {
		args := make([]any, len(part))
		for i, c := range part {
			args[i] = c.key
		}
		rows, err := tx.Query(ctx, "SELECT id, key FROM point_events WHERE key IN ("+marks(len(part))+")", args...)
		if err != nil {
			return err
		}
		return scanIDs(rows, func(id int64, key string) { byKey[key].eventID = id })
	})
}

// lockMembers locks the members of the claims, in id order, before
// anything else of theirs (the ledger locks a member's row first too, for
// upgrade points), and reads them afresh. Holding them keeps concurrent
// awards to one member in turn, so caps count every award before.
func lockMembers(ctx context.Context, tx *db.Tx, cs []*eventClaim) error {
	byID := map[int64][]*eventClaim{}
	var ids []int64
	for _, c := range cs {
		if _, ok := byID[c.in.MemberID]; !ok {
			ids = append(ids, c.in.MemberID)
		}
		byID[c.in.MemberID] = append(byID[c.in.MemberID], c)
	}
	slices.Sort(ids)
	err := chunks(ids, 1, func(part []int64) error {
		rows, err := tx.Query(ctx, "SELECT id, member_no, node_path, status, tier FROM members WHERE id IN ("+marks(len(part))+") ORDER BY id"+tx.ForUpdate(), anys(part)...)
		if err != nil {
			return fmt.Errorf("lock members: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			m := &memberRow{}
			var no *string
			if err := rows.Scan(&m.id, &no, &m.path, &m.status, &m.tier); err != nil {
				return err
			}
			m.no = deref(no)
			for _, c := range byID[m.id] {
				c.member = m
			}
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.member == nil {
			return apperr.NotFoundf("会员", "member")
		}
	}
	return nil
}

// match finds what the fresh claims earn: for each, the active rules of
// its type in approved plans at or above the member's node, valid on the
// event's day, within their caps. Each claim's grants are in rule order.
func (s *Service) match(ctx context.Context, tx *db.Tx, cs []*eventClaim) ([]*grant, error) {
	var types []EventType
	for _, c := range cs {
		if c.fresh && !slices.Contains(types, c.in.Type) {
			types = append(types, c.in.Type)
		}
	}
	plans, err := awardingPlans(ctx, tx, types)
	if err != nil || len(plans) == 0 {
		return nil, err
	}
	var grants []*grant
	for _, c := range cs {
		if !c.fresh {
			continue
		}
		for _, p := range plans {
			if !strings.HasPrefix(c.member.path, p.NodePath) || !p.awardsOn(c.day) {
				continue
			}
			for i := range p.Rules {
				if r := &p.Rules[i]; r.EventType == c.in.Type && r.validOn(c.day) {
					grants = append(grants, &grant{c: c, plan: p, rule: r, amount: r.Amount})
				}
			}
		}
	}
	return applyCaps(ctx, tx, grants)
}

// awardingPlans reads the approved plans with active rules of the types,
// and those rules.
func awardingPlans(ctx context.Context, tx *db.Tx, types []EventType) ([]*Plan, error) {
	if len(types) == 0 {
		return nil, nil
	}
	in := marks(len(types))
	rows, err := tx.Query(ctx, "SELECT "+planColumns+planFrom+` WHERE p.status = 'approved'
		AND EXISTS (SELECT 1 FROM point_rules r WHERE r.plan_id = p.id AND r.active AND r.event_type IN (`+in+`)) ORDER BY p.id`, anys(types)...)
	if err != nil {
		return nil, fmt.Errorf("read plans: %w", err)
	}
	var plans []*Plan
	byID := map[int64]*Plan{}
	for rows.Next() {
		p, err := scanPlan(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		plans, byID[p.ID] = append(plans, p), p
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(plans) == 0 {
		return nil, err
	}
	ids := make([]int64, len(plans))
	for i, p := range plans {
		ids[i] = p.ID
	}
	rows, err = tx.Query(ctx, "SELECT "+ruleColumns+" FROM point_rules WHERE plan_id IN ("+marks(len(ids))+") AND active AND event_type IN ("+in+") ORDER BY id",
		append(anys(ids), anys(types)...)...)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		byID[r.PlanID].Rules = append(byID[r.PlanID].Rules, *r)
	}
	return plans, rows.Err()
}

// finishAwards checks every plan the posted grants drew on, its row
// locked (last of all locks, in id order): it must still be approved — a
// plan cancelled meanwhile fails the award, which a retry then makes
// without it — and within its budget. Then it writes the awards; their
// references to the plans come after the lock, since on PostgreSQL a
// reference takes a share lock that two awards would otherwise wait on
// each other to upgrade.
func finishAwards(ctx context.Context, tx *db.Tx, grants []*grant) error {
	var ids []int64
	drawn := map[int64]Amounts{}
	for _, g := range grants {
		if !slices.Contains(ids, g.plan.ID) {
			ids = append(ids, g.plan.ID)
		}
		a := drawn[g.plan.ID]
		a.add(g.rule.Kind, g.amount)
		drawn[g.plan.ID] = a
	}
	slices.Sort(ids)
	plans := map[int64]*Plan{}
	for _, id := range ids {
		p, err := lockPlan(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.Status != PlanApproved {
			return &apperr.Error{Code: apperr.Conflict, ZH: "积分计划 " + p.Name + " 刚刚" + p.Status.Label("zh-CN") + "，请重试",
				EN: "the plan " + p.Name + " was just " + strings.ToLower(p.Status.Label("en")) + "; try again"}
		}
		plans[id] = p
	}
	for _, g := range grants {
		if p := plans[g.plan.ID]; !p.awardsOn(g.c.day) {
			return &apperr.Error{Code: apperr.Conflict, ZH: "积分计划 " + p.Name + " 的有效期刚刚调整，请重试",
				EN: "the dates of plan " + p.Name + " just changed; try again"}
		}
	}
	issued, err := issuedOf(ctx, tx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		p := plans[id]
		for _, k := range []Kind{Upgrade, Reward} {
			if drawn[id].Of(k) > 0 && issued[id].Of(k) > p.Budget.Of(k) {
				return overBudget(p, k, issued[id].Of(k)-drawn[id].Of(k), drawn[id].Of(k))
			}
		}
	}
	rows := make([][]any, len(grants))
	for i, g := range grants {
		rows[i] = []any{g.c.eventID, g.rule.ID, g.plan.ID, g.c.in.MemberID, string(g.rule.Kind), g.amount, g.capped, g.c.in.OccurredAt, g.txID, tx.Now}
	}
	err = tx.InsertMany(ctx, "point_awards", []string{"event_id", "rule_id", "plan_id", "member_id", "kind", "amount", "capped", "occurred_at", "transaction_id", "created_at"}, rows, "", nil)
	if err != nil {
		return fmt.Errorf("record awards: %w", err)
	}
	return nil
}

// overBudget is the error of an award past a plan's budget of kind k.
func overBudget(p *Plan, k Kind, before, asked int64) error {
	left := max(p.Budget.Of(k)-before, 0)
	return &apperr.Error{Code: apperr.Conflict, Field: "budget",
		ZH: fmt.Sprintf("超出积分计划 %s 的%s预算：预算 %d，已发放 %d，剩余 %d，本次需要 %d；请先申请调整预算", p.Name, k.Label("zh-CN"), p.Budget.Of(k), before, left, asked),
		EN: fmt.Sprintf("over the %s budget of plan %s: budget %d, issued %d, left %d, this award needs %d; have the budget raised first", k.Label("en"), p.Name, p.Budget.Of(k), before, left, asked)}
}

// byShard orders grants by the id of the club shard each posts to: the
// order the bulk path locks shards in, so that an event with several
// rules and a batch never wait for each other's shards in a circle.
// Shards opened on the spot come last, as their ids will be the highest.
func byShard(ctx context.Context, tx *db.Tx, grants []*grant) ([]*grant, error) {
	if len(grants) < 2 {
		return grants, nil
	}
	var addrs []any
	for _, g := range grants {
		if a := planAddress(g.plan.ID); !slices.Contains(addrs, any(a)) {
			addrs = append(addrs, a)
		}
	}
	rows, err := tx.Query(ctx, "SELECT id, address, kind, region_path, shard FROM point_accounts WHERE address IN ("+marks(len(addrs))+")", addrs...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[acctKey]int64{}
	for rows.Next() {
		var k acctKey
		var id int64
		if err := rows.Scan(&id, &k.address, &k.kind, &k.region, &k.shard); err != nil {
			return nil, err
		}
		ids[k] = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	idOf := func(g *grant) int64 {
		if id, ok := ids[acctKey{planAddress(g.plan.ID), g.rule.Kind, regionOf(g.c.member.path), shardOf(g.c.in.MemberID)}]; ok {
			return id
		}
		return math.MaxInt64
	}
	out := slices.Clone(grants)
	slices.SortStableFunc(out, func(a, b *grant) int { return cmp.Compare(idOf(a), idOf(b)) })
	return out, nil
}
