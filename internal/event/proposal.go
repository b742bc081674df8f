package event

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// Limits of a proposal.
const (
	MaxShort      = 100
	MaxLong       = 2000
	MaxCapacity   = 100000
	MaxCompanions = 10
	MaxFen        = 100_000_000_00 // 1 亿元
	MaxPoints     = 10000
	MaxLines      = 50
)

// Proposal is what an event's proposal (方案) holds, as staff write it.
type Proposal struct {
	NodeID        int64        `json:"node_id"`
	PlanItemID    int64        `json:"plan_item_id"` // 0: an unplanned event (计划外)
	Kind          Kind         `json:"kind"`
	Organiser     Organiser    `json:"organiser"`
	Department    string       `json:"department"`
	Merchant      string       `json:"merchant"`
	Theme         string       `json:"theme"`
	Goals         string       `json:"goals"`
	StartsAt      time.Time    `json:"starts_at"`
	EndsAt        time.Time    `json:"ends_at"`
	Deadline      time.Time    `json:"deadline"` // zero: the start
	Venue         string       `json:"venue"`
	Address       string       `json:"address"`
	Capacity      int          `json:"capacity"`
	CompanionsMax int          `json:"companions_max"`
	YearLimit     int          `json:"year_limit"`
	Audience      string       `json:"audience"`
	Agenda        string       `json:"agenda"`
	Staffing      string       `json:"staffing"`
	Resources     string       `json:"resources"`
	PointMode     PointMode    `json:"point_mode"` // "": none
	PointAmount   int64        `json:"point_amount"`
	Budget        []BudgetLine `json:"budget"`
}

func text(field string, v *string, required bool, limit int, zh, en string) error {
	*v = strings.TrimSpace(strings.ReplaceAll(*v, "\r\n", "\n"))
	n := utf8.RuneCountInString(*v)
	if (required && n == 0) || n > limit {
		return apperr.Field(field, fmt.Sprintf("请填写%s（不超过 %d 字）", zh, limit), fmt.Sprintf("%s is required, at most %d characters", en, limit))
	}
	if !utf8.ValidString(*v) {
		return apperr.Field(field, zh+"含有无法显示的字符", en+" holds characters that cannot be shown")
	}
	return nil
}

func (p *Proposal) validate() error {
	if !slices.Contains(Kinds, p.Kind) {
		return apperr.Field("kind", "请选择活动类型：休闲、商务或行业", "choose the type: leisure, business or industry")
	}
	if !slices.Contains(Organisers, p.Organiser) {
		return apperr.Field("organiser", "请选择主办方式", "choose who organises the event")
	}
	checks := []struct {
		field    string
		v        *string
		required bool
		limit    int
		zh, en   string
	}{
		{"theme", &p.Theme, true, MaxShort, "活动主题", "the theme"},
		{"department", &p.Department, p.Organiser == CoHost, MaxShort, "协办部门", "the co-hosting department"},
		{"merchant", &p.Merchant, p.Organiser == Merchant, MaxShort, "合作商家", "the partner merchant"},
		{"goals", &p.Goals, false, MaxLong, "活动目的", "the goals"},
		{"venue", &p.Venue, true, MaxShort, "活动场地", "the venue"},
		{"address", &p.Address, false, MaxShort * 2, "地址", "the address"},
		{"audience", &p.Audience, false, MaxLong, "目标对象", "the audience"},
		{"agenda", &p.Agenda, false, MaxLong, "活动流程", "the agenda"},
		{"staffing", &p.Staffing, false, MaxLong, "人员分工", "the staffing"},
		{"resources", &p.Resources, false, MaxLong, "物资资源", "the resources"},
	}
	for _, c := range checks {
		if err := text(c.field, c.v, c.required, c.limit, c.zh, c.en); err != nil {
			return err
		}
	}
	if p.Organiser != CoHost {
		p.Department = ""
	}
	if p.Organiser != Merchant {
		p.Merchant = ""
	}
	switch {
	case p.StartsAt.IsZero():
		return apperr.Field("starts_at", "请填写活动开始时间", "the start is required")
	case !p.EndsAt.After(p.StartsAt):
		return apperr.Field("ends_at", "结束时间须晚于开始时间", "the end must come after the start")
	case p.EndsAt.Sub(p.StartsAt) > 31*24*time.Hour:
		return apperr.Field("ends_at", "活动不能超过 31 天", "an event lasts at most 31 days")
	}
	if p.Deadline.IsZero() {
		p.Deadline = p.StartsAt
	}
	if p.Deadline.After(p.EndsAt) {
		return apperr.Field("deadline", "报名截止时间不能晚于活动结束", "registration must close before the event ends")
	}
	switch {
	case p.Capacity <= 0 || p.Capacity > MaxCapacity:
		return apperr.Field("capacity", fmt.Sprintf("人数上限须为 1–%d 的整数", MaxCapacity), fmt.Sprintf("the capacity is a whole number from 1 to %d", MaxCapacity))
	case p.CompanionsMax < 0 || p.CompanionsMax > MaxCompanions:
		return apperr.Field("companions_max", fmt.Sprintf("可带同行人数须为 0–%d", MaxCompanions), fmt.Sprintf("companions allowed: 0 to %d", MaxCompanions))
	case p.YearLimit < 0 || p.YearLimit > 100:
		return apperr.Field("year_limit", "每人每年报名上限须为 0–100（0 为不限）", "the yearly limit per member is 0–100 (0: none)")
	}
	if p.PointMode == "" {
		p.PointMode = NoPoints
	}
	switch {
	case !slices.Contains(PointModes, p.PointMode):
		return apperr.Field("point_mode", "积分方式不正确", "unknown point mode")
	case p.PointMode == FixedPoints && (p.PointAmount <= 0 || p.PointAmount > MaxPoints):
		return apperr.Field("point_amount", fmt.Sprintf("每次参加的积分须为 1–%d", MaxPoints), fmt.Sprintf("points per attendance: 1 to %d", MaxPoints))
	case p.PointMode != FixedPoints:
		p.PointAmount = 0
	}
	if len(p.Budget) > MaxLines {
		return apperr.Field("budget", fmt.Sprintf("预算最多 %d 行", MaxLines), fmt.Sprintf("at most %d budget lines", MaxLines))
	}
	for i := range p.Budget {
		if err := p.Budget[i].validate("budget"); err != nil {
			return err
		}
	}
	return nil
}

