package event

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/sms"
	"estateclub/internal/survey"
)

// Service keeps events. Only DB and Keys are required; without Cards no
// QR or card check-in, without Points no points, without Surveys no
// survey, without SMS no text messages, without Jobs the publication
// notice is sent at once instead of queued.
type Service struct {
	DB      *db.DB
	Keys    *pii.Keys // seals call notes and receipts
	Members *member.Service
	Cards   *card.Service
	Points  *points.Service
	Surveys *survey.Service
	SMS     *sms.Service
	Jobs    *jobs.Queue
}

// Scope is where a staff member may act: events whose node lies at or
// below one of Paths, and members who joined there. A nil *Scope is
// everywhere.
type Scope struct{ Paths []string }

// Within is the scope of paths (nil paths: everywhere).
func Within(paths []string) *Scope {
	if paths == nil {
		return nil
	}
	return &Scope{Paths: paths}
}

// Allows reports whether the scope reaches an org path.
func (sc *Scope) Allows(path string) bool {
	if sc == nil {
		return true
	}
	for _, p := range sc.Paths {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// where is the scope as SQL over col.
func (sc *Scope) where(col string) (string, []any) {
	if sc == nil {
		return "1 = 1", nil
	}
	return db.PathsWhere(col, sc.Paths)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func errNotFound() error { return apperr.NotFoundf("活动", "event") }

const eventColumns = `e.id, e.no, e.node_id, n.code, n.name, e.node_path, e.plan_item_id, e.unplanned, e.kind, e.organiser,
	e.department, e.merchant, e.theme, e.goals, e.starts_at, e.ends_at, e.deadline, e.venue, e.address, e.capacity,
	e.companions_max, e.year_limit, e.audience, e.agenda, e.staffing, e.resources, e.point_mode, e.point_amount, e.target,
	e.status, e.proposer_id, COALESCE(st.name, ''), e.approved_by, e.copied_from, e.seats_taken, e.lessons, e.cancel_reason,
	e.survey_sent_at, e.published_at, e.closed_at, e.version, e.created_at, e.updated_at,
	COALESCE((SELECT sum(b.amount_fen) FROM event_budget_lines b WHERE b.event_id = e.id), 0)`

const eventFrom = ` FROM events e JOIN org_nodes n ON n.id = e.node_id LEFT JOIN staff st ON st.id = e.proposer_id`

func scanEvent(sc interface{ Scan(...any) error }) (*Event, error) {
	var e Event
	var target string
	err := sc.Scan(&e.ID, &e.No, &e.NodeID, &e.NodeCode, &e.NodeName, &e.NodePath, &e.PlanItemID, &e.Unplanned, &e.Kind, &e.Organiser,
		&e.Department, &e.Merchant, &e.Theme, &e.Goals, &e.StartsAt, &e.EndsAt, &e.Deadline, &e.Venue, &e.Address, &e.Capacity,
		&e.CompanionsMax, &e.YearLimit, &e.Audience, &e.Agenda, &e.Staffing, &e.Resources, &e.PointMode, &e.PointAmount, &target,
		&e.Status, &e.ProposerID, &e.Proposer, &e.ApprovedBy, &e.CopiedFrom, &e.SeatsTaken, &e.Lessons, &e.CancelNote,
		&e.SurveySent, &e.PublishedAt, &e.ClosedAt, &e.Version, &e.CreatedAt, &e.UpdatedAt, &e.BudgetFen)
	if isNoRows(err) {
		return nil, errNotFound()
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(target), &e.Target); err != nil {
		return nil, fmt.Errorf("event %d target: %w", e.ID, err)
	}
	return &e, nil
}

// load reads an event with its budget lines and target paths.
func load(ctx context.Context, tx *db.Tx, id int64) (*Event, error) {
	e, err := scanEvent(tx.QueryRow(ctx, "SELECT "+eventColumns+eventFrom+" WHERE e.id = ?", id))
	if err != nil {
		return nil, err
	}
	if e.Budget, err = budgetLines(ctx, tx, id); err != nil {
		return nil, err
	}
	for _, nid := range e.Target.NodeIDs {
		var p string
		if err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE id = ?", nid).Scan(&p); err != nil {
			return nil, err
		}
		e.Target.NodePaths = append(e.Target.NodePaths, p)
	}
	return e, nil
}

func budgetLines(ctx context.Context, tx *db.Tx, id int64) ([]BudgetLine, error) {
	rows, err := tx.Query(ctx, "SELECT id, category, item, amount_fen FROM event_budget_lines WHERE event_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BudgetLine{}
	for rows.Next() {
		var b BudgetLine
		if err := rows.Scan(&b.ID, &b.Category, &b.Item, &b.AmountFen); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// lockEvent takes the event's row lock (PostgreSQL; SQLite's writer holds
// the database) and reads it; outside the scope it is not found.
func lockEvent(ctx context.Context, tx *db.Tx, id int64, within *Scope) (*Event, error) {
	var v int
	if err := tx.QueryRow(ctx, "SELECT version FROM events WHERE id = ?"+tx.ForUpdate(), id).Scan(&v); err != nil {
		if isNoRows(err) {
			return nil, errNotFound()
		}
		return nil, err
	}
	e, err := load(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if !within.Allows(e.NodePath) {
		return nil, errNotFound()
	}
	return e, nil
}

// step runs fn on event id, locked, and records the history line and the
// audit entry (action "event.<action>") that fn names; an empty action
// changes nothing.
func (s *Service) step(ctx context.Context, id int64, within *Scope, fn func(tx *db.Tx, e *Event) (action, note string, err error)) (*Event, error) {
	var out *Event
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		before, err := lockEvent(ctx, tx, id, within)
		if err != nil {
			return err
		}
		action, note, err := fn(tx, before)
		if err != nil {
			return err
		}
		if action == "" {
			out = before
			return nil
		}
		if out, err = s.record(ctx, tx, before, action, note); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	return out, nil
}

// record bumps the event's version, writes the history line and the audit
// entry of action, and returns the event as it now is.
func (s *Service) record(ctx context.Context, tx *db.Tx, before *Event, action, note string) (*Event, error) {
	if _, err := tx.Exec(ctx, "UPDATE events SET version = version + 1, updated_at = ? WHERE id = ?", tx.Now, before.ID); err != nil {
		return nil, err
	}
	if err := addHistory(ctx, tx, before.ID, action, note); err != nil {
		return nil, err
	}
	after, err := load(ctx, tx, before.ID)
	if err != nil {
		return nil, err
	}
	var b map[string]any
	if before.Status != "" {
		b = brief(before)
	}
	return after, audit.Record(ctx, tx, audit.Change{Action: "event." + action, ObjectType: "event", ObjectID: before.ID,
		NodePath: after.NodePath, Summary: after.No + " " + after.Theme + " " + HistoryLabel(action, ""), Before: b, After: brief(after)})
}

// brief is what the audit log keeps of an event: its state, no personal data.
func brief(e *Event) map[string]any {
	return map[string]any{"no": e.No, "status": e.Status, "theme": e.Theme, "capacity": e.Capacity,
		"seats_taken": e.SeatsTaken, "unplanned": e.Unplanned}
}

// addHistory appends a line to an event's history, as the transaction's actor.
func addHistory(ctx context.Context, tx *db.Tx, eventID int64, action, note string) error {
	login := tx.Actor.Login
	if login == "" {
		login = tx.Actor.Kind
	}
	_, err := tx.Exec(ctx, `INSERT INTO event_history (event_id, at, actor_kind, actor_login, action, note) VALUES (?, ?, ?, ?, ?, ?)`,
		eventID, tx.Now, tx.Actor.Kind, login, action, note)
	return err
}

func errStatus(e *Event, zh, en string) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "status",
		ZH: "活动“" + e.Theme + "”当前为“" + e.Status.Label("") + "”，" + zh,
		EN: "event “" + e.Theme + "” is " + strings.ToLower(e.Status.Label("en")) + "; " + en}
}
