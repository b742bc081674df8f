package console

import (
	"io"
	"mime"
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

// After the event: follow-up calls (活动会员回访), the satisfaction survey,
// the actual costs with their receipts, the evaluation (经验总结) and the
// case library (活动案例库) with "copy as a new proposal".

// ReceiptLimit bounds the body of the cost form: one receipt and the rest.
const ReceiptLimit = event.MaxReceipt + 1<<20

// eventMakeCalls splits the call list among the chosen staff (staff_id).
func (s *handler) eventMakeCalls(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.calls", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		var ids []int64
		for _, v := range r.PostForm["staff_id"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return apperr.Field("staff_ids", "请选择负责回访的员工", "choose the staff who make the calls")
			}
			st, err := s.Auth.StaffByID(r.Context(), id)
			if err != nil || !staffWithin(st, web.Principal(r).Paths(auth.EventWrite)) {
				return apperr.Field("staff_ids", "请选择您管理范围内的员工", "choose staff within your scope")
			}
			ids = append(ids, id)
		}
		_, err := s.Events.MakeCalls(r.Context(), e.ID, ids, sc)
		return err
	})(w, r)
}

func staffWithin(st *auth.Staff, paths []string) bool {
	for _, p := range paths {
		if strings.HasPrefix(st.NodePath, p) {
			return true
		}
	}
	return false
}

// myCallsData is the caller's call list.
type myCallsData struct {
	Calls    []event.MyCall
	All      bool
	Outcomes []event.Outcome
}

// myCalls lists the calls given to the caller (?all=1: made ones too).
func (s *handler) myCalls(w http.ResponseWriter, r *http.Request) {
	all := r.URL.Query().Get("all") == "1"
	calls, err := s.Events.CallsFor(r.Context(), web.Principal(r).Staff.ID, !all, evScope(r, auth.EventWrite))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "ev_calls", web.Page{Title: s.Cat.T(web.Lang(r), "ev.my_calls"), Nav: "event_calls",
		Data: &myCallsData{Calls: calls, All: all, Outcomes: event.Outcomes}})
}