func (b *BudgetLine) validate(field string) error {
	if !slices.Contains(BudgetCategories, b.Category) {
		return apperr.Field(field, "请选择预算类别", "choose the budget category")
	}
	if err := text(field, &b.Item, true, MaxShort, "费用项目", "the item"); err != nil {
		return err
	}
	if b.AmountFen < 0 || b.AmountFen > MaxFen {
		return apperr.Field(field, "金额不正确", "not a valid amount")
	}
	return nil
}

// china is the club's calendar for numbers and months.
var china = time.FixedZone("CST", 8*3600)

func number(id int64, start time.Time) string {
	return fmt.Sprintf("HD%d-%06d", start.In(china).Year(), id)
}

// checkPlace checks the node (within the scope) and the plan item (of a
// plan of that node or above, for the event's year, not taken).
func checkPlace(ctx context.Context, tx *db.Tx, p *Proposal, within *Scope, self int64) (path string, item *int64, err error) {
	if err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE id = ?", p.NodeID).Scan(&path); err != nil || !within.Allows(path) {
		return "", nil, apperr.Field("node_id", "请选择您管理范围内的组织", "choose an org node within your scope")
	}
	if p.PlanItemID == 0 {
		return path, nil, nil
	}
	var planPath string
	var year int
	err = tx.QueryRow(ctx, `SELECT p.node_path, p.year FROM event_plan_items i JOIN event_plans p ON p.id = i.plan_id WHERE i.id = ?`,
		p.PlanItemID).Scan(&planPath, &year)
	if err != nil || !strings.HasPrefix(path, planPath) || year != p.StartsAt.In(china).Year() {
		return "", nil, apperr.Field("plan_item_id", "请选择本组织当年活动计划中的活动", "choose a planned event of this node's plan for the event's year")
	}
	n, err := tx.Count(ctx, "SELECT count(*) FROM events WHERE plan_item_id = ? AND status <> 'cancelled' AND id <> ?", p.PlanItemID, self)
	if err != nil {
		return "", nil, err
	}
	if n > 0 {
		return "", nil, apperr.Field("plan_item_id", "该计划活动已有方案", "an event was already proposed for this planned item")
	}
	return path, &p.PlanItemID, nil
}

func writeBudget(ctx context.Context, tx *db.Tx, id int64, lines []BudgetLine) error {
	if _, err := tx.Exec(ctx, "DELETE FROM event_budget_lines WHERE event_id = ?", id); err != nil {
		return err
	}
	for _, b := range lines {
		if _, err := tx.Exec(ctx, "INSERT INTO event_budget_lines (event_id, category, item, amount_fen) VALUES (?, ?, ?, ?)",
			id, b.Category, b.Item, b.AmountFen); err != nil {
			return err
		}
	}
	return nil
}

