package web

import (
	"context"
	"strings"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/request"
)

// TodoItem is one kind of work waiting for the signed-in staff member (待办),
// counted within the scope of the permission that does the work, and the
// page that does it.
type TodoItem struct {
	Key   string `json:"key"` // "members.review", "leads.overdue" …
	Count int    `json:"count"`
	Href  string `json:"href"`
	// Late marks work past its due time (an overdue follow-up or request).
	Late bool `json:"late,omitempty"`
}

// todoCount counts one kind of work in a transaction.
type todoCount struct {
	key  string
	perm auth.Permission
	href string
	late bool
	// sql counts the work; where limits it to the caller's scope and
	// comes last, after any arguments of args.
	sql  func(where string) string
	cols []string // the org path columns the scope applies to, all of them
	args func(now time.Time, loc *time.Location) []any
}

// todoCounts are the kinds of work a home page shows, in the order shown:
// decisions first, then work to do, then what is late.
var todoCounts = []todoCount{
	{key: "members.review", perm: auth.MemberReview, href: "/members/review", cols: []string{"node_path"},
		sql: func(w string) string { return "SELECT count(*) FROM members WHERE status = 'pending' AND " + w }},
	{key: "members.conflicts", perm: auth.MemberReview, href: "/members/import/conflicts", cols: []string{"node_path"},
		sql: func(w string) string {
			return "SELECT count(*) FROM member_import_conflicts WHERE status = 'pending' AND " + w
		}},
	{key: "points.adjustments", perm: auth.AdjustApprove, href: "/points/adjustments", cols: []string{"node_path"},
		sql: func(w string) string {
			return "SELECT count(*) FROM point_adjustments WHERE status = 'pending' AND " + w
		}},
	{key: "points.plans", perm: auth.PlanApprove, href: "/points/plans?status=pending", cols: []string{"node_path"},
		sql: func(w string) string { return "SELECT count(*) FROM point_plans WHERE status = 'pending' AND " + w }},
	{key: "points.plan_changes", perm: auth.PlanApprove, href: "/points/plans?status=approved", cols: []string{"p.node_path"},
		sql: func(w string) string {
			return "SELECT count(*) FROM point_plan_changes c JOIN point_plans p ON p.id = c.plan_id WHERE c.status = 'pending' AND " + w
		}},
	{key: "tiers.changes", perm: auth.TierApprove, href: "/tiers", cols: []string{"m.node_path"},
		sql: func(w string) string {
			return "SELECT count(*) FROM tier_changes c JOIN members m ON m.id = c.member_id WHERE c.status = 'pending' AND " + w
		}},
	{key: "redeem.approve", perm: auth.RedeemApprove, href: "/redeem/orders?status=applied", cols: []string{"o.node_path", "m.node_path"},
		sql: func(w string) string { return redeemTodo("applied", w) }},
	{key: "redeem.fulfil", perm: auth.RedeemManage, href: "/redeem/orders?status=approved", cols: []string{"o.node_path", "m.node_path"},
		sql: func(w string) string { return redeemTodo("approved", w) }},
	{key: "leads.claims", perm: auth.LeadAssign, href: "/leads/claims", cols: []string{"l.node_path"},
		sql: func(w string) string {
			return "SELECT count(*) FROM lead_claims c JOIN leads l ON l.id = c.lead_id WHERE c.status = 'open' AND " + w
		}},
	// The sales administrator reconciles each project's day the day after.
	{key: "leads.reconcile", perm: auth.LeadReconcile, href: "/leads/reconcile", cols: []string{"n.path"},
		sql: func(w string) string {
			return "SELECT count(*) FROM org_nodes n WHERE n.kind = 'project' AND NOT EXISTS " +
				"(SELECT 1 FROM lead_signoffs s WHERE s.project_id = n.id AND s.day = ?) AND " + w
		},
		args: func(now time.Time, loc *time.Location) []any {
			y, m, d := now.In(loc).AddDate(0, 0, -1).Date()
			return []any{db.DateOf(y, m, d)}
		}},
}

// redeemTodo counts the orders in a status whose item and member are both
// in scope, as the order queue lists them.
func redeemTodo(status, where string) string {
	return "SELECT count(*) FROM redeem_orders o JOIN members m ON m.id = o.member_id WHERE o.status = '" + status + "' AND " + where
}

// todo lists the work waiting for p, leaving out kinds with nothing
// waiting, except those of its main duty (shown as 0 so that "nothing to
// do" is an answer).
func (s *Server) todo(ctx context.Context, p *auth.Principal) ([]TodoItem, error) {
	var out []TodoItem
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		for _, c := range todoCounts {
			if !p.Can(c.perm) {
				continue
			}
			var args []any
			if c.args != nil {
				args = c.args(tx.Now, s.Loc)
			}
			var conds []string
			for _, col := range c.cols {
				w, a := db.PathsWhere(col, p.Paths(c.perm))
				conds, args = append(conds, w), append(args, a...)
			}
			n, err := tx.Count(ctx, c.sql(strings.Join(conds, " AND ")), args...)
			if err != nil {
				return err
			}
			out = append(out, TodoItem{Key: c.key, Count: n, Href: c.href, Late: c.late && n > 0})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A consultant's own follow-ups and a manager's leads awaiting an
	// owner are counted by the lead list itself, so the count is the list.
	me := p.Staff.ID
	for _, l := range []struct {
		key  string
		perm auth.Permission
		f    lead.Filter
		href string
		late bool
	}{
		{"leads.unassigned", auth.LeadAssign, lead.Filter{Unassigned: true}, "/leads?unassigned=1", false},
		{"leads.due_today", auth.LeadWrite, lead.Filter{OwnerID: &me, Due: lead.DueToday}, "/leads?owner=me&due=today", false},
		{"leads.overdue", auth.LeadWrite, lead.Filter{OwnerID: &me, Due: lead.DueOverdue}, "/leads?owner=me&due=overdue", true},
	} {
		if !p.Can(l.perm) {
			continue
		}
		l.f.Within, l.f.Limit = p.Paths(l.perm), 1
		if l.perm == auth.LeadWrite {
			l.f.Within = p.Paths(auth.LeadRead) // the lead list's own scope
		}
		_, n, err := s.Leads.List(ctx, l.f)
		if err != nil {
			return nil, err
		}
		out = append(out, TodoItem{Key: l.key, Count: n, Href: l.href, Late: l.late && n > 0})
	}
	// Requests are counted by the queue itself, within the caller's
	// request scope (property staff: their projects' property complaints),
	// overdue as the queue and the escalation job define it.
	if p.Can(auth.RequestRead) {
		for _, q := range []struct {
			key  string
			f    request.Filter
			href string
			late bool
		}{
			{"requests.open", request.Filter{Status: request.Open}, "/requests?status=open", false},
			{"requests.overdue", request.Filter{Overdue: true}, "/requests?overdue=1", true},
		} {
			q.f.Scope, q.f.Limit = RequestScopeOf(p, auth.RequestRead), 1
			_, n, err := s.Requests.List(ctx, q.f)
			if err != nil {
				return nil, err
			}
			out = append(out, TodoItem{Key: q.key, Count: n, Href: q.href, Late: q.late && n > 0})
		}
	}
	return out, nil
}
