package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// The event page (活动详情): the proposal, its review rounds and history,
// the counts, the registrations by state, and the steps the event's state
// allows: submit, review, publish, register on a member's behalf, close
// registration, mark held, the calls and the survey, cancel.

// regViews are the registration lists the page filters by.
var regViews = []string{"registered", "waiting", "cancelled", "checked_in", "walk_in"}

// eventPageData is the event page.
type eventPageData struct {
	E        *event.Event
	View     string
	Views    []string
	Regs     []event.Registration
	RegTotal int
	Pager    web.Pager
	Calls    []event.Call
	Staff    []auth.Staff
	Nodes    []org.Node // where a visitor may join
	Outcomes []event.Outcome
	// SurveyID is the built-in event survey, for the link to its summary.
	SurveyID int64
	Me       int64
	// Ops names the history's operators as people read them.
	Ops *operators
}

func (s *handler) eventShow(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.eventPage(w, r, e, nil)
}

// eventPage shows the event, with the error of a refused step if any.
func (s *handler) eventPage(w http.ResponseWriter, r *http.Request, e *event.Event, stepErr error) {
	if fresh, err := s.Events.Get(r.Context(), e.ID, evScope(r, auth.EventRead)); err == nil {
		e = fresh
	}
	view := r.URL.Query().Get("regs")
	if view == "" || !contains(regViews, view) {
		view = "registered"
	}
	d := &eventPageData{E: e, View: view, Views: regViews, Outcomes: event.Outcomes, Me: web.Principal(r).Staff.ID}
	page := web.Page{Title: e.Theme, Nav: "events", Data: d}
	pg, err := web.ReadPaging(r)
	if err == nil {
		err = s.eventRegs(r, d, pg)
	}
	if err == nil && (e.Status == event.Held || e.Status == event.Closed) {
		d.Calls, err = s.Events.Calls(r.Context(), e.ID, 0, evScope(r, auth.EventRead))
		if err == nil && web.Principal(r).CanAt(auth.EventWrite, e.NodePath) {
			active := true
			d.Staff, _, err = s.Auth.ListStaff(r.Context(), auth.StaffFilter{Within: web.Principal(r).Paths(auth.EventWrite), Active: &active, Limit: 200})
		}
	}
	if err == nil && e.Status == event.Published {
		d.Nodes, err = s.evNodes(r, auth.EventWrite)
	}
	if err == nil {
		logins := make([]string, 0, len(e.History))
		for _, h := range e.History {
			logins = append(logins, h.Actor)
		}
		d.Ops, err = s.operatorsFor(r, logins...)
	}
	if err == nil && e.SurveySent != nil && s.Surveys != nil {
		if sv, serr := s.Surveys.System(r.Context(), "event"); serr == nil {
			d.SurveyID = sv.ID
		}
	}
	if err != nil {
		s.FormError(w, r, "ev_show", page, err)
		return
	}
	d.Pager = web.NewPager(r, pg, d.RegTotal, len(d.Regs), false)
	if stepErr != nil {
		s.FormError(w, r, "ev_show", page, stepErr)
		return
	}
	s.Render(w, r, http.StatusOK, "ev_show", page)
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// eventRegs reads the page of registrations the view picks; walk-ins are
// the checked-in registrations marked so.
func (s *handler) eventRegs(r *http.Request, d *eventPageData, pg web.Paging) error {
	f := event.RegFilter{Within: evScope(r, auth.EventRead), Offset: pg.Offset(), Limit: pg.PerPage}
	yes := true
	switch d.View {
	case "registered":
		f.Status = event.Registered
	case "waiting":
		f.Status = event.Waiting
	case "cancelled":
		f.Status = event.RegCancelled
	case "checked_in":
		f.CheckedIn = &yes
	case "walk_in":
		f.CheckedIn, f.WalkIn = &yes, &yes
	}
	var err error
	d.Regs, d.RegTotal, err = s.Events.Registrations(r.Context(), d.E.ID, f, evScope(r, auth.EventRead))
	return err
}

// eventStep runs a step on the event {event} (within perm's scope) and
// shows the event again: with the flash, or with why the step was refused.
func (s *handler) eventStep(perm auth.Permission, flash string, act func(r *http.Request, e *event.Event, sc *event.Scope) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		e, err := s.scopedEvent(r, perm)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		if err := act(r, e, evScope(r, perm)); err != nil {
			s.eventPage(w, r, e, err)
			return
		}
		web.Redirect(w, r, evPath(e.ID), flash)
	}
}

func (s *handler) eventSubmit(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.submitted", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		_, err := s.Events.Submit(r.Context(), e.ID, sc)
		return err
	})(w, r)
}

func (s *handler) eventCancel(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.cancelled", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		_, err := s.Events.Cancel(r.Context(), e.ID, r.PostFormValue("reason"), sc)
		return err
	})(w, r)
}

// eventReview approves (decision=approve) or returns the proposal with
// comments. The core refuses a reviewer who proposed it; an unplanned
// event needs the reviewer's approval right where it lies.
func (s *handler) eventReview(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventApprove, "ev.flash.reviewed", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		dec := r.PostFormValue("decision")
		if dec != "approve" && dec != "return" {
			return apperr.Field("decision", "请选择通过或退回", "choose to approve or to return")
		}
		p := web.Principal(r)
		_, err := s.Events.Review(r.Context(), e.ID, event.ReviewInput{ReviewerID: p.Staff.ID, Approve: dec == "approve",
			Comments: r.PostFormValue("comments"), Unplanned: p.Paths(auth.EventApprove)}, sc)
		return err
	})(w, r)
}