// Propose records a new proposal (方案), a draft, by proposerID at a node
// within the scope.
func (s *Service) Propose(ctx context.Context, in Proposal, proposerID int64, within *Scope) (*Event, error) {
	return s.propose(ctx, in, proposerID, within, nil)
}

func (s *Service) propose(ctx context.Context, in Proposal, proposerID int64, within *Scope, copiedFrom *int64) (*Event, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Event
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		path, item, err := checkPlace(ctx, tx, &in, within, 0)
		if err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO events (node_id, node_path, plan_item_id, unplanned, kind, organiser, department, merchant,
			theme, goals, starts_at, ends_at, deadline, venue, address, capacity, companions_max, year_limit, audience, agenda, staffing,
			resources, point_mode, point_amount, status, proposer_id, copied_from, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			in.NodeID, path, item, item == nil, in.Kind, in.Organiser, in.Department, in.Merchant, in.Theme, in.Goals,
			in.StartsAt, in.EndsAt, in.Deadline, in.Venue, in.Address, in.Capacity, in.CompanionsMax, in.YearLimit, in.Audience,
			in.Agenda, in.Staffing, in.Resources, in.PointMode, in.PointAmount, Draft, nullID(proposerID), copiedFrom, tx.Now, tx.Now)
		if db.IsUniqueViolation(err) {
			return apperr.Field("plan_item_id", "该计划活动已有方案", "an event was already proposed for this planned item")
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE events SET no = ? WHERE id = ?", number(id, in.StartsAt), id); err != nil {
			return err
		}
		if err := writeBudget(ctx, tx, id, in.Budget); err != nil {
			return err
		}
		action := "created"
		if copiedFrom != nil {
			action = "copied"
		}
		out, err = s.record(ctx, tx, &Event{ID: id}, action, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("propose event: %w", err)
	}
	return out, nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Revise changes a draft or returned proposal.
func (s *Service) Revise(ctx context.Context, id int64, in Proposal, within *Scope) (*Event, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	return s.step(ctx, id, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if !e.Status.Editable() {
			return "", "", errStatus(e, "方案不能再修改", "the proposal can no longer be changed")
		}
		path, item, err := checkPlace(ctx, tx, &in, within, id)
		if err != nil {
			return "", "", err
		}
		_, err = tx.Exec(ctx, `UPDATE events SET node_id = ?, node_path = ?, plan_item_id = ?, unplanned = ?, kind = ?, organiser = ?,
			department = ?, merchant = ?, theme = ?, goals = ?, starts_at = ?, ends_at = ?, deadline = ?, venue = ?, address = ?,
			capacity = ?, companions_max = ?, year_limit = ?, audience = ?, agenda = ?, staffing = ?, resources = ?, point_mode = ?,
			point_amount = ? WHERE id = ?`,
			in.NodeID, path, item, item == nil, in.Kind, in.Organiser, in.Department, in.Merchant, in.Theme, in.Goals,
			in.StartsAt, in.EndsAt, in.Deadline, in.Venue, in.Address, in.Capacity, in.CompanionsMax, in.YearLimit, in.Audience,
			in.Agenda, in.Staffing, in.Resources, in.PointMode, in.PointAmount, id)
		if db.IsUniqueViolation(err) {
			return "", "", apperr.Field("plan_item_id", "该计划活动已有方案", "an event was already proposed for this planned item")
		}
		if err != nil {
			return "", "", err
		}
		return "updated", "", writeBudget(ctx, tx, id, in.Budget)
	})
}

// Submit sends a draft or returned proposal to review.
func (s *Service) Submit(ctx context.Context, id int64, within *Scope) (*Event, error) {
	return s.step(ctx, id, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status == InReview {
			return "", "", nil // a retry
		}
		if !e.Status.Editable() {
			return "", "", errStatus(e, "不能提交评审", "it cannot be submitted for review")
		}
		_, err := tx.Exec(ctx, "UPDATE events SET status = ? WHERE id = ?", InReview, id)
		return "submitted", "", err
	})
}

// ReviewInput is a reviewer's decision on a proposal (方案评审).
type ReviewInput struct {
	ReviewerID int64  `json:"-"`
	Approve    bool   `json:"approve"`
	Comments   string `json:"comments"` // required to return
	// Unplanned are the org paths where the reviewer may approve an
	// unplanned event (a supervisor: auth.EventApprove); nil: nowhere.
	Unplanned []string `json:"-"`
}

