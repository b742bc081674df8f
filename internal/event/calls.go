package event

import (
	"context"
	"fmt"
	"slices"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// Outcome is how a follow-up call went.
type Outcome string

// The call outcomes.
const (
	Reached     Outcome = "reached"      // 已接通
	NoAnswer    Outcome = "no_answer"    // 无人接听
	WrongNumber Outcome = "wrong_number" // 号码错误
	Declined    Outcome = "declined"     // 拒绝回访
)

// Outcomes lists the outcomes.
var Outcomes = []Outcome{Reached, NoAnswer, WrongNumber, Declined}

// Call is a follow-up call to an attendee (活动会员回访).
type Call struct {
	ID         int64      `json:"id"`
	EventID    int64      `json:"event_id"`
	MemberID   int64      `json:"member_id"`
	MemberNo   string     `json:"member_no,omitempty"`
	MemberName string     `json:"member_name"`
	NodePath   string     `json:"-"`
	StaffID    int64      `json:"staff_id"`
	Staff      string     `json:"staff"`
	Outcome    Outcome    `json:"outcome,omitempty"` // "" not yet called
	Note       string     `json:"note,omitempty"`    // opened from its seal
	CalledAt   *time.Time `json:"called_at,omitempty"`
}

func noteAAD(id int64) string { return pii.AAD("event_calls.note_enc", id) }

// callColumns are a call's columns, read with callJoins by scanCall.
const callColumns = `c.id, c.event_id, c.member_id, COALESCE(m.member_no, ''), m.name, c.node_path, c.staff_id, st.name,
	c.outcome, c.note_enc, c.called_at`

const callJoins = ` JOIN members m ON m.id = c.member_id JOIN staff st ON st.id = c.staff_id`

// scanCall reads a row of callColumns, then extra, and opens the call's
// note.
func (s *Service) scanCall(sc interface{ Scan(...any) error }, c *Call, extra ...any) error {
	var enc []byte
	dest := append([]any{&c.ID, &c.EventID, &c.MemberID, &c.MemberNo, &c.MemberName, &c.NodePath, &c.StaffID, &c.Staff,
		&c.Outcome, &enc, &c.CalledAt}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return err
	}
	if len(enc) == 0 {
		return nil
	}
	var err error
	c.Note, err = s.Keys.Open(enc, noteAAD(c.ID))
	return err
}

// MakeCalls makes the call list of a held event: one call per attendee who
// has none, split in turn among staffIDs (active staff). It returns the
// whole list.
func (s *Service) MakeCalls(ctx context.Context, eventID int64, staffIDs []int64, within *Scope) ([]Call, error) {
	staffIDs = slices.Compact(slices.Sorted(slices.Values(staffIDs)))
	if len(staffIDs) == 0 {
		return nil, apperr.Field("staff_ids", "请选择负责回访的员工", "choose the staff who make the calls")
	}
	_, err := s.step(ctx, eventID, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status != Held && e.Status != Closed {
			return "", "", errStatus(e, "活动举办后才能生成回访名单", "calls are made once the event is held")
		}
		for _, id := range staffIDs {
			n, err := tx.Count(ctx, "SELECT count(*) FROM staff WHERE id = ? AND active", id)
			if err != nil {
				return "", "", err
			}
			if n == 0 {
				return "", "", apperr.Field("staff_ids", "请选择在职的员工", "choose active staff")
			}
		}
		rows, err := tx.Query(ctx, `SELECT r.member_id, r.node_path FROM event_registrations r WHERE r.event_id = ? AND r.checked_in_at IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM event_calls c WHERE c.event_id = r.event_id AND c.member_id = r.member_id) ORDER BY r.seq, r.id`, eventID)
		if err != nil {
			return "", "", err
		}
		type att struct {
			id   int64
			path string
		}
		var list []att
		for rows.Next() {
			var a att
			if err := rows.Scan(&a.id, &a.path); err != nil {
				rows.Close()
				return "", "", err
			}
			list = append(list, a)
		}
		rows.Close()
		if len(list) == 0 {
			return "", "", nil
		}
		have, err := tx.Count(ctx, "SELECT count(*) FROM event_calls WHERE event_id = ?", eventID)
		if err != nil {
			return "", "", err
		}
		for i, a := range list {
			if _, err := tx.Exec(ctx, "INSERT INTO event_calls (event_id, member_id, node_path, staff_id, created_at) VALUES (?, ?, ?, ?, ?)",
				eventID, a.id, a.path, staffIDs[(have+i)%len(staffIDs)], tx.Now); err != nil {
				return "", "", err
			}
		}
		return "calls", fmt.Sprintf("%d 人", len(list)), nil
	})
	if err != nil {
		return nil, err
	}
	return s.Calls(ctx, eventID, 0, within)
}