// callRecord records how the call {call} went; back to the page it came
// from (the event's or the caller's list).
func (s *handler) callRecord(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("call"), 10, 64)
	if err != nil || id <= 0 {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	c, err := s.Events.RecordCall(r.Context(), id, event.Outcome(r.PostFormValue("outcome")), r.PostFormValue("note"), evScope(r, auth.EventWrite))
	if apperr.Is(err, apperr.NotFound) {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	if err != nil {
		calls, lerr := s.Events.CallsFor(r.Context(), web.Principal(r).Staff.ID, false, evScope(r, auth.EventWrite))
		if lerr != nil {
			s.Fail(w, r, lerr)
			return
		}
		s.FormError(w, r, "ev_calls", web.Page{Title: s.Cat.T(web.Lang(r), "ev.my_calls"), Nav: "event_calls",
			Data: &myCallsData{Calls: calls, All: true, Outcomes: event.Outcomes}}, err)
		return
	}
	to := "/activities/calls"
	if r.PostFormValue("back") == "event" {
		to = evPath(c.EventID) + "#calls"
	}
	web.Redirect(w, r, to, "ev.flash.call")
}

func (s *handler) eventSendSurvey(w http.ResponseWriter, r *http.Request) {
	s.eventStep(auth.EventWrite, "ev.flash.survey", func(r *http.Request, e *event.Event, sc *event.Scope) error {
		_, err := s.Events.SendSurvey(r.Context(), e.ID, sc)
		return err
	})(w, r)
}

// evaluationData is the evaluation page.
type evaluationData struct {
	E          *event.Event
	V          *event.Evaluation
	Categories []event.BudgetCategory
	SurveyID   int64
}

func (s *handler) eventEvaluation(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.evaluationPage(w, r, e, nil)
}

func (s *handler) evaluationPage(w http.ResponseWriter, r *http.Request, e *event.Event, stepErr error) {
	d := &evaluationData{E: e, Categories: event.BudgetCategories}
	page := web.Page{Title: s.Cat.T(web.Lang(r), "ev.evaluation") + " · " + e.Theme, Nav: "events", Data: d}
	fresh, err := s.Events.Get(r.Context(), e.ID, evScope(r, auth.EventRead))
	if err == nil {
		d.E = fresh
		d.V, err = s.Events.Evaluate(r.Context(), e.ID, evScope(r, auth.EventRead))
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.V.Survey != nil && d.V.Survey.Survey != nil {
		d.SurveyID = d.V.Survey.Survey.ID
	}
	if stepErr != nil {
		s.FormError(w, r, "ev_evaluation", page, stepErr)
		return
	}
	s.Render(w, r, http.StatusOK, "ev_evaluation", page)
}

// evaluationStep runs a step of the evaluation page and shows it again.
func (s *handler) evaluationStep(w http.ResponseWriter, r *http.Request, flash string, act func(e *event.Event, sc *event.Scope) error) {
	e, err := s.scopedEvent(r, auth.EventWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := act(e, evScope(r, auth.EventWrite)); err != nil {
		s.evaluationPage(w, r, e, err)
		return
	}
	web.Redirect(w, r, evPath(e.ID)+"/evaluation", flash)
}

// eventAddCost records an actual cost with its receipt (a photo or a
// PDF): a receipt declared too big is refused before it is read.
func (s *handler) eventAddCost(w http.ResponseWriter, r *http.Request) {
	s.evaluationStep(w, r, "ev.flash.cost", func(e *event.Event, sc *event.Scope) error {
		fen, err := parseYuan("amount", r.PostFormValue("amount"))
		if err != nil {
			return err
		}
		if strings.TrimSpace(r.PostFormValue("amount")) == "" {
			return apperr.Field("amount", "请填写金额（元）", "enter the amount in yuan")
		}
		in := event.CostInput{BudgetLine: event.BudgetLine{Category: event.BudgetCategory(r.PostFormValue("category")),
			Item: r.PostFormValue("item"), AmountFen: fen}}
		if r.MultipartForm != nil {
			for _, h := range r.MultipartForm.File["receipt"] {
				if h.Size == 0 {
					continue
				}
				if h.Size > event.MaxReceipt {
					return event.ReceiptTooLarge(nil)
				}
				f, err := h.Open()
				if err != nil {
					return err
				}
				in.Receipt, err = io.ReadAll(io.LimitReader(f, event.MaxReceipt+1))
				f.Close()
				if err != nil {
					return err
				}
				in.ReceiptName = h.Filename
				break
			}
		}
		_, err = s.Events.AddCost(r.Context(), e.ID, in, sc)
		return err
	})
}

// eventClose records the lessons and puts the event in the case library.
func (s *handler) eventClose(w http.ResponseWriter, r *http.Request) {
	s.evaluationStep(w, r, "ev.flash.closed", func(e *event.Event, sc *event.Scope) error {
		_, err := s.Events.Close(r.Context(), e.ID, r.PostFormValue("lessons"), sc)
		return err
	})
}

// costReceipt downloads a cost's receipt (audited by the core): a photo
// shown in the page, a PDF downloaded, never sniffed or cached.
func (s *handler) costReceipt(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("cost"), 10, 64)
	if err != nil || id <= 0 {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	name, typ, data, err := s.Events.Receipt(r.Context(), id, evScope(r, auth.EventRead))
	if apperr.Is(err, apperr.NotFound) {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	disp := "inline"
	if !strings.HasPrefix(typ, "image/") {
		disp = "attachment"
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}

// casesData is the case library.
type casesData struct {
	Rows  []event.Event
	Total int
	Pager web.Pager
	Query url.Values
	Nodes []org.Node
	Kinds []event.Kind
}

func (s *handler) eventCases(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &casesData{Query: q, Kinds: event.Kinds}
	page := web.Page{Title: s.Cat.T(web.Lang(r), "ev.cases"), Nav: "event_cases", Data: d}
	var err error
	if d.Nodes, err = s.evNodes(r, auth.EventRead); err != nil {
		s.Fail(w, r, err)
		return
	}
	f := event.CaseFilter{Within: evScope(r, auth.EventRead), Q: q.Get("q"), Kind: event.Kind(q.Get("kind"))}
	pg, err := web.ReadPaging(r)
	var n *org.Node
	if err == nil {
		n, err = s.evNode(r, "node", q.Get("node"), auth.EventRead)
	}
	if err == nil && n != nil {
		f.NodeID = n.ID
	}
	if y := q.Get("year"); err == nil && y != "" {
		if f.Year, err = strconv.Atoi(y); err != nil || f.Year < 2000 || f.Year > 2100 {
			err = apperr.Field("year", "年份须为 2000–2100 的整数", "the year is a whole number from 2000 to 2100")
		}
	}
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		d.Rows, d.Total, err = s.Events.Cases(r.Context(), f)
	}
	if err != nil {
		s.FormError(w, r, "ev_cases", page, err)
		return
	}
	d.Pager = web.NewPager(r, pg, d.Total, len(d.Rows), false)
	s.Render(w, r, http.StatusOK, "ev_cases", page)
}

// eventCopy starts a new proposal from the event (a case) at a new start.
func (s *handler) eventCopy(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	start, err := evFormTime(r.PostForm, "starts_at")
	var c *event.Event
	if err == nil {
		c, err = s.Events.CopyAsProposal(r.Context(), e.ID, start, web.Principal(r).Staff.ID, evScope(r, auth.EventWrite))
	}
	if err != nil {
		s.eventPage(w, r, e, err)
		return
	}
	web.Redirect(w, r, evPath(c.ID), "ev.flash.copied")
}

// Avg shows an average (1–5) with two decimals.
func (d *evaluationData) Avg(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 2, 64)
}
