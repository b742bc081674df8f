package points

import (
	"context"
	"fmt"
	"strings"

	"estateclub/internal/db"
)

// EventFilter selects recorded events.
type EventFilter struct {
	Within   []string  // org paths of the members the caller may see; nil: everywhere
	MemberID int64     // 0: any member
	BatchID  int64     // 0: any batch or none
	Type     EventType // "": any
	Offset   int
	Limit    int // default 50, at most 1000
}

const eventColumns = `e.id, e.member_id, e.event_type, e.ref, e.occurred_at, e.note, e.batch_id, e.actor_login, e.created_at, m.name, m.member_no`

// Event returns a recorded event with its awards.
func (s *Service) Event(ctx context.Context, id int64) (*Event, error) {
	var out *Event
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		out, err = loadEvent(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("points event: %w", err)
	}
	return out, nil
}

// Events lists recorded events (积分事件), newest first, with their awards,
// and how many match f.
func (s *Service) Events(ctx context.Context, f EventFilter) ([]Event, int, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("m.node_path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.MemberID != 0 {
		conds, args = append(conds, "e.member_id = ?"), append(args, f.MemberID)
	}
	if f.BatchID != 0 {
		conds, args = append(conds, "e.batch_id = ?"), append(args, f.BatchID)
	}
	if f.Type != "" {
		conds, args = append(conds, "e.event_type = ?"), append(args, f.Type)
	}
	from := " FROM point_events e JOIN members m ON m.id = e.member_id"
	if len(conds) > 0 {
		from += " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	out := []Event{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*)"+from, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+eventColumns+from+" ORDER BY e.id DESC LIMIT ? OFFSET ?", append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		byID := map[int64]int{}
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				return err
			}
			byID[e.ID] = len(out)
			out = append(out, *e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return awardsOf(ctx, tx, byID, out)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("points events: %w", err)
	}
	return out, total, nil
}

func scanEvent(sc interface{ Scan(...any) error }) (*Event, error) {
	e := &Event{Awards: []Award{}}
	var no *string
	err := sc.Scan(&e.ID, &e.MemberID, &e.Type, &e.Ref, &e.OccurredAt, &e.Note, &e.BatchID, &e.ActorLogin, &e.CreatedAt, &e.MemberName, &no)
	e.MemberNo = deref(no)
	return e, err
}

func loadEvent(ctx context.Context, tx *db.Tx, id int64) (*Event, error) {
	e, err := scanEvent(tx.QueryRow(ctx, "SELECT "+eventColumns+" FROM point_events e JOIN members m ON m.id = e.member_id WHERE e.id = ?", id))
	if err != nil {
		return nil, notFound(err, "积分事件", "points event")
	}
	out := []Event{*e}
	if err := awardsOf(ctx, tx, map[int64]int{id: 0}, out); err != nil {
		return nil, err
	}
	return &out[0], nil
}

// awardsOf fills in the awards of events (byID: event id → index).
func awardsOf(ctx context.Context, tx *db.Tx, byID map[int64]int, events []Event) error {
	if len(byID) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	rows, err := tx.Query(ctx, `SELECT event_id, rule_id, plan_id, kind, amount, capped, transaction_id FROM point_awards
		WHERE event_id IN (`+marks(len(ids))+`) ORDER BY id`, anys(ids)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var eid int64
		var a Award
		if err := rows.Scan(&eid, &a.RuleID, &a.PlanID, &a.Kind, &a.Amount, &a.Capped, &a.TransactionID); err != nil {
			return err
		}
		e := &events[byID[eid]]
		e.Awards = append(e.Awards, a)
		e.Points.add(a.Kind, a.Amount)
	}
	return rows.Err()
}
