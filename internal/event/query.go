package event

import (
	"context"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// Get reads an event with everything its page shows: budget, actual
// costs, review rounds, history and counts. Outside the scope it is not found.
func (s *Service) Get(ctx context.Context, id int64, within *Scope) (*Event, error) {
	var e *Event
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		e, err = load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !within.Allows(e.NodePath) {
			return errNotFound()
		}
		return fill(ctx, tx, e)
	})
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	return e, nil
}

func fill(ctx context.Context, tx *db.Tx, e *Event) error {
	var err error
	if e.Costs, err = costs(ctx, tx, e.ID); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `SELECT r.round, r.reviewer_id, COALESCE(st.name, ''), r.decision = 'approved', r.comments, r.at
		FROM event_reviews r LEFT JOIN staff st ON st.id = r.reviewer_id WHERE r.event_id = ? ORDER BY r.round`, e.ID)
	if err != nil {
		return err
	}
	e.Reviews = []Review{}
	for rows.Next() {
		var r Review
		if err := rows.Scan(&r.Round, &r.ReviewerID, &r.Reviewer, &r.Approved, &r.Comments, &r.At); err != nil {
			rows.Close()
			return err
		}
		e.Reviews = append(e.Reviews, r)
	}
	rows.Close()
	rows, err = tx.Query(ctx, "SELECT at, actor_login, action, note FROM event_history WHERE event_id = ? ORDER BY id", e.ID)
	if err != nil {
		return err
	}
	e.History = []HistoryLine{}
	for rows.Next() {
		var h HistoryLine
		if err := rows.Scan(&h.At, &h.Actor, &h.Action, &h.Note); err != nil {
			rows.Close()
			return err
		}
		e.History = append(e.History, h)
	}
	rows.Close()
	e.Counts, err = counts(ctx, tx, e.ID)
	return err
}

func counts(ctx context.Context, tx *db.Tx, id int64) (*Counts, error) {
	var c Counts
	err := tx.QueryRow(ctx, `SELECT
		COALESCE(sum(CASE WHEN status = 'registered' AND NOT walk_in THEN 1 ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN status = 'registered' AND NOT walk_in THEN 1 + companions ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(sum(CASE WHEN walk_in AND checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM event_registrations WHERE event_id = ?`, id).Scan(&c.Registered, &c.Seats, &c.Waiting, &c.Cancelled, &c.CheckedIn, &c.WalkIns)
	return &c, err
}

// Filter selects events for the list and the calendar.
type Filter struct {
	Within    *Scope
	Status    []Status // none: any
	Kind      Kind
	NodeID    int64 // at or below this node; 0: any
	Unplanned *bool
	From, To  time.Time // starts in [From, To); zero: open
	Q         string    // theme, venue or number
	Offset    int
	Limit     int // 0: 50; at most 500
}

func (f Filter) where() (string, []any) {
	w, args := f.Within.where("e.node_path")
	conds := []string{w}
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	if len(f.Status) > 0 {
		ph := strings.Repeat(", ?", len(f.Status)-1)
		a := make([]any, len(f.Status))
		for i, s := range f.Status {
			a[i] = s
		}
		add("e.status IN (?"+ph+")", a...)
	}
	if f.Kind != "" {
		add("e.kind = ?", f.Kind)
	}
	if f.NodeID != 0 {
		add("e.node_path LIKE (SELECT path FROM org_nodes WHERE id = ?) || '%'", f.NodeID)
	}
	if f.Unplanned != nil {
		add("e.unplanned = ?", *f.Unplanned)
	}
	if !f.From.IsZero() {
		add("e.starts_at >= ?", f.From)
	}
	if !f.To.IsZero() {
		add("e.starts_at < ?", f.To)
	}
	if q := strings.TrimSpace(f.Q); q != "" {
		like := "%" + db.Like(q) + "%"
		add(`(e.theme LIKE ? ESCAPE '\' OR e.venue LIKE ? ESCAPE '\' OR e.no LIKE ? ESCAPE '\' OR e.lessons LIKE ? ESCAPE '\')`, like, like, like, like)
	}
	return strings.Join(conds, " AND "), args
}

// List returns the events f picks, the soonest start last (newest first),
// and how many there are in all.
func (s *Service) List(ctx context.Context, f Filter) ([]Event, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	out := []Event{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		w, args := f.where()
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM events e WHERE "+w, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+eventColumns+eventFrom+" WHERE "+w+" ORDER BY e.starts_at DESC, e.id DESC LIMIT ? OFFSET ?",
			append(args, f.Limit, f.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				return err
			}
			out = append(out, *e)
		}
		return rows.Err()
	})
	return out, total, err
}

// Month returns the events starting in a month (club time) within the
// scope, cancelled ones left out, in start order: the month calendar.
func (s *Service) Month(ctx context.Context, year int, month time.Month, within *Scope) ([]Event, error) {
	from := time.Date(year, month, 1, 0, 0, 0, 0, china)
	st := []Status{Draft, InReview, Returned, Approved, Published, RegClosed, Held, Closed}
	list, _, err := s.List(ctx, Filter{Within: within, Status: st, From: from, To: from.AddDate(0, 1, 0), Limit: 500})
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, err
}

// RegFilter selects an event's registrations.
type RegFilter struct {
	Status    RegStatus // "": every one
	CheckedIn *bool
	WalkIn    *bool // checked in without registering (nil: either)
	// Within limits them to members who joined within the scope (nil: all).
	Within *Scope
	Offset int
	Limit  int // 0: 100; at most 20000
}

