package portal

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/event"
	"estateclub/internal/survey"
	"estateclub/internal/web"
)

// Events (活动) in the portal: the events published to the signed-in
// member, one event's page with registration and cancellation, the
// member's own events, and the card QR code to be checked in with. An
// event not published to the member (and not one they registered for)
// does not exist for them.

// mEventRow is an event in the member's lists, with its state for them.
type mEventRow struct {
	event.MemberEvent
	State string // open, full (a registration waits), closed, cancelled, ended
}

// Position is the member's place on the waiting list (1: next), 0 when
// they do not wait.
func (r mEventRow) Position() int {
	if r.Registration == nil || r.Registration.Status != event.Waiting {
		return 0
	}
	return r.Registration.WaitingAhead + 1
}

// Holds reports whether the member holds a seat or waits for one.
func (r mEventRow) Holds() bool {
	return r.Registration != nil && r.Registration.Status != event.RegCancelled
}

// Attended reports whether the member was checked in.
func (r mEventRow) Attended() bool {
	return r.Registration != nil && r.Registration.CheckedInAt != nil
}

// mEventState is where an event stands for a member deciding to register.
func (s *handler) mEventState(r *http.Request, e *event.Event) string {
	now := s.DB.Clock()
	switch {
	case e.Status == event.Cancelled:
		return "cancelled"
	case e.Status == event.Held || e.Status == event.Closed || !now.Before(e.EndsAt):
		return "ended"
	case e.Status != event.Published || !now.Before(e.Deadline):
		return "closed"
	case e.SeatsLeft() == 0:
		return "full"
	}
	return "open"
}

func (s *handler) mEventRows(r *http.Request, list []event.MemberEvent) []mEventRow {
	rows := make([]mEventRow, len(list))
	for i := range list {
		rows[i] = mEventRow{MemberEvent: list[i], State: s.mEventState(r, &list[i].Event)}
	}
	return rows
}

// mNotice is an event notice to the member, named in the page's words.
type mNotice struct {
	event.MemberNotice
	Theme string
}

type mEventsData struct {
	Items   []mEventRow
	Notices []mNotice // unread ones; shown once
}

