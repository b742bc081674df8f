package event

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
)

// RegisterInput is a registration, by the member in the portal (ByStaffID
// 0) or by staff on the member's behalf.
type RegisterInput struct {
	MemberID   int64 `json:"member_id"`
	Companions int   `json:"companions"`
	ByStaffID  int64 `json:"-"`
	// Key is the client's idempotency key (API): a retry with it answers
	// the registration it made, even if cancelled since; the key used for
	// another member is a conflict.
	Key string `json:"-"`
}

// MaxKey is the longest idempotency key taken.
const MaxKey = 128

const regColumns = `r.id, r.event_id, r.member_id, COALESCE(m.member_no, ''), m.name, r.node_path, r.seq, r.status, r.companions,
	r.channel, r.walk_in, r.checked_in_at, r.checkin_method, r.points_status, r.points_error, r.promoted_at, r.cancelled_at, r.created_at`

const regFrom = ` FROM event_registrations r JOIN members m ON m.id = r.member_id`

func scanReg(sc interface{ Scan(...any) error }) (*Registration, error) {
	var r Registration
	err := sc.Scan(&r.ID, &r.EventID, &r.MemberID, &r.MemberNo, &r.MemberName, &r.NodePath, &r.Seq, &r.Status, &r.Companions,
		&r.Channel, &r.WalkIn, &r.CheckedInAt, &r.CheckInMethod, &r.PointsStatus, &r.PointsError, &r.PromotedAt, &r.CancelledAt, &r.CreatedAt)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("报名", "registration")
	}
	return &r, err
}

func regOf(ctx context.Context, tx *db.Tx, eventID, memberID int64) (*Registration, error) {
	r, err := scanReg(tx.QueryRow(ctx, "SELECT "+regColumns+regFrom+" WHERE r.event_id = ? AND r.member_id = ?", eventID, memberID))
	if err != nil {
		return nil, err
	}
	if r.Status == Waiting {
		r.WaitingAhead, err = tx.Count(ctx, "SELECT count(*) FROM event_registrations WHERE event_id = ? AND status = 'waiting' AND seq < ?", eventID, r.Seq)
	}
	return r, err
}

func errNoMember() error {
	return apperr.Field("member_id", "会员不存在或不在您的管理范围内", "the member does not exist or is outside your scope")
}