// Review approves a proposal in review or returns it with comments; each
// round is kept. The reviewer is never the proposer; an unplanned event
// needs a reviewer who may approve it.
func (s *Service) Review(ctx context.Context, id int64, in ReviewInput, within *Scope) (*Event, error) {
	if err := text("comments", &in.Comments, !in.Approve, MaxLong, "评审意见", "the comments"); err != nil {
		return nil, err
	}
	return s.step(ctx, id, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status != InReview {
			return "", "", errStatus(e, "不在评审中", "it is not in review")
		}
		if e.ProposerID != nil && *e.ProposerID == in.ReviewerID {
			return "", "", apperr.New(apperr.Forbidden, "方案评审人不能是提案人", "the reviewer cannot be the proposer")
		}
		if in.Approve && e.Unplanned && !(&Scope{Paths: in.Unplanned}).Allows(e.NodePath) {
			return "", "", apperr.New(apperr.Forbidden, "计划外活动须由主管批准", "an unplanned event needs a supervisor's approval")
		}
		round, err := tx.Count(ctx, "SELECT count(*) FROM event_reviews WHERE event_id = ?", id)
		if err != nil {
			return "", "", err
		}
		decision, status, action := "returned", Returned, "returned"
		if in.Approve {
			decision, status, action = "approved", Approved, "approved"
		}
		if _, err := tx.Exec(ctx, "INSERT INTO event_reviews (event_id, round, reviewer_id, decision, comments, at) VALUES (?, ?, ?, ?, ?, ?)",
			id, round+1, in.ReviewerID, decision, in.Comments, tx.Now); err != nil {
			return "", "", err
		}
		var approver *int64
		if in.Approve {
			approver = &in.ReviewerID
		}
		_, err = tx.Exec(ctx, "UPDATE events SET status = ?, approved_by = ? WHERE id = ?", status, approver, id)
		return action, fmt.Sprintf("第 %d 轮", round+1), err
	})
}

// Cancel cancels an event before it is held, with a reason; members who
// hold a registration are told in the portal (and by text if they consented).
func (s *Service) Cancel(ctx context.Context, id int64, reason string, within *Scope) (*Event, error) {
	if err := text("reason", &reason, true, MaxShort*2, "取消原因", "the reason"); err != nil {
		return nil, err
	}
	return s.step(ctx, id, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status == Cancelled {
			return "", "", nil
		}
		if !e.Status.Cancellable() {
			return "", "", errStatus(e, "不能再取消", "it can no longer be cancelled")
		}
		if _, err := tx.Exec(ctx, "UPDATE events SET status = ?, cancel_reason = ? WHERE id = ?", Cancelled, reason, id); err != nil {
			return "", "", err
		}
		ids, err := tx.IDs(ctx, "SELECT member_id FROM event_registrations WHERE event_id = ? AND status <> 'cancelled' ORDER BY seq", id)
		if err != nil {
			return "", "", err
		}
		for _, m := range ids {
			zh := "很抱歉，活动“" + e.Theme + "”已取消。"
			en := "Sorry: the event “" + e.Theme + "” has been cancelled."
			if err := s.tellMember(ctx, tx, m, e, "cancelled", zh, en); err != nil {
				return "", "", err
			}
		}
		return "cancelled", reason, nil
	})
}

// CopyAsProposal starts a new draft from an event of the case library (or
// any event within the scope): the proposal copied, dates moved to start,
// unplanned unless linked to a plan item later.
func (s *Service) CopyAsProposal(ctx context.Context, caseID int64, start time.Time, proposerID int64, within *Scope) (*Event, error) {
	c, err := s.Get(ctx, caseID, within)
	if err != nil {
		return nil, err
	}
	if start.IsZero() {
		return nil, apperr.Field("starts_at", "请填写新活动的开始时间", "the new event's start is required")
	}
	shift := start.Sub(c.StartsAt)
	p := Proposal{NodeID: c.NodeID, Kind: c.Kind, Organiser: c.Organiser, Department: c.Department, Merchant: c.Merchant,
		Theme: c.Theme, Goals: c.Goals, StartsAt: start, EndsAt: c.EndsAt.Add(shift), Deadline: c.Deadline.Add(shift),
		Venue: c.Venue, Address: c.Address, Capacity: c.Capacity, CompanionsMax: c.CompanionsMax, YearLimit: c.YearLimit,
		Audience: c.Audience, Agenda: c.Agenda, Staffing: c.Staffing, Resources: c.Resources, PointMode: c.PointMode,
		PointAmount: c.PointAmount, Budget: c.Budget}
	return s.propose(ctx, p, proposerID, within, &c.ID)
}

func targetJSON(t Target) (string, error) {
	b, err := json.Marshal(t)
	return string(b), err
}
