package event

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Plan is a node's yearly event plan (年度活动计划).
type Plan struct {
	ID        int64      `json:"id"`
	NodeID    int64      `json:"node_id"`
	NodeCode  string     `json:"node_code"`
	NodeName  string     `json:"node_name"`
	NodePath  string     `json:"-"`
	Year      int        `json:"year"`
	Note      string     `json:"note,omitempty"`
	Items     []PlanItem `json:"items"`
	BudgetFen int64      `json:"budget_fen"` // sum of the items' budgets
}

// PlanItem is a planned event: its month, theme, type and budget, and the
// event proposed for it, if any.
type PlanItem struct {
	ID          int64  `json:"id"`
	PlanID      int64  `json:"plan_id"`
	Month       int    `json:"month"`
	Theme       string `json:"theme"`
	Kind        Kind   `json:"kind"`
	BudgetFen   int64  `json:"budget_fen"`
	Note        string `json:"note,omitempty"`
	EventID     *int64 `json:"event_id,omitempty"`
	EventStatus Status `json:"event_status,omitempty"`
}

// PlanItemInput is a planned event to add.
type PlanItemInput struct {
	Month     int    `json:"month"`
	Theme     string `json:"theme"`
	Kind      Kind   `json:"kind"`
	BudgetFen int64  `json:"budget_fen"`
	Note      string `json:"note"`
}

func (in *PlanItemInput) validate() error {
	in.Theme, in.Note = strings.TrimSpace(in.Theme), strings.TrimSpace(in.Note)
	switch {
	case in.Month < 1 || in.Month > 12:
		return apperr.Field("month", "月份须在 1–12 之间", "the month is 1–12")
	case in.Theme == "" || utf8.RuneCountInString(in.Theme) > MaxShort:
		return apperr.Field("theme", fmt.Sprintf("请填写活动主题（不超过 %d 字）", MaxShort), fmt.Sprintf("the theme is required (at most %d characters)", MaxShort))
	case !slices.Contains(Kinds, in.Kind):
		return apperr.Field("kind", "请选择活动类型：休闲、商务或行业", "choose the type: leisure, business or industry")
	case in.BudgetFen < 0 || in.BudgetFen > MaxFen:
		return apperr.Field("budget_fen", "预算金额不正确", "the budget is not a valid amount")
	case utf8.RuneCountInString(in.Note) > MaxLong:
		return apperr.Field("note", fmt.Sprintf("备注不能超过 %d 字", MaxLong), fmt.Sprintf("the note has at most %d characters", MaxLong))
	}
	return nil
}