// mEvents lists the events published to the member that still take
// registrations or are still to come, and their unread notices (a seat
// from the waiting list, a cancelled event).
func (s *handler) mEvents(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := s.Events.ForMember(r.Context(), m.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := mEventsData{Items: s.mEventRows(r, list)}
	if d.Notices, err = s.mNotices(r, m.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	s.RenderPortal(w, r, http.StatusOK, "m_events", web.Mpage{Title: s.Cat.T(web.Lang(r), "m.ev.title"), Nav: "events", Data: d})
}

// mNotices returns the member's unread event notices and marks them read.
func (s *handler) mNotices(r *http.Request, memberID int64) ([]mNotice, error) {
	all, err := s.Events.Notices(r.Context(), memberID, false)
	if err != nil {
		return nil, err
	}
	var out []mNotice
	for _, n := range all {
		if n.Read {
			continue
		}
		theme := ""
		if me, err := s.Events.ForMemberDetail(r.Context(), n.EventID, memberID); err == nil {
			theme = me.Theme
		}
		out = append(out, mNotice{MemberNotice: n, Theme: theme})
	}
	if len(out) > 0 {
		if _, err := s.Events.Notices(r.Context(), memberID, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mMyEvents lists the events the member registered for or attended.
func (s *handler) mMyEvents(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, err := s.Events.MyEvents(r.Context(), m.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := mEventsData{Items: s.mEventRows(r, list)}
	s.RenderPortal(w, r, http.StatusOK, "m_events_mine", web.Mpage{Title: s.Cat.T(web.Lang(r), "m.ev.mine"), Nav: "events", Data: d})
}

// mEventData is one event's page for the member.
type mEventData struct {
	mEventRow
	Companions []int // the choices of companions
	HasCard    bool  // a usable card to show at check-in
	CanCancel  bool
	ShowQR     bool
	Survey     *survey.Invite
}

// mEvent loads the event {event} as the member sees it.
func (s *handler) mEvent(r *http.Request) (*event.MemberEvent, int64, error) {
	m, err := s.me(r)
	if err != nil {
		return nil, 0, err
	}
	id, err := strconv.ParseInt(r.PathValue("event"), 10, 64)
	if err != nil {
		return nil, 0, web.NotFoundErr
	}
	me, err := s.Events.ForMemberDetail(r.Context(), id, m.ID)
	if apperr.Is(err, apperr.NotFound) {
		err = web.NotFoundErr
	}
	return me, m.ID, err
}

func (s *handler) mEventData(r *http.Request, me *event.MemberEvent, memberID int64) (*mEventData, error) {
	d := &mEventData{mEventRow: mEventRow{MemberEvent: *me, State: s.mEventState(r, &me.Event)}}
	for n := 0; n <= me.CompanionsMax; n++ {
		d.Companions = append(d.Companions, n)
	}
	now := s.DB.Clock()
	d.CanCancel = d.Holds() && !d.Attended() && now.Before(me.StartsAt) && me.Status.Public()
	d.ShowQR = d.Holds() && !d.Attended() && me.Status.CheckInOpen()
	if d.ShowQR {
		cards, err := s.Cards.CardsOf(r.Context(), memberID)
		if err != nil {
			return nil, err
		}
		for i := range cards {
			d.HasCard = d.HasCard || cards[i].Usable()
		}
	}
	if d.Attended() {
		inv, err := s.Surveys.InviteFor(r.Context(), memberID, "event", me.ID)
		if err != nil {
			return nil, err
		}
		d.Survey = inv
	}
	return d, nil
}

func (s *handler) mEventPage(w http.ResponseWriter, r *http.Request, me *event.MemberEvent, memberID int64, err error) {
	d, derr := s.mEventData(r, me, memberID)
	if derr != nil {
		s.Fail(w, r, derr)
		return
	}
	pg := web.Mpage{Title: me.Theme, Nav: "events", Data: d}
	if err != nil {
		s.portalError(w, r, "m_event", pg, err)
		return
	}
	s.RenderPortal(w, r, http.StatusOK, "m_event", pg)
}

func (s *handler) mEventShow(w http.ResponseWriter, r *http.Request) {
	me, memberID, err := s.mEvent(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.mEventPage(w, r, me, memberID, nil)
}

// mEventRegister registers the member. Registering again shows the
// registration there is, with a note, never an error page; a refusal
// (deadline, cancelled, companions) shows the event's page with the
// reason and changes nothing.
func (s *handler) mEventRegister(w http.ResponseWriter, r *http.Request) {
	me, memberID, err := s.mEvent(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	to := "/m/events/" + strconv.FormatInt(me.ID, 10)
	row := mEventRow{MemberEvent: *me, State: s.mEventState(r, &me.Event)}
	if row.Holds() && (row.State == "open" || row.State == "full") {
		web.Redirect(w, r, to, "m.ev.flash.already")
		return
	}
	// Otherwise the package says why not (deadline, cancelled) or registers.
	companions, err := readCompanions(r.PostFormValue("companions"))
	if err == nil {
		var reg *event.Registration
		reg, err = s.Events.Register(r.Context(), me.ID, event.RegisterInput{MemberID: memberID, Companions: companions}, nil)
		if err == nil {
			flash := "m.ev.flash.registered"
			if reg.Status == event.Waiting {
				flash = "m.ev.flash.waiting"
			}
			web.Redirect(w, r, to, flash)
			return
		}
	}
	if fresh, _, ferr := s.mEvent(r); ferr == nil {
		me = fresh
	}
	s.mEventPage(w, r, me, memberID, err)
}

// readCompanions reads the companions count of the registration form.
func readCompanions(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, apperr.Field("companions", "同行人数须为 0 或正整数", "companions must be 0 or a positive whole number")
	}
	return n, nil
}

// mEventCancel cancels the member's registration; a seat freed goes to
// the first on the waiting list.
func (s *handler) mEventCancel(w http.ResponseWriter, r *http.Request) {
	me, memberID, err := s.mEvent(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	to := "/m/events/" + strconv.FormatInt(me.ID, 10)
	if me.Registration == nil || me.Registration.Status == event.RegCancelled {
		web.Redirect(w, r, to, "m.ev.flash.cancelled")
		return
	}
	if _, err := s.Events.CancelRegistration(r.Context(), me.ID, memberID, nil); err != nil {
		if fresh, _, ferr := s.mEvent(r); ferr == nil {
			me = fresh
		}
		s.mEventPage(w, r, me, memberID, err)
		return
	}
	web.Redirect(w, r, to, "m.ev.flash.cancelled")
}
