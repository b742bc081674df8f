package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/web"
)

// The check-in page (活动签到) staff hold on the day: a phone-sized page
// that scans the member's card QR code with the phone's camera where the
// browser has a BarcodeDetector (static/checkin.js), or takes the card
// number, or the mobile's last 4 digits and the surname to pick from.
// Every way is a plain form, so the page works without script. Members
// who did not register are checked in as walk-ins when staff say so; the
// running count and the points awarded show after each check-in.

// checkinScope is where the caller may check members in.
func checkinScope(r *http.Request) *event.Scope {
	return event.Within(web.Principal(r).Paths(auth.EventCheckIn))
}

// checkinData is the check-in page.
type checkinData struct {
	E *event.Event
	// Done is the check-in just made; Points what it awarded.
	Done *event.CheckIn
	// Problem is why the last check-in was refused (another city, already
	// checked in, not registered …), shown beside the forms.
	Problem *apperr.Error
	// WalkIn is the last attempt's input, to repeat as a walk-in when the
	// member did not register.
	WalkIn url.Values
	// Candidates are the members a lookup by mobile and surname found.
	Candidates []event.Candidate
	Searched   bool
}

// Kind names how a problem is shown: "warn" for an already checked-in
// member, "refused" otherwise.
func (d *checkinData) Kind() string {
	if d.Problem != nil && d.Problem.Field == event.FieldAlreadyIn {
		return "warn"
	}
	return "refused"
}

// checkinEvent loads the event {event} where the caller may check in.
func (s *handler) checkinEvent(r *http.Request) (*event.Event, error) {
	id, err := strconv.ParseInt(r.PathValue("event"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	e, err := s.Events.Get(r.Context(), id, checkinScope(r))
	if apperr.Is(err, apperr.NotFound) {
		return nil, web.NotFoundErr
	}
	return e, err
}

func (s *handler) checkinPage(w http.ResponseWriter, r *http.Request, d *checkinData, status int) {
	if fresh, err := s.checkinEvent(r); err == nil {
		d.E = fresh // the count after the check-in
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "evcheckin.title"), Nav: "checkin", Data: d}
	if r.Method == http.MethodPost {
		pg.Form = r.PostForm
	}
	s.Render(w, r, status, "checkin", pg)
}

// checkinShow is the page with its forms and the running count.
func (s *handler) checkinShow(w http.ResponseWriter, r *http.Request) {
	e, err := s.checkinEvent(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.checkinPage(w, r, &checkinData{E: e}, http.StatusOK)
}

// checkinSubmit checks a member in by the QR payload, the card number or
// a picked member (walk_in=1 accepts one who did not register).
func (s *handler) checkinSubmit(w http.ResponseWriter, r *http.Request) {
	e, err := s.checkinEvent(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f := r.PostFormValue
	in := event.CheckInInput{QR: strings.TrimSpace(f("qr")), CardNumber: strings.TrimSpace(f("card_number")),
		WalkIn: f("walk_in") == "1", StaffID: web.Principal(r).Staff.ID}
	if v := f("member_id"); v != "" && in.QR == "" && in.CardNumber == "" {
		if in.MemberID, err = s.checkinMember(r, v); err != nil {
			s.checkinRefused(w, r, e, in, err)
			return
		}
	}
	done, err := s.Events.CheckIn(r.Context(), e.ID, in, checkinScope(r))
	if err != nil {
		s.checkinRefused(w, r, e, in, err)
		return
	}
	s.checkinPage(w, r, &checkinData{E: e, Done: done}, http.StatusOK)
}

// checkinMember reads a picked member: one within the caller's scope.
func (s *handler) checkinMember(r *http.Request, v string) (int64, error) {
	id, err := strconv.ParseInt(v, 10, 64)
	if err == nil && id > 0 {
		m, merr := s.Members.Get(r.Context(), id)
		if merr == nil && checkinScope(r).Allows(m.NodePath) {
			return id, nil
		}
		if merr != nil && !apperr.Is(merr, apperr.NotFound) {
			return 0, merr
		}
	}
	return 0, apperr.Field("member_id", "会员不存在或不在您的管理范围内", "the member does not exist or is outside your scope")
}

// checkinRefused shows why a check-in was refused, with the walk-in
// button when the member did not register.
func (s *handler) checkinRefused(w http.ResponseWriter, r *http.Request, e *event.Event, in event.CheckInInput, err error) {
	ae := apperr.As(err)
	switch {
	case ae.Code == apperr.Internal || ae.Code == apperr.Forbidden:
		s.Fail(w, r, err)
		return
	case ae.Code == apperr.NotFound: // the event is loaded: a card number nobody holds
		ae = &apperr.Error{Code: apperr.Invalid, Field: "card_number", ZH: "未找到该会员卡，请核对卡号", EN: "no such card; check the number"}
	}
	d := &checkinData{E: e, Problem: ae}
	if ae.Field == event.FieldNotOnList {
		d.WalkIn = url.Values{}
		switch {
		case in.QR != "":
			d.WalkIn.Set("qr", in.QR)
		case in.CardNumber != "":
			d.WalkIn.Set("card_number", in.CardNumber)
		default:
			d.WalkIn.Set("member_id", strconv.FormatInt(in.MemberID, 10))
		}
	}
	s.checkinPage(w, r, d, apperr.HTTPStatus(ae.Code))
}

// checkinFind lists the members whose mobile ends in the 4 digits and
// whose name starts with the surname, to pick one. A form post, so the
// digits and the name stay out of addresses and logs.
func (s *handler) checkinFind(w http.ResponseWriter, r *http.Request) {
	e, err := s.checkinEvent(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := &checkinData{E: e, Searched: true}
	d.Candidates, err = s.Events.FindAttendee(r.Context(), e.ID, r.PostFormValue("last4"), r.PostFormValue("surname"), checkinScope(r))
	if err != nil {
		ae := apperr.As(err)
		if ae.Code != apperr.Invalid {
			s.Fail(w, r, err)
			return
		}
		d.Problem, d.Searched = ae, false
		s.checkinPage(w, r, d, apperr.HTTPStatus(ae.Code))
		return
	}
	s.checkinPage(w, r, d, http.StatusOK)
}