// PlanFor returns the plan of a node for a year, making it (empty) the
// first time. The node must lie within the scope.
func (s *Service) PlanFor(ctx context.Context, nodeID int64, year int, within *Scope) (*Plan, error) {
	if year < 2000 || year > 2100 {
		return nil, apperr.Field("year", "年份不正确", "not a valid year")
	}
	var out *Plan
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var path string
		if err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE id = ?", nodeID).Scan(&path); err != nil || !within.Allows(path) {
			return apperr.Field("node_id", "该组织不存在或不在您的管理范围内", "that org node does not exist or is outside your scope")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_plans (node_id, node_path, year, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (node_id, year) DO NOTHING`, nodeID, path, year, tx.Now, tx.Now); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, "SELECT id FROM event_plans WHERE node_id = ? AND year = ?", nodeID, year).Scan(&id); err != nil {
			return err
		}
		var err error
		out, err = loadPlan(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("event plan: %w", err)
	}
	return out, nil
}

// Plan reads a yearly plan with its items.
func (s *Service) Plan(ctx context.Context, id int64, within *Scope) (*Plan, error) {
	var out *Plan
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		out, err = loadPlan(ctx, tx, id)
		if err == nil && !within.Allows(out.NodePath) {
			return apperr.NotFoundf("活动计划", "event plan")
		}
		return err
	})
	return out, err
}

// Plans lists the yearly plans of a year within the scope (every year: 0).
func (s *Service) Plans(ctx context.Context, year int, within *Scope) ([]Plan, error) {
	out := []Plan{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		w, args := within.where("p.node_path")
		if year != 0 {
			w += " AND p.year = ?"
			args = append(args, year)
		}
		ids, err := tx.IDs(ctx, "SELECT p.id FROM event_plans p WHERE "+w+" ORDER BY p.year DESC, p.node_path", args...)
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, err := loadPlan(ctx, tx, id)
			if err != nil {
				return err
			}
			out = append(out, *p)
		}
		return nil
	})
	return out, err
}

func loadPlan(ctx context.Context, tx *db.Tx, id int64) (*Plan, error) {
	var p Plan
	err := tx.QueryRow(ctx, `SELECT p.id, p.node_id, n.code, n.name, p.node_path, p.year, p.note FROM event_plans p
		JOIN org_nodes n ON n.id = p.node_id WHERE p.id = ?`, id).Scan(&p.ID, &p.NodeID, &p.NodeCode, &p.NodeName, &p.NodePath, &p.Year, &p.Note)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("活动计划", "event plan")
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT i.id, i.plan_id, i.month, i.theme, i.kind, i.budget_fen, i.note, e.id, COALESCE(e.status, '')
		FROM event_plan_items i LEFT JOIN events e ON e.plan_item_id = i.id AND e.status <> 'cancelled'
		WHERE i.plan_id = ? ORDER BY i.month, i.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p.Items = []PlanItem{}
	for rows.Next() {
		var it PlanItem
		if err := rows.Scan(&it.ID, &it.PlanID, &it.Month, &it.Theme, &it.Kind, &it.BudgetFen, &it.Note, &it.EventID, &it.EventStatus); err != nil {
			return nil, err
		}
		p.BudgetFen += it.BudgetFen
		p.Items = append(p.Items, it)
	}
	return &p, rows.Err()
}

// AddPlanItem adds a planned event to a yearly plan.
func (s *Service) AddPlanItem(ctx context.Context, planID int64, in PlanItemInput, within *Scope) (*Plan, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return s.planStep(ctx, planID, within, func(tx *db.Tx, p *Plan) (string, error) {
		_, err := tx.Exec(ctx, "INSERT INTO event_plan_items (plan_id, month, theme, kind, budget_fen, note) VALUES (?, ?, ?, ?, ?, ?)",
			planID, in.Month, in.Theme, in.Kind, in.BudgetFen, in.Note)
		return fmt.Sprintf("新增计划活动 %d 月 %s", in.Month, in.Theme), err
	})
}

// RemovePlanItem removes a planned event no event has been proposed for.
func (s *Service) RemovePlanItem(ctx context.Context, itemID int64, within *Scope) (*Plan, error) {
	planID, err := s.itemPlan(ctx, itemID)
	if err != nil {
		return nil, err
	}
	return s.planStep(ctx, planID, within, func(tx *db.Tx, p *Plan) (string, error) {
		n, err := tx.Count(ctx, "SELECT count(*) FROM events WHERE plan_item_id = ?", itemID)
		if err != nil {
			return "", err
		}
		if n > 0 {
			return "", apperr.New(apperr.Conflict, "该计划活动已有方案，不能删除", "an event was proposed for this planned item; it cannot be removed")
		}
		_, err = tx.Exec(ctx, "DELETE FROM event_plan_items WHERE id = ?", itemID)
		return "删除计划活动", err
	})
}

// ItemPlan reads the plan a planned event belongs to, within the scope.
func (s *Service) ItemPlan(ctx context.Context, itemID int64, within *Scope) (*Plan, error) {
	planID, err := s.itemPlan(ctx, itemID)
	if err != nil {
		return nil, err
	}
	return s.Plan(ctx, planID, within)
}

func (s *Service) itemPlan(ctx context.Context, itemID int64) (int64, error) {
	var planID int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT plan_id FROM event_plan_items WHERE id = ?", itemID).Scan(&planID)
	})
	if isNoRows(err) {
		return 0, apperr.NotFoundf("计划活动", "planned event")
	}
	return planID, err
}

func (s *Service) planStep(ctx context.Context, planID int64, within *Scope, fn func(tx *db.Tx, p *Plan) (string, error)) (*Plan, error) {
	var out *Plan
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE event_plans SET updated_at = ? WHERE id = ?", tx.Now, planID); err != nil {
			return err
		}
		p, err := loadPlan(ctx, tx, planID)
		if err != nil {
			return err
		}
		if !within.Allows(p.NodePath) {
			return apperr.NotFoundf("活动计划", "event plan")
		}
		summary, err := fn(tx, p)
		if err != nil {
			return err
		}
		if out, err = loadPlan(ctx, tx, planID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "event.plan", ObjectType: "event_plan", ObjectID: planID, NodePath: p.NodePath,
			Summary: fmt.Sprintf("%s %d 年度活动计划：%s", p.NodeName, p.Year, summary),
			Before:  map[string]any{"items": len(p.Items), "budget_fen": p.BudgetFen}, After: map[string]any{"items": len(out.Items), "budget_fen": out.BudgetFen}})
	})
	if err != nil {
		return nil, fmt.Errorf("event plan %d: %w", planID, err)
	}
	return out, nil
}