// Register registers a member for a published event before its deadline:
// a seat if one is free and nobody waits, else a place on the waiting list
// in arrival order. Registering again returns the registration there is.
// In the portal the event must be published to the member; staff need the
// member within their scope.
func (s *Service) Register(ctx context.Context, eventID int64, in RegisterInput, within *Scope) (*Registration, error) {
	var out *Registration
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		// What does not change once an event is published is read before
		// its lock is taken: registrations wait on the lock one by one.
		e, err := load(ctx, tx, eventID)
		if err != nil {
			return err
		}
		if !within.Allows(e.NodePath) {
			return errNotFound()
		}
		if in.Key != "" {
			done, err := keyedReg(ctx, tx, eventID, in)
			if done != nil || err != nil {
				out = done
				return err
			}
		}
		var path string
		var status member.Status
		if err := tx.QueryRow(ctx, "SELECT node_path, status FROM members WHERE id = ?", in.MemberID).Scan(&path, &status); err != nil {
			if isNoRows(err) {
				return errNoMember()
			}
			return err
		}
		if in.ByStaffID != 0 && !within.Allows(path) {
			return errNoMember()
		}
		if status == member.Closed {
			return apperr.New(apperr.Conflict, "会员已注销，不能报名", "the membership is closed; the member cannot register")
		}
		if in.ByStaffID == 0 {
			if ok, err := visible(ctx, tx, e, in.MemberID); err != nil {
				return err
			} else if !ok || !(e.Status.Public() || e.Status == Cancelled) { // a cancelled event says so below
				return errNotFound()
			}
		}
		if err := checkYearLimit(ctx, tx, e, in.MemberID); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT status, seats_taken, capacity, deadline, companions_max FROM events WHERE id = ?"+tx.ForUpdate(),
			eventID).Scan(&e.Status, &e.SeatsTaken, &e.Capacity, &e.Deadline, &e.CompanionsMax); err != nil {
			return err
		}
		if in.Key != "" {
			// Again under the event's lock: a request with the same key
			// for another member may have committed meanwhile.
			done, err := keyedReg(ctx, tx, eventID, in)
			if done != nil || err != nil {
				out = done
				return err
			}
		}
		if err := openForRegistration(e, tx); err != nil {
			return err
		}
		if in.Companions < 0 || in.Companions > e.CompanionsMax {
			return apperr.Field("companions", fmt.Sprintf("本活动每位会员最多可带 %d 位同行人", e.CompanionsMax),
				fmt.Sprintf("each member may bring at most %d companions to this event", e.CompanionsMax))
		}
		old, err := regOf(ctx, tx, eventID, in.MemberID)
		if err == nil && old.Status != RegCancelled {
			out = old // registering twice is one registration
			return nil
		}
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return err
		}
		waiting, err := tx.Count(ctx, "SELECT count(*) FROM (SELECT 1 FROM event_registrations WHERE event_id = ? AND status = 'waiting' LIMIT 1) w", eventID)
		if err != nil {
			return err
		}
		need := 1 + in.Companions
		st, seats := Waiting, 0
		if waiting == 0 && e.SeatsTaken+need <= e.Capacity {
			st, seats = Registered, need
		}
		ch, by := ByPortal, nullID(in.ByStaffID)
		if in.ByStaffID != 0 {
			ch = ByStaff
		}
		if _, err := tx.Exec(ctx, "UPDATE events SET next_seq = next_seq + 1, seats_taken = seats_taken + ? WHERE id = ?", seats, eventID); err != nil {
			return err
		}
		var key *string
		if in.Key != "" {
			key = &in.Key
		}
		if old != nil {
			_, err = tx.Exec(ctx, `UPDATE event_registrations SET seq = (SELECT next_seq FROM events WHERE id = ?), status = ?, companions = ?,
				channel = ?, by_staff_id = ?, idem_key = ?, cancelled_at = NULL, promoted_at = NULL, created_at = ?, updated_at = ? WHERE id = ?`,
				eventID, st, in.Companions, ch, by, key, tx.Now, tx.Now, old.ID)
		} else {
			_, err = tx.Exec(ctx, `INSERT INTO event_registrations (event_id, member_id, node_path, seq, status, companions, channel, by_staff_id,
				idem_key, created_at, updated_at) VALUES (?, ?, ?, (SELECT next_seq FROM events WHERE id = ?), ?, ?, ?, ?, ?, ?, ?)`,
				eventID, in.MemberID, path, eventID, st, in.Companions, ch, by, key, tx.Now, tx.Now)
		}
		if err != nil {
			return err
		}
		if out, err = regOf(ctx, tx, eventID, in.MemberID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "event.register", ObjectType: "event", ObjectID: eventID, NodePath: e.NodePath,
			Summary: e.No + " 报名 " + out.Status.Label(""), After: regBrief(out)})
	})
	if err != nil {
		return nil, fmt.Errorf("register for event %d: %w", eventID, err)
	}
	return out, nil
}

// keyedReg is the registration an idempotency key made for the event, if
// any: the same member's is answered as it is now; another member's is a
// conflict.
func keyedReg(ctx context.Context, tx *db.Tx, eventID int64, in RegisterInput) (*Registration, error) {
	if len(in.Key) > MaxKey {
		return nil, apperr.Field("Idempotency-Key", fmt.Sprintf("幂等键最长 %d 个字符", MaxKey), fmt.Sprintf("the idempotency key is at most %d characters", MaxKey))
	}
	var memberID int64
	err := tx.QueryRow(ctx, "SELECT member_id FROM event_registrations WHERE event_id = ? AND idem_key = ?", eventID, in.Key).Scan(&memberID)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if memberID != in.MemberID {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "Idempotency-Key", ZH: "该幂等键已用于另一位会员的报名",
			EN: "this idempotency key was used to register another member"}
	}
	return regOf(ctx, tx, eventID, memberID)
}

// regBrief is what the audit log keeps of a registration: ids and state.
func regBrief(r *Registration) map[string]any {
	return map[string]any{"member_id": r.MemberID, "status": r.Status, "seq": r.Seq, "companions": r.Companions, "channel": r.Channel}
}

func openForRegistration(e *Event, tx *db.Tx) error {
	switch {
	case e.Status == Cancelled:
		return &apperr.Error{Code: apperr.Conflict, Field: "status", ZH: "活动“" + e.Theme + "”已取消，不能报名",
			EN: "the event “" + e.Theme + "” was cancelled; registration is closed"}
	case e.Status == RegClosed || (e.Status == Published && !tx.Now.Before(e.Deadline)):
		return &apperr.Error{Code: apperr.Conflict, Field: "deadline",
			ZH: "报名已于 " + e.Deadline.In(china).Format("2006-01-02 15:04") + " 截止",
			EN: "registration closed on " + e.Deadline.In(china).Format("2006-01-02 15:04")}
	case e.Status != Published:
		return errStatus(e, "不接受报名", "it does not take registrations")
	}
	return nil
}