// Registrations lists an event's registrations in arrival order with their
// total; the event must lie within eventWithin.
func (s *Service) Registrations(ctx context.Context, eventID int64, f RegFilter, eventWithin *Scope) ([]Registration, int, error) {
	if _, err := s.Get(ctx, eventID, eventWithin); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	f.Limit = min(f.Limit, 20000)
	out := []Registration{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		w, args := f.Within.where("r.node_path")
		w = "r.event_id = ? AND " + w
		args = append([]any{eventID}, args...)
		if f.Status != "" {
			w += " AND r.status = ?"
			args = append(args, f.Status)
		}
		if f.CheckedIn != nil {
			if *f.CheckedIn {
				w += " AND r.checked_in_at IS NOT NULL"
			} else {
				w += " AND r.checked_in_at IS NULL"
			}
		}
		if f.WalkIn != nil {
			if *f.WalkIn {
				w += " AND r.walk_in"
			} else {
				w += " AND NOT r.walk_in"
			}
		}
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM event_registrations r WHERE "+w, args...); err != nil {
			return err
		}
		// A page after the first counts the waiting ahead of it.
		waiting := 0
		if f.Offset > 0 {
			if waiting, err = tx.Count(ctx, `SELECT count(*) FROM (SELECT r.status FROM event_registrations r WHERE `+w+`
				ORDER BY r.seq, r.id LIMIT ?) x WHERE x.status = 'waiting'`, append(args, f.Offset)...); err != nil {
				return err
			}
		}
		rows, err := tx.Query(ctx, "SELECT "+regColumns+regFrom+" WHERE "+w+" ORDER BY r.seq, r.id LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanReg(rows)
			if err != nil {
				return err
			}
			if r.Status == Waiting {
				r.WaitingAhead = waiting
				waiting++
			}
			out = append(out, *r)
		}
		return rows.Err()
	})
	return out, total, err
}

// Registration reads a member's registration for an event within the
// scope (of the event and of the member); none is not found.
func (s *Service) Registration(ctx context.Context, eventID, memberID int64, within *Scope) (*Registration, error) {
	if _, err := s.Get(ctx, eventID, within); err != nil {
		return nil, err
	}
	r, err := s.registration(ctx, eventID, memberID)
	if err != nil {
		return nil, err
	}
	if !within.Allows(r.NodePath) {
		return nil, apperr.NotFoundf("报名", "registration")
	}
	return r, nil
}

func (s *Service) registration(ctx context.Context, eventID, memberID int64) (*Registration, error) {
	var r *Registration
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) { r, err = regOf(ctx, tx, eventID, memberID); return err })
	return r, err
}

// MemberEvent is an event as a member sees it: with their registration.
type MemberEvent struct {
	Event
	Registration *Registration `json:"registration,omitempty"`
}

// ForMember lists the events published to a member that still take
// registrations or have not yet started (活动报名: "events for me"),
// soonest first, with the member's registration if any.
func (s *Service) ForMember(ctx context.Context, memberID int64) ([]MemberEvent, error) {
	out := []MemberEvent{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+eventColumns+eventFrom+" WHERE e.status IN ('published', 'reg_closed') AND e.ends_at > ? ORDER BY e.starts_at, e.id", tx.Now)
		if err != nil {
			return err
		}
		var list []*Event
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			list = append(list, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, e := range list {
			if err := targetPaths(ctx, tx, e); err != nil {
				return err
			}
			ok, err := visible(ctx, tx, e, memberID)
			if err != nil {
				return err
			}
			reg, rerr := regOf(ctx, tx, e.ID, memberID)
			if rerr != nil && !apperr.Is(rerr, apperr.NotFound) {
				return rerr
			}
			if ok || reg != nil {
				out = append(out, MemberEvent{Event: *e, Registration: reg})
			}
		}
		return nil
	})
	return out, err
}

func targetPaths(ctx context.Context, tx *db.Tx, e *Event) error {
	e.Target.NodePaths = nil
	for _, nid := range e.Target.NodeIDs {
		var p string
		if err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE id = ?", nid).Scan(&p); err != nil {
			return err
		}
		e.Target.NodePaths = append(e.Target.NodePaths, p)
	}
	return nil
}

// ForMemberDetail reads one event for a member: published to them, or one
// they registered for.
func (s *Service) ForMemberDetail(ctx context.Context, eventID, memberID int64) (*MemberEvent, error) {
	var out *MemberEvent
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		e, err := load(ctx, tx, eventID)
		if err != nil {
			return err
		}
		reg, rerr := regOf(ctx, tx, eventID, memberID)
		if rerr != nil && !apperr.Is(rerr, apperr.NotFound) {
			return rerr
		}
		ok := false
		if e.Status.Public() || e.Status == Cancelled {
			if ok, err = visible(ctx, tx, e, memberID); err != nil {
				return err
			}
		}
		if !(ok && e.Status.Public()) && reg == nil {
			return errNotFound()
		}
		out = &MemberEvent{Event: *e, Registration: reg}
		return nil
	})
	return out, err
}

// MyEvents lists the events a member registered for or attended, newest first.
func (s *Service) MyEvents(ctx context.Context, memberID int64) ([]MemberEvent, error) {
	out := []MemberEvent{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		ids, err := tx.IDs(ctx, `SELECT r.event_id FROM event_registrations r JOIN events e ON e.id = r.event_id
			WHERE r.member_id = ? ORDER BY e.starts_at DESC, e.id DESC LIMIT 200`, memberID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			e, err := load(ctx, tx, id)
			if err != nil {
				return err
			}
			reg, err := regOf(ctx, tx, id, memberID)
			if err != nil {
				return err
			}
			out = append(out, MemberEvent{Event: *e, Registration: reg})
		}
		return nil
	})
	return out, err
}