func (s *handler) eventCloseRegistration(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.reg_closed", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		_, err := s.Events.CloseRegistration(r.Context(), e.ID, sc)
		return err
	})(w, r)
}

func (s *handler) eventMarkHeld(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.held", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		_, err := s.Events.MarkHeld(r.Context(), e.ID, sc)
		return err
	})(w, r)
}

// eventRegister registers a member on their behalf: by card number, or by
// mobile (a visitor with no membership becomes a default member).
func (s *handler) eventRegister(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.registered", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		f := r.PostFormValue
		comp, err := evFormInt(r.PostForm, "companions", "同行人数", "companions")
		if err != nil {
			return err
		}
		staff := web.Principal(r).Staff.ID
		switch card, mobile := strings.TrimSpace(f("card_number")), strings.TrimSpace(f("mobile")); {
		case card != "":
			c, err := s.Cards.Lookup(r.Context(), card)
			if err != nil || c.MemberID == nil {
				return apperr.Field("card_number", "未找到持有该会员卡的会员，请核对卡号", "nobody holds that card; check the number")
			}
			_, err = s.Events.Register(r.Context(), e.ID, event.RegisterInput{MemberID: *c.MemberID, Companions: comp, ByStaffID: staff}, sc)
			return err
		case mobile != "":
			in := event.VisitorInput{Mobile: mobile, Name: f("name"), Companions: comp, StaffID: staff}
			n, err := s.evNode(r, "node_id", f("node"), auth.EventWrite)
			if err != nil {
				return err
			}
			if n != nil {
				in.NodeID = n.ID
			}
			_, err = s.Events.RegisterVisitor(r.Context(), e.ID, in, sc)
			return err
		}
		return apperr.Field("mobile", "请填写会员卡号或手机号", "enter a card number or a mobile number")
	})(w, r)
}

// eventUnregister cancels a member's registration (member_id).
func (s *handler) eventUnregister(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.unregistered", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		id, err := strconv.ParseInt(r.PostFormValue("member_id"), 10, 64)
		if err != nil || id <= 0 {
			return apperr.Field("member_id", "请选择要取消的报名", "choose the registration to cancel")
		}
		_, err = s.Events.CancelRegistration(r.Context(), e.ID, id, sc)
		return err
	})(w, r)
}

// eventExport downloads the registrations and attendance as .xlsx (audited).
func (s *handler) eventExport(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	sc := evScope(r, auth.EventRead)
	data, name, err := s.Events.Export(r.Context(), e.ID, web.Lang(r), sc, sc)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+url.PathEscape(name)+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(data)
}

// publishData is the publication form with its preview.
type publishData struct {
	E         *event.Event
	Q         url.Values
	Tiers     []string
	Nodes     []org.Node
	Previewed bool
	Members   int
	Texted    int
}

// publishTarget reads the audience from v.
func (s *handler) publishTarget(r *http.Request, v url.Values) (event.Target, error) {
	t := event.Target{Tiers: v["tiers"]}
	for _, code := range v["nodes"] {
		n, err := s.evNode(r, "target.node_ids", code, auth.EventWrite)
		if err != nil {
			return t, err
		}
		if n != nil {
			t.NodeIDs = append(t.NodeIDs, n.ID)
		}
	}
	for _, tag := range strings.FieldsFunc(v.Get("tags"), func(c rune) bool { return c == ',' || c == '，' || c == '、' || c == ' ' || c == '\n' }) {
		t.Tags = append(t.Tags, tag)
	}
	switch v.Get("owns") {
	case "yes":
		yes := true
		t.OwnsProperty = &yes
	case "no":
		no := false
		t.OwnsProperty = &no
	}
	return t, nil
}

// eventPublishForm is the publication form; with preview=1 it counts the
// members the audience reaches and how many of them will be texted.
func (s *handler) eventPublishForm(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	d := &publishData{E: e, Q: q, Tiers: []string{"regular", "silver", "gold", "platinum"}}
	page := web.Page{Title: s.Cat.T(web.Lang(r), "ev.publish"), Nav: "events", Data: d}
	if d.Nodes, err = s.evNodes(r, auth.EventWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	if q.Get("preview") == "1" {
		t, err := s.publishTarget(r, q)
		if err == nil {
			d.Members, d.Texted, err = s.Events.Preview(r.Context(), e.ID, t, evScope(r, auth.EventWrite))
		}
		if err != nil {
			s.FormError(w, r, "ev_publish", page, err)
			return
		}
		d.Previewed = true
	}
	s.Render(w, r, http.StatusOK, "ev_publish", page)
}

// eventPublish publishes the approved event to the audience.
func (s *handler) eventPublish(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.published", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		t, err := s.publishTarget(r, r.PostForm)
		if err != nil {
			return err
		}
		_, err = s.Events.Publish(r.Context(), e.ID, t, sc)
		return err
	})(w, r)
}

// HistoryLabel names a history line's action in lang.
func (d *eventPageData) HistoryLabel(lang, action string) string {
	return event.HistoryLabel(action, lang)
}

// Has reports whether the form's field holds v (a box ticked).
func (d *publishData) Has(field, v string) bool { return contains(d.Q[field], v) }