func checkYearLimit(ctx context.Context, tx *db.Tx, e *Event, memberID int64) error {
	if e.YearLimit == 0 {
		return nil
	}
	year := e.StartsAt.In(china).Year()
	from, to := startOfYear(year), startOfYear(year+1)
	n, err := tx.Count(ctx, `SELECT count(*) FROM event_registrations r JOIN events e ON e.id = r.event_id
		WHERE r.member_id = ? AND r.status <> 'cancelled' AND NOT r.walk_in AND e.node_path = ? AND e.starts_at >= ? AND e.starts_at < ? AND e.id <> ?`,
		memberID, e.NodePath, from, to, e.ID)
	if err != nil {
		return err
	}
	if n >= e.YearLimit {
		return &apperr.Error{Code: apperr.Conflict, Field: "member_id",
			ZH: fmt.Sprintf("每位会员每年最多报名本组织的 %d 场活动", e.YearLimit),
			EN: fmt.Sprintf("a member may register for at most %d of this node's events a year", e.YearLimit)}
	}
	return nil
}

// VisitorInput is a visitor, not yet a member, whom staff register by
// mobile: they become a default member (默认会员) at NodeID (a city company
// or project within the scope; 0: the event's node).
type VisitorInput struct {
	Mobile     string `json:"mobile"`
	Name       string `json:"name"`
	NodeID     int64  `json:"node_id"`
	Companions int    `json:"companions"`
	StaffID    int64  `json:"-"`
	Key        string `json:"-"` // as RegisterInput.Key
}

// RegisterVisitor enrols a visitor as a default member (or finds the
// member who has the mobile, within the scope) and registers them.
func (s *Service) RegisterVisitor(ctx context.Context, eventID int64, in VisitorInput, within *Scope) (*Registration, error) {
	e, err := s.Get(ctx, eventID, within)
	if err != nil {
		return nil, err
	}
	m, err := s.enrol(ctx, e, in.Mobile, in.Name, in.NodeID, in.StaffID, within)
	if err != nil {
		return nil, err
	}
	return s.Register(ctx, eventID, RegisterInput{MemberID: m, Companions: in.Companions, ByStaffID: in.StaffID, Key: in.Key}, within)
}

func (s *Service) enrol(ctx context.Context, e *Event, mobile, name string, nodeID, staffID int64, within *Scope) (int64, error) {
	if s.Members == nil {
		return 0, apperr.New(apperr.Internal, "未配置会员服务", "no member service")
	}
	if nodeID == 0 {
		nodeID = e.NodeID
	}
	var code, kind, path string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT code, kind, path FROM org_nodes WHERE id = ?", nodeID).Scan(&code, &kind, &path)
	})
	if err != nil || (kind != string(org.City) && kind != string(org.Project)) || !within.Allows(path) {
		return 0, apperr.Field("node_id", "请选择非会员登记到的城市公司或项目", "choose the city company or project the visitor joins")
	}
	var merge []string
	if within != nil {
		merge = within.Paths
	}
	a := member.Application{NodeCode: code, Channel: member.SalesSite, Mobile: mobile, Name: name, MergeWithin: merge}
	if staffID != 0 {
		a.RecruiterID = &staffID
	}
	m, _, err := s.Members.Enrol(ctx, a)
	if err != nil {
		return 0, err
	}
	if !within.Allows(m.NodePath) {
		return 0, errNoMember()
	}
	return m.ID, nil
}

