package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// The proposal form (活动方案): a new proposal, or a draft or returned
// one edited; the form is shown again with its values and the field at
// fault when the core refuses it, and nothing is saved.

// budgetBlank is how many empty budget rows the form offers.
const budgetBlank = 3

// evFormData is the proposal form.
type evFormData struct {
	E          *event.Event // nil: a new proposal
	V          url.Values   // the values shown
	Nodes      []org.Node
	Items      []planChoice
	Kinds      []event.Kind
	Organisers []event.Organiser
	PointModes []event.PointMode
	Categories []event.BudgetCategory
	Budget     []budgetRow
}

// planChoice is a planned event a proposal may be for.
type planChoice struct {
	ID    int64
	Year  int
	Month int
	Node  string
	Theme string
}

// budgetRow is one line of the budget as the form shows it.
type budgetRow struct {
	N        int
	Category string
	Item     string
	Amount   string
}

const formTime = "2006-01-02T15:04"

// proposalValues are a proposal's values as the form's fields.
func proposalValues(e *event.Event) url.Values {
	v := url.Values{}
	set := func(k, s string) { v.Set(k, s) }
	set("node", e.NodeCode)
	if e.PlanItemID != nil {
		set("plan_item", strconv.FormatInt(*e.PlanItemID, 10))
	}
	set("kind", string(e.Kind))
	set("organiser", string(e.Organiser))
	set("department", e.Department)
	set("merchant", e.Merchant)
	set("theme", e.Theme)
	set("goals", e.Goals)
	set("starts_at", e.StartsAt.In(web.ChinaTime).Format(formTime))
	set("ends_at", e.EndsAt.In(web.ChinaTime).Format(formTime))
	set("deadline", e.Deadline.In(web.ChinaTime).Format(formTime))
	set("venue", e.Venue)
	set("address", e.Address)
	set("capacity", strconv.Itoa(e.Capacity))
	set("companions_max", strconv.Itoa(e.CompanionsMax))
	set("year_limit", strconv.Itoa(e.YearLimit))
	set("audience", e.Audience)
	set("agenda", e.Agenda)
	set("staffing", e.Staffing)
	set("resources", e.Resources)
	set("point_mode", string(e.PointMode))
	if e.PointAmount > 0 {
		set("point_amount", strconv.FormatInt(e.PointAmount, 10))
	}
	for i, b := range e.Budget {
		p := fmt.Sprintf("b%d.", i+1)
		set(p+"category", string(b.Category))
		set(p+"item", b.Item)
		set(p+"amount", web.Yuan(b.AmountFen))
	}
	return v
}

// budgetRows reads the budget rows of v, with blank rows after them.
func budgetRows(v url.Values) []budgetRow {
	var out []budgetRow
	for n := 1; n <= event.MaxLines; n++ {
		p := fmt.Sprintf("b%d.", n)
		if _, ok := v[p+"category"]; !ok {
			break
		}
		out = append(out, budgetRow{N: n, Category: v.Get(p + "category"), Item: v.Get(p + "item"), Amount: v.Get(p + "amount")})
	}
	for i := 0; i < budgetBlank && len(out) < event.MaxLines; i++ {
		out = append(out, budgetRow{N: len(out) + 1})
	}
	return out
}

// evFormTime reads a date and time field ("" is zero).
func evFormTime(v url.Values, field string) (time.Time, error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(formTime, s, web.ChinaTime)
	if err != nil {
		return t, apperr.Field(field, "日期时间格式应为 YYYY-MM-DD HH:MM", "dates and times are YYYY-MM-DD HH:MM")
	}
	return t, nil
}

// evFormInt reads a whole number field ("" is zero).
func evFormInt(v url.Values, field, zh, en string) (int, error) {
	s := strings.TrimSpace(v.Get(field))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, apperr.Field(field, zh+"须为整数", en+" must be a whole number")
	}
	return n, nil
}

// proposalInput reads the proposal from the form.
func (s *handler) proposalInput(r *http.Request) (event.Proposal, error) {
	v := r.PostForm
	in := event.Proposal{Kind: event.Kind(v.Get("kind")), Organiser: event.Organiser(v.Get("organiser")),
		Department: v.Get("department"), Merchant: v.Get("merchant"), Theme: v.Get("theme"), Goals: v.Get("goals"),
		Venue: v.Get("venue"), Address: v.Get("address"), Audience: v.Get("audience"), Agenda: v.Get("agenda"),
		Staffing: v.Get("staffing"), Resources: v.Get("resources"), PointMode: event.PointMode(v.Get("point_mode"))}
	n, err := s.evNode(r, "node", v.Get("node"), auth.EventWrite)
	if err != nil {
		return in, err
	}
	if n == nil {
		return in, apperr.Field("node", "请选择活动所属组织", "choose the org node the event belongs to")
	}
	in.NodeID = n.ID
	if it := strings.TrimSpace(v.Get("plan_item")); it != "" {
		if in.PlanItemID, err = strconv.ParseInt(it, 10, 64); err != nil {
			return in, apperr.Field("plan_item_id", "请选择计划活动", "choose a planned event")
		}
	}
	for _, f := range []struct {
		name string
		to   *time.Time
	}{{"starts_at", &in.StartsAt}, {"ends_at", &in.EndsAt}, {"deadline", &in.Deadline}} {
		if *f.to, err = evFormTime(v, f.name); err != nil {
			return in, err
		}
	}
	for _, f := range []struct {
		name, zh, en string
		to           *int
	}{{"capacity", "人数上限", "the capacity", &in.Capacity}, {"companions_max", "可带同行人数", "companions allowed", &in.CompanionsMax},
		{"year_limit", "每人每年报名上限", "the yearly limit", &in.YearLimit}} {
		if *f.to, err = evFormInt(v, f.name, f.zh, f.en); err != nil {
			return in, err
		}
	}
	pts, err := evFormInt(v, "point_amount", "积分", "the points")
	if err != nil {
		return in, err
	}
	in.PointAmount = int64(pts)
	for _, b := range budgetRows(v) {
		if strings.TrimSpace(b.Item) == "" && strings.TrimSpace(b.Amount) == "" {
			continue
		}
		fen, err := parseYuan("budget", b.Amount)
		if err != nil {
			return in, err
		}
		in.Budget = append(in.Budget, event.BudgetLine{Category: event.BudgetCategory(b.Category), Item: b.Item, AmountFen: fen})
	}
	return in, nil
}

