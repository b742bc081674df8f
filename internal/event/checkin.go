package event

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/points"
)

// CheckInInput names the member being checked in: by the payload of their
// card's QR code, by card number, or by member id (a candidate picked
// after FindAttendee). WalkIn accepts a member who did not register.
type CheckInInput struct {
	QR         string `json:"qr,omitempty"`
	CardNumber string `json:"card_number,omitempty"`
	MemberID   int64  `json:"member_id,omitempty"`
	WalkIn     bool   `json:"walk_in,omitempty"`
	StaffID    int64  `json:"-"`
}

// CheckIn is what a check-in did.
type CheckIn struct {
	Registration *Registration `json:"registration"`
	WalkIn       bool          `json:"walk_in"`
	Points       int64         `json:"points"` // awarded now (0 when none or already)
}

// Check-in error codes (apperr.Error.Field) the check-in page tells apart.
const (
	FieldAlreadyIn  = "already_checked_in"
	FieldOtherCity  = "card_city"
	FieldNotOnList  = "not_registered"
	FieldCardStatus = "card"
)

// CheckIn checks a member in at an event (签到), once: a second check-in
// fails with FieldAlreadyIn and changes nothing. A card of another city
// company than the event's is refused. A member who did not register is
// checked in as a walk-in only with in.WalkIn; a waiting one takes a seat
// on the day. Attendance then earns the event's points, once per member
// and event (idempotency key event:<id>:member:<id>).
func (s *Service) CheckIn(ctx context.Context, eventID int64, in CheckInInput, within *Scope) (*CheckIn, error) {
	memberID, method, err := s.identify(ctx, eventID, in, within)
	if err != nil {
		return nil, err
	}
	out := &CheckIn{}
	var e *Event
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if e, err = lockEvent(ctx, tx, eventID, within); err != nil {
			return err
		}
		if !e.Status.CheckInOpen() {
			return errStatus(e, "不能签到", "check-in is not open")
		}
		r, err := regOf(ctx, tx, eventID, memberID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		if r != nil && r.CheckedInAt != nil {
			return &apperr.Error{Code: apperr.Conflict, Field: FieldAlreadyIn,
				ZH: r.MemberName + " 已于 " + r.CheckedInAt.In(china).Format("15:04") + " 签到",
				EN: r.MemberName + " already checked in at " + r.CheckedInAt.In(china).Format("15:04")}
		}
		walkIn := r == nil || r.Status == RegCancelled
		if walkIn && !in.WalkIn {
			return &apperr.Error{Code: apperr.Conflict, Field: FieldNotOnList, ZH: "该会员未报名本活动，可作为现场会员签到",
				EN: "the member did not register for this event; check them in as a walk-in"}
		}
		points := "none"
		if e.PointMode != NoPoints && s.Points != nil {
			points = "pending"
		}
		switch {
		case r == nil:
			var path string
			if err := tx.QueryRow(ctx, "SELECT node_path FROM members WHERE id = ?", memberID).Scan(&path); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO event_registrations (event_id, member_id, node_path, seq, status, companions, channel, by_staff_id,
				walk_in, checked_in_at, checkin_method, checked_in_by, points_status, created_at, updated_at)
				VALUES (?, ?, ?, (SELECT next_seq + 1 FROM events WHERE id = ?), 'registered', 0, 'walk_in', ?, ?, ?, ?, ?, ?, ?, ?)`,
				eventID, memberID, path, eventID, nullID(in.StaffID), true, tx.Now, method, nullID(in.StaffID), points, tx.Now, tx.Now)
			if err == nil {
				_, err = tx.Exec(ctx, "UPDATE events SET next_seq = next_seq + 1 WHERE id = ?", eventID)
			}
		case walkIn:
			_, err = tx.Exec(ctx, `UPDATE event_registrations SET status = 'registered', companions = 0, walk_in = ?, checked_in_at = ?,
				checkin_method = ?, checked_in_by = ?, points_status = ?, cancelled_at = NULL, updated_at = ? WHERE id = ?`,
				true, tx.Now, method, nullID(in.StaffID), points, tx.Now, r.ID)
		default:
			if r.Status == Waiting {
				// Came on the day from the waiting list: they are here, so they count.
				_, err = tx.Exec(ctx, "UPDATE events SET seats_taken = seats_taken + ? WHERE id = ?", 1+r.Companions, eventID)
				if err != nil {
					return err
				}
			}
			_, err = tx.Exec(ctx, `UPDATE event_registrations SET status = 'registered', checked_in_at = ?, checkin_method = ?, checked_in_by = ?,
				points_status = ?, updated_at = ? WHERE id = ?`, tx.Now, method, nullID(in.StaffID), points, tx.Now, r.ID)
		}
		if err != nil {
			return err
		}
		if out.Registration, err = regOf(ctx, tx, eventID, memberID); err != nil {
			return err
		}
		out.WalkIn = walkIn
		return audit.Record(ctx, tx, audit.Change{Action: "event.checkin", ObjectType: "event", ObjectID: eventID, NodePath: e.NodePath,
			Summary: e.No + " 签到", After: map[string]any{"member_id": memberID, "method": method, "walk_in": walkIn}})
	})
	if err != nil {
		return nil, fmt.Errorf("check in at event %d: %w", eventID, err)
	}
	if out.Registration.PointsStatus == "pending" {
		out.Points, _ = s.award(ctx, e, memberID)
		if r, err := s.registration(ctx, eventID, memberID); err == nil {
			out.Registration = r
		}
	}
	return out, nil
}

// identify finds the member a check-in names and how.
func (s *Service) identify(ctx context.Context, eventID int64, in CheckInInput, within *Scope) (int64, string, error) {
	var c *card.Card
	var err error
	switch {
	case strings.TrimSpace(in.QR) != "":
		if s.Cards == nil {
			return 0, "", apperr.New(apperr.Internal, "未配置会员卡服务", "no card service")
		}
		if c, err = s.Cards.ScanQR(ctx, in.QR); err != nil {
			return 0, "", err
		}
		return s.cardHolder(ctx, eventID, c, "qr", within)
	case strings.TrimSpace(in.CardNumber) != "":
		if s.Cards == nil {
			return 0, "", apperr.New(apperr.Internal, "未配置会员卡服务", "no card service")
		}
		if c, err = s.Cards.Lookup(ctx, in.CardNumber); err != nil {
			return 0, "", err
		}
		return s.cardHolder(ctx, eventID, c, "card", within)
	case in.MemberID > 0:
		return in.MemberID, "pick", nil
	}
	return 0, "", apperr.Field("qr", "请扫描会员卡二维码，或输入卡号、手机尾号和姓氏", "scan the card's QR code, or enter the card number, or the mobile's last 4 digits and surname")
}

// cardHolder checks a card at an event: usable, of the event's city.
func (s *Service) cardHolder(ctx context.Context, eventID int64, c *card.Card, method string, within *Scope) (int64, string, error) {
	if !c.Usable() {
		return 0, "", &apperr.Error{Code: apperr.Conflict, Field: FieldCardStatus, ZH: "会员卡 " + c.Number + " 已挂失或停用，不能签到",
			EN: "card " + c.Number + " is blocked (lost or replaced) and cannot be used"}
	}
	e, err := s.Get(ctx, eventID, within)
	if err != nil {
		return 0, "", err
	}
	if !strings.HasPrefix(e.NodePath, c.NodePath) && !strings.HasPrefix(c.NodePath, e.NodePath) {
		return 0, "", &apperr.Error{Code: apperr.Conflict, Field: FieldOtherCity,
			ZH: "这是" + c.CityName + "的会员卡，本活动属于" + e.NodeName + "，不能签到",
			EN: "this card is from " + c.CityName + "; the event belongs to " + e.NodeName + ", so it cannot be used here"}
	}
	return *c.MemberID, method, nil
}

// Candidate is a member a check-in by mobile's last 4 and surname may mean.
type Candidate struct {
	MemberID   int64     `json:"member_id"`
	MemberNo   string    `json:"member_no,omitempty"`
	Name       string    `json:"name"`
	Status     RegStatus `json:"status,omitempty"` // "" when not registered
	CheckedIn  bool      `json:"checked_in"`
	Companions int       `json:"companions"`
}

// FindAttendee returns the members within the scope whose mobile ends in
// last4 and whose name starts with surname, registered ones first, for
// staff to pick one to check in (at most 20).
func (s *Service) FindAttendee(ctx context.Context, eventID int64, last4, surname string, within *Scope) ([]Candidate, error) {
	last4, surname = strings.TrimSpace(last4), strings.TrimSpace(surname)
	if len(last4) != 4 || strings.Trim(last4, "0123456789") != "" {
		return nil, apperr.Field("last4", "请输入手机号后 4 位数字", "enter the mobile's last 4 digits")
	}
	if surname == "" || utf8.RuneCountInString(surname) > 4 {
		return nil, apperr.Field("surname", "请输入姓氏", "enter the surname")
	}
	if _, err := s.Get(ctx, eventID, within); err != nil {
		return nil, err
	}
	out := []Candidate{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		w, args := within.where("m.node_path")
		rows, err := tx.Query(ctx, `SELECT m.id, COALESCE(m.member_no, ''), m.name, COALESCE(r.status, ''), r.checked_in_at IS NOT NULL,
			COALESCE(r.companions, 0) FROM members m LEFT JOIN event_registrations r ON r.member_id = m.id AND r.event_id = ?
			WHERE m.mobile_last4_idx = ? AND m.name LIKE ? ESCAPE '\' AND m.status <> 'closed' AND `+w+`
			ORDER BY CASE WHEN r.status = 'registered' THEN 0 WHEN r.status = 'waiting' THEN 1 ELSE 2 END, m.id LIMIT 20`,
			append([]any{eventID, s.Keys.Last4Index("mobile", last4), db.Like(surname) + "%"}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Candidate
			if err := rows.Scan(&c.MemberID, &c.MemberNo, &c.Name, &c.Status, &c.CheckedIn, &c.Companions); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// awardKey is the idempotency key of a member's attendance points.
func awardKey(eventID, memberID int64) string {
	return fmt.Sprintf("event:%d:member:%d", eventID, memberID)
}

// award posts a checked-in member's attendance points and records the
// outcome on the registration. The points module knows the award by its
// key (fixed points) or its ref (plan rules), so a retry posts nothing twice.
func (s *Service) award(ctx context.Context, e *Event, memberID int64) (int64, error) {
	key := awardKey(e.ID, memberID)
	var got int64
	var err error
	switch e.PointMode {
	case FixedPoints:
		var t *points.Transaction
		t, err = s.Points.Post(ctx, points.Entry{MemberID: memberID, Kind: points.Reward, Amount: e.PointAmount, Source: points.FromEvent,
			Reason: "参加活动 " + e.No, Ref: e.No, IdempotencyKey: key})
		if err == nil && !t.Replayed {
			got = t.Amount
		}
	case PlanPoints:
		var ev *points.Event
		ev, err = s.Points.RecordEvent(ctx, points.EventInput{MemberID: memberID, Type: points.EvEventAttendance, Ref: key,
			OccurredAt: e.StartsAt, Note: "参加活动 " + e.No})
		if err == nil && !ev.Replayed {
			got = ev.Points.Reward
		}
	default:
		return 0, nil
	}
	status, msg := "posted", ""
	if err != nil {
		status, msg = "failed", apperr.As(err).Message("zh-CN")
	}
	uerr := s.DB.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE event_registrations SET points_status = ?, points_error = ?, updated_at = ? WHERE event_id = ? AND member_id = ?",
			status, msg, tx.Now, e.ID, memberID)
		return err
	})
	if err == nil {
		err = uerr
	}
	return got, err
}

// AwardPending posts the attendance points that are still pending or
// failed (the member approved since, a plan's budget raised …); safe to
// run at any time. It returns how many it posted.
func (s *Service) AwardPending(ctx context.Context) (int, error) {
	if s.Points == nil {
		return 0, nil
	}
	type todo struct{ event, member int64 }
	var list []todo
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT event_id, member_id FROM event_registrations WHERE points_status IN ('pending', 'failed')
			AND checked_in_at IS NOT NULL ORDER BY id LIMIT 1000`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t todo
			if err := rows.Scan(&t.event, &t.member); err != nil {
				return err
			}
			list = append(list, t)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, err
	}
	n := 0
	events := map[int64]*Event{}
	for _, t := range list {
		e := events[t.event]
		if e == nil {
			if e, err = s.Get(ctx, t.event, nil); err != nil {
				return n, err
			}
			events[t.event] = e
		}
		if _, err := s.award(ctx, e, t.member); err == nil {
			n++
		} else if apperr.As(err).Code == apperr.Internal {
			return n, err
		}
	}
	return n, nil
}
