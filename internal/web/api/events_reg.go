package api

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/web"
)

// An event's registrations (报名), check-in on the day (签到) and the
// follow-up calls after it (活动会员回访). Members are reached only within
// the caller's scope, as the events are.

func (s *handler) eventRegistrations(r *request[none], e *event.Event) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	sc := routeScope(r.Request)
	f := event.RegFilter{Status: event.RegStatus(q.Get("status")), Within: sc, Offset: pg.Offset(), Limit: pg.PerPage}
	switch f.Status {
	case "", event.Registered, event.Waiting, event.RegCancelled:
	default:
		return nil, apperr.Field("status", "报名状态须为 registered、waiting 或 cancelled", "the status is registered, waiting or cancelled")
	}
	if v := q.Get("checked_in"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, apperr.Field("checked_in", "checked_in 须为 true 或 false", "checked_in is true or false")
		}
		f.CheckedIn = &b
	}
	if v := q.Get("walk_in"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, apperr.Field("walk_in", "walk_in 须为 true 或 false", "walk_in is true or false")
		}
		f.WalkIn = &b
	}
	list, total, err := s.Events.Registrations(r.Context(), e.ID, f, sc)
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
}

// registerBody registers a member (member_id) or a visitor who is not one
// yet (mobile and name; org: the city company or project they join, the
// event's node if empty) on their behalf.
type registerBody struct {
	MemberID   int64  `json:"member_id"`
	Mobile     string `json:"mobile"`
	Name       string `json:"name"`
	Org        string `json:"org"`
	Companions int    `json:"companions"`
}

func (b *registerBody) Validate() error {
	if (b.MemberID == 0) == (strings.TrimSpace(b.Mobile) == "") {
		return apperr.Field("member_id", "请指明会员（member_id），或填写非会员的手机号（mobile）", "name the member (member_id) or give a visitor's mobile")
	}
	if b.Org != "" && b.MemberID != 0 {
		return apperr.Field("org", "只有非会员报名时才选择登记的组织节点", "org is only for a visitor who is not a member yet")
	}
	return nil
}

// eventRegister registers a member on their behalf: 201 with the new
// registration (a seat, or a place on the waiting list), 200 with the one
// there is when the member already holds one. Registering is one per
// member and event, so a retry never takes a second seat; with an
// Idempotency-Key it answers the registration the key made even once
// cancelled (200), and the key is refused for another member (409).
func (s *handler) eventRegister(r *request[registerBody], e *event.Event) (any, error) {
	b, sc := r.Body, routeScope(r.Request)
	memberID, key := b.MemberID, r.Request.Header.Get("Idempotency-Key")
	if memberID == 0 {
		if m, err := s.Members.ByMobile(r.Context(), b.Mobile); err == nil && sc.Allows(m.NodePath) {
			memberID = m.ID
		}
	}
	var before *event.Registration
	if memberID != 0 {
		if old, err := s.Events.Registration(r.Context(), e.ID, memberID, sc); err == nil {
			// Without a key, the registration there is answers a retry
			// here; a key is checked against its own by the core.
			if before = old; key == "" && old.Status != event.RegCancelled {
				return old, nil
			}
		}
	}
	var reg *event.Registration
	var err error
	if b.MemberID != 0 {
		reg, err = s.Events.Register(r.Context(), e.ID, event.RegisterInput{MemberID: b.MemberID, Companions: b.Companions,
			ByStaffID: r.P.Staff.ID, Key: key}, sc)
	} else {
		in := event.VisitorInput{Mobile: b.Mobile, Name: b.Name, Companions: b.Companions, StaffID: r.P.Staff.ID, Key: key}
		if b.Org != "" {
			n, err := s.NodeForWrite(r.Request, "org", b.Org, auth.EventWrite)
			if err != nil {
				return nil, err
			}
			in.NodeID = n.ID
		}
		reg, err = s.Events.RegisterVisitor(r.Context(), e.ID, in, sc)
	}
	if err != nil {
		return nil, err
	}
	if before != nil && (before.Status != event.RegCancelled || reg.Status == event.RegCancelled) {
		return reg, nil // the registration there was (the key's, even if cancelled since)
	}
	return created(reg), nil
}