// evForm fills the form's choices: nodes and the planned events still free.
func (s *handler) evForm(r *http.Request, e *event.Event, v url.Values) (*evFormData, error) {
	d := &evFormData{E: e, V: v, Kinds: event.Kinds, Organisers: event.Organisers, PointModes: event.PointModes,
		Categories: event.BudgetCategories, Budget: budgetRows(v)}
	var err error
	if d.Nodes, err = s.evNodes(r, auth.EventWrite); err != nil {
		return nil, err
	}
	plans, err := s.Events.Plans(r.Context(), 0, evScope(r, auth.EventWrite))
	if err != nil {
		return nil, err
	}
	thisYear := s.today().Year()
	for _, p := range plans {
		if p.Year < thisYear {
			continue
		}
		for _, it := range p.Items {
			if it.EventID != nil && (e == nil || *it.EventID != e.ID) {
				continue
			}
			d.Items = append(d.Items, planChoice{ID: it.ID, Year: p.Year, Month: it.Month, Node: p.NodeName, Theme: it.Theme})
		}
	}
	return d, nil
}

func (s *handler) evFormPage(w http.ResponseWriter, r *http.Request, e *event.Event, v url.Values, err error) {
	d, derr := s.evForm(r, e, v)
	if derr != nil {
		s.Fail(w, r, derr)
		return
	}
	title := s.Cat.T(web.Lang(r), "ev.new")
	if e != nil {
		title = s.Cat.T(web.Lang(r), "ev.edit")
	}
	page := web.Page{Title: title, Nav: "events", Data: d}
	if err != nil {
		s.FormError(w, r, "ev_form", page, err)
		return
	}
	s.Render(w, r, http.StatusOK, "ev_form", page)
}

// eventNew is the form of a new proposal; ?plan_item= picks a planned event.
func (s *handler) eventNew(w http.ResponseWriter, r *http.Request) {
	v := url.Values{"kind": {string(event.Leisure)}, "organiser": {string(event.Host)}, "point_mode": {string(event.NoPoints)},
		"companions_max": {"0"}, "year_limit": {"0"}}
	if it := r.URL.Query().Get("plan_item"); it != "" {
		v.Set("plan_item", it)
	}
	if p := web.Principal(r); p != nil && p.Staff.NodeCode != "" && p.CanAt(auth.EventWrite, p.Staff.NodePath) {
		v.Set("node", p.Staff.NodeCode)
	}
	s.evFormPage(w, r, nil, v, nil)
}

// eventCreate records a new proposal, a draft; a refused one changes nothing.
func (s *handler) eventCreate(w http.ResponseWriter, r *http.Request) {
	in, err := s.proposalInput(r)
	var e *event.Event
	if err == nil {
		e, err = s.Events.Propose(r.Context(), in, web.Principal(r).Staff.ID, evScope(r, auth.EventWrite))
	}
	if err != nil {
		s.evFormPage(w, r, nil, r.PostForm, err)
		return
	}
	web.Redirect(w, r, evPath(e.ID), "ev.flash.created")
}

func evPath(id int64) string { return "/activities/" + strconv.FormatInt(id, 10) }

// eventEdit is the form of a draft or returned proposal.
func (s *handler) eventEdit(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if !e.Status.Editable() {
		s.Fail(w, r, apperr.New(apperr.Conflict, "活动当前为“"+e.Status.Label("")+"”，方案不能再修改",
			"the event is "+strings.ToLower(e.Status.Label("en"))+"; the proposal can no longer be changed"))
		return
	}
	s.evFormPage(w, r, e, proposalValues(e), nil)
}

// eventUpdate saves an edited proposal.
func (s *handler) eventUpdate(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in, err := s.proposalInput(r)
	if err == nil {
		_, err = s.Events.Revise(r.Context(), e.ID, in, evScope(r, auth.EventWrite))
	}
	if err != nil {
		s.evFormPage(w, r, e, r.PostForm, err)
		return
	}
	web.Redirect(w, r, evPath(e.ID), "ev.flash.updated")
}