// CancelRegistration cancels a member's registration (the member in the
// portal with within nil, or staff within their scope of the member) until
// the event starts. A freed seat goes to the first on the waiting list if
// it fits them, who is told in the portal and by text if they consented.
func (s *Service) CancelRegistration(ctx context.Context, eventID, memberID int64, within *Scope) (*Registration, error) {
	var out *Registration
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		e, err := lockEvent(ctx, tx, eventID, within)
		if err != nil {
			return err
		}
		r, err := regOf(ctx, tx, eventID, memberID)
		if err != nil {
			return err
		}
		if !within.Allows(r.NodePath) {
			return apperr.NotFoundf("报名", "registration")
		}
		if r.Status == RegCancelled {
			out = r
			return nil
		}
		if r.CheckedInAt != nil || !tx.Now.Before(e.StartsAt) || !e.Status.Cancellable() {
			return apperr.New(apperr.Conflict, "活动已开始，不能再取消报名", "the event has started; the registration can no longer be cancelled")
		}
		if _, err := tx.Exec(ctx, "UPDATE event_registrations SET status = 'cancelled', cancelled_at = ?, updated_at = ? WHERE id = ?",
			tx.Now, tx.Now, r.ID); err != nil {
			return err
		}
		if r.Status == Registered {
			if _, err := tx.Exec(ctx, "UPDATE events SET seats_taken = seats_taken - ? WHERE id = ?", 1+r.Companions, eventID); err != nil {
				return err
			}
			e.SeatsTaken -= 1 + r.Companions
			if err := s.promote(ctx, tx, e); err != nil {
				return err
			}
		}
		if out, err = regOf(ctx, tx, eventID, memberID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "event.unregister", ObjectType: "event", ObjectID: eventID, NodePath: e.NodePath,
			Summary: e.No + " 取消报名", Before: regBrief(r), After: regBrief(out)})
	})
	if err != nil {
		return nil, fmt.Errorf("cancel registration for event %d: %w", eventID, err)
	}
	return out, nil
}

// promote gives the first waiting registration a seat if its party fits
// the seats left (the order is kept: nobody behind them jumps ahead).
func (s *Service) promote(ctx context.Context, tx *db.Tx, e *Event) error {
	var id, memberID int64
	var companions int
	err := tx.QueryRow(ctx, `SELECT id, member_id, companions FROM event_registrations WHERE event_id = ? AND status = 'waiting'
		ORDER BY seq LIMIT 1`, e.ID).Scan(&id, &memberID, &companions)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if e.SeatsTaken+1+companions > e.Capacity {
		return nil
	}
	if _, err := tx.Exec(ctx, "UPDATE event_registrations SET status = 'registered', promoted_at = ?, updated_at = ? WHERE id = ?",
		tx.Now, tx.Now, id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "UPDATE events SET seats_taken = seats_taken + ? WHERE id = ?", 1+companions, e.ID); err != nil {
		return err
	}
	e.SeatsTaken += 1 + companions
	zh := "您候补的活动“" + e.Theme + "”有了空位，您已报名成功。活动时间：" + e.StartsAt.In(china).Format("2006-01-02 15:04") + "。"
	en := "A seat freed up at “" + e.Theme + "”: you are now registered. It starts " + e.StartsAt.In(china).Format("2006-01-02 15:04") + "."
	return s.tellMember(ctx, tx, memberID, e, "promoted", zh, en)
}

// tellMember writes a portal notice for a member and, once tx commits,
// texts them the Chinese text if they consented.
func (s *Service) tellMember(ctx context.Context, tx *db.Tx, memberID int64, e *Event, kind, zh, en string) error {
	if _, err := tx.Exec(ctx, "INSERT INTO event_member_notices (member_id, event_id, kind, zh, en, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		memberID, e.ID, kind, zh, en, tx.Now); err != nil {
		return err
	}
	bg := context.WithoutCancel(ctx)
	tx.AfterCommit(func() { _, _ = s.textOnce(bg, e.ID, memberID, kind, "【客户会】"+zh) })
	return nil
}

// MemberNotice is a notice shown to a member in the portal.
type MemberNotice struct {
	ID        int64     `json:"id"`
	EventID   int64     `json:"event_id"`
	Kind      string    `json:"kind"`
	ZH        string    `json:"-"`
	EN        string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	Read      bool      `json:"read"`
}

// In is the notice in lang.
func (n MemberNotice) In(lang string) string {
	if lang == "en" {
		return n.EN
	}
	return n.ZH
}

// Notices returns a member's event notices, newest first (at most 50),
// and marks them read if markRead.
func (s *Service) Notices(ctx context.Context, memberID int64, markRead bool) ([]MemberNotice, error) {
	out := []MemberNotice{}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, event_id, kind, zh, en, created_at, read_at IS NOT NULL FROM event_member_notices
			WHERE member_id = ? ORDER BY id DESC LIMIT 50`, memberID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n MemberNotice
			if err := rows.Scan(&n.ID, &n.EventID, &n.Kind, &n.ZH, &n.EN, &n.CreatedAt, &n.Read); err != nil {
				rows.Close()
				return err
			}
			out = append(out, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil || !markRead {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE event_member_notices SET read_at = ? WHERE member_id = ? AND read_at IS NULL", tx.Now, memberID)
		return err
	})
	return out, err
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