// eventUnregister cancels the registration of the member {member}; the
// seat freed goes to the first one waiting.
func (s *handler) eventUnregister(r *request[none], e *event.Event) (any, error) {
	memberID, err := pathID(r.Request, "member")
	if err != nil {
		return nil, err
	}
	return s.Events.CancelRegistration(r.Context(), e.ID, memberID, routeScope(r.Request))
}

// checkinBody names the member checked in: by the card's QR payload, the
// card number, or the member's id (picked after attendees/find).
type checkinBody struct {
	QR         string `json:"qr"`
	CardNumber string `json:"card_number"`
	MemberID   int64  `json:"member_id"`
	WalkIn     bool   `json:"walk_in"`
}

// eventCheckIn checks a member in, once: a second check-in is a conflict
// (field already_checked_in) and awards nothing more; attendance earns the
// event's points once per member, however often it is retried.
func (s *handler) eventCheckIn(r *request[checkinBody], e *event.Event) (any, error) {
	b, sc := r.Body, routeScope(r.Request)
	in := event.CheckInInput{QR: strings.TrimSpace(b.QR), CardNumber: strings.TrimSpace(b.CardNumber), WalkIn: b.WalkIn, StaffID: r.P.Staff.ID}
	if in.QR == "" && in.CardNumber == "" && b.MemberID != 0 {
		m, err := s.Members.Get(r.Context(), b.MemberID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return nil, err
		}
		if err != nil || !sc.Allows(m.NodePath) {
			return nil, apperr.Field("member_id", "会员不存在或不在您的管理范围内", "no such member within your scope")
		}
		in.MemberID = m.ID
	}
	done, err := s.Events.CheckIn(r.Context(), e.ID, in, sc)
	if err != nil {
		return nil, err
	}
	return created(done), nil
}

// eventFindAttendee lists the members whose mobile ends in last4 and whose
// name starts with surname, for staff to pick one to check in.
func (s *handler) eventFindAttendee(r *request[none], e *event.Event) (any, error) {
	q := r.URL.Query()
	list, err := s.Events.FindAttendee(r.Context(), e.ID, q.Get("last4"), q.Get("surname"), routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return whole(list), nil
}

// callsBody names the staff who make an event's follow-up calls.
type callsBody struct {
	StaffIDs []int64 `json:"staff_ids"`
}

// eventMakeCalls makes the call list of a held event, the attendees split
// among the staff; calling it again adds only attendees without a call.
func (s *handler) eventMakeCalls(r *request[callsBody], e *event.Event) (any, error) {
	for _, id := range r.Body.StaffIDs {
		st, err := s.Auth.StaffByID(r.Context(), id)
		if err != nil || !r.P.Sees(st.NodePath) {
			return nil, apperr.Field("staff_ids", "员工 "+strconv.FormatInt(id, 10)+" 不存在", "staff "+strconv.FormatInt(id, 10)+" does not exist")
		}
	}
	calls, err := s.Events.MakeCalls(r.Context(), e.ID, r.Body.StaffIDs, routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return created(whole(calls)), nil
}

func (s *handler) eventCalls(r *request[none], e *event.Event) (any, error) {
	var staffID int64
	if v := r.URL.Query().Get("staff_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, apperr.Field("staff_id", "staff_id 须为员工编号", "staff_id is a staff id")
		}
		staffID = id
	}
	calls, err := s.Events.Calls(r.Context(), e.ID, staffID, routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return whole(calls), nil
}

// scopedCall loads the call {call} within the caller's scope for perm.
func (s *handler) scopedCall(r *http.Request, perm auth.Permission) (*event.Call, error) {
	id, err := pathID(r, "call")
	if err != nil {
		return nil, err
	}
	return s.Events.Call(r.Context(), id, eventScope(r, perm))
}

// callBody is how a call went.
type callBody struct {
	Outcome event.Outcome `json:"outcome"`
	Note    string        `json:"note"`
}

func (s *handler) eventRecordCall(r *request[callBody], c *event.Call) (any, error) {
	return s.Events.RecordCall(r.Context(), c.ID, r.Body.Outcome, r.Body.Note, routeScope(r.Request))
}