// Calls lists an event's calls (only staffID's when not 0) of members
// within the scope, with their notes opened.
func (s *Service) Calls(ctx context.Context, eventID, staffID int64, within *Scope) ([]Call, error) {
	if _, err := s.Get(ctx, eventID, within); err != nil {
		return nil, err
	}
	out := []Call{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		w, args := within.where("c.node_path")
		args = append([]any{eventID}, args...)
		if staffID != 0 {
			w += " AND c.staff_id = ?"
			args = append(args, staffID)
		}
		rows, err := tx.Query(ctx, "SELECT "+callColumns+" FROM event_calls c"+callJoins+" WHERE c.event_id = ? AND "+w+" ORDER BY c.staff_id, c.id", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Call
			if err := s.scanCall(rows, &c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// MyCall is a call on a staff member's list, with its event.
type MyCall struct {
	Call
	EventNo    string    `json:"event_no"`
	EventTheme string    `json:"event_theme"`
	EventStart time.Time `json:"event_starts_at"`
}

// CallsFor lists the calls given to staffID on every event within the
// scope (only those not yet made when pending), the newest event first,
// at most 500.
func (s *Service) CallsFor(ctx context.Context, staffID int64, pending bool, within *Scope) ([]MyCall, error) {
	out := []MyCall{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		we, args := within.where("e.node_path")
		wc, cargs := within.where("c.node_path")
		args = append(append([]any{staffID}, args...), cargs...)
		w := "c.staff_id = ? AND " + we + " AND " + wc
		if pending {
			w += " AND c.outcome = ''"
		}
		rows, err := tx.Query(ctx, "SELECT "+callColumns+", e.no, e.theme, e.starts_at FROM event_calls c JOIN events e ON e.id = c.event_id"+
			callJoins+" WHERE "+w+" ORDER BY e.starts_at DESC, c.id LIMIT 500", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c MyCall
			if err := s.scanCall(rows, &c.Call, &c.EventNo, &c.EventTheme, &c.EventStart); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// Call reads one follow-up call of a member within the scope, of an event
// within the scope.
func (s *Service) Call(ctx context.Context, callID int64, within *Scope) (*Call, error) {
	var c Call
	var evPath string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return s.scanCall(tx.QueryRow(ctx, "SELECT "+callColumns+", e.node_path FROM event_calls c JOIN events e ON e.id = c.event_id"+
			callJoins+" WHERE c.id = ?", callID), &c, &evPath)
	})
	if isNoRows(err) || (err == nil && (!within.Allows(c.NodePath) || !within.Allows(evPath))) {
		return nil, apperr.NotFoundf("回访", "call")
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// RecordCall records how a call went, with a note (sealed: it may hold
// personal data). It may be recorded again (a second attempt).
func (s *Service) RecordCall(ctx context.Context, callID int64, outcome Outcome, note string, within *Scope) (*Call, error) {
	var eventID int64
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var path, evPath string
		err := tx.QueryRow(ctx, "SELECT c.event_id, c.node_path, e.node_path FROM event_calls c JOIN events e ON e.id = c.event_id WHERE c.id = ?",
			callID).Scan(&eventID, &path, &evPath)
		if err != nil || !within.Allows(path) || !within.Allows(evPath) {
			return apperr.NotFoundf("回访", "call") // outside the scope, before the input: a caller learns nothing of it
		}
		if !slices.Contains(Outcomes, outcome) {
			return apperr.Field("outcome", "请选择回访结果", "choose the outcome of the call")
		}
		if err := text("note", &note, false, MaxLong, "回访记录", "the note"); err != nil {
			return err
		}
		var enc []byte
		if note != "" {
			if enc, err = s.Keys.Seal(note, noteAAD(callID)); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE event_calls SET outcome = ?, note_enc = ?, called_at = ? WHERE id = ?", outcome, enc, tx.Now, callID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "event.call", ObjectType: "event", ObjectID: eventID, NodePath: evPath,
			Summary: "活动回访 " + outcome.Label(""), After: map[string]any{"call_id": callID, "outcome": outcome}})
	})
	if err != nil {
		return nil, fmt.Errorf("record call %d: %w", callID, err)
	}
	calls, err := s.Calls(ctx, eventID, 0, within)
	if err != nil {
		return nil, err
	}
	for i := range calls {
		if calls[i].ID == callID {
			return &calls[i], nil
		}
	}
	return nil, apperr.NotFoundf("回访", "call")
}
