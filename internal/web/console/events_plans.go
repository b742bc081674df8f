package console

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// Yearly event plans (年度活动计划): the plans of a year within the
// caller's scope, a plan opened for a node and year, and a plan's page
// with its planned events (month, theme, type, budget) to add and remove.

// evPlansData is the list of a year's plans.
type evPlansData struct {
	Year  int
	Plans []event.Plan
	Nodes []org.Node
	Years []int
}

func (s *handler) eventPlans(w http.ResponseWriter, r *http.Request) {
	d := &evPlansData{Year: s.today().Year()}
	page := web.Page{Title: s.Cat.T(web.Lang(r), "ev.plans"), Nav: "event_plans", Data: d}
	for y := d.Year - 2; y <= d.Year+1; y++ {
		d.Years = append(d.Years, y)
	}
	var err error
	if y := r.URL.Query().Get("year"); y != "" {
		if d.Year, err = strconv.Atoi(y); err != nil || d.Year < 2000 || d.Year > 2100 {
			d.Year = s.today().Year()
			err = apperr.Field("year", "年份须为 2000–2100 的整数", "the year is a whole number from 2000 to 2100")
		}
	}
	if err == nil {
		d.Plans, err = s.Events.Plans(r.Context(), d.Year, evScope(r, auth.EventRead))
	}
	if err == nil {
		d.Nodes, err = s.evNodes(r, auth.EventWrite)
	}
	if err != nil {
		s.FormError(w, r, "ev_plans", page, err)
		return
	}
	s.Render(w, r, http.StatusOK, "ev_plans", page)
}

// eventPlanOpen opens (makes, the first time) the plan of a node and year.
func (s *handler) eventPlanOpen(w http.ResponseWriter, r *http.Request) {
	n, err := s.evNode(r, "node_id", r.PostFormValue("node"), auth.EventWrite)
	if err == nil && n == nil {
		err = apperr.Field("node_id", "请选择组织", "choose the org node")
	}
	var p *event.Plan
	if err == nil {
		year, aerr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("year")))
		if aerr != nil {
			year = 0
		}
		p, err = s.Events.PlanFor(r.Context(), n.ID, year, evScope(r, auth.EventWrite))
	}
	if err != nil {
		d := &evPlansData{Year: s.today().Year()}
		for y := d.Year - 2; y <= d.Year+1; y++ {
			d.Years = append(d.Years, y)
		}
		d.Plans, _ = s.Events.Plans(r.Context(), d.Year, evScope(r, auth.EventRead))
		d.Nodes, _ = s.evNodes(r, auth.EventWrite)
		s.FormError(w, r, "ev_plans", web.Page{Title: s.Cat.T(web.Lang(r), "ev.plans"), Nav: "event_plans", Data: d}, err)
		return
	}
	web.Redirect(w, r, planPath(p.ID), "")
}

func planPath(id int64) string { return "/activity-plans/" + strconv.FormatInt(id, 10) }

// evPlanData is a plan's page.
type evPlanData struct {
	P      *event.Plan
	Kinds  []event.Kind
	Months []int
}

// scopedPlan loads the plan {event_plan} within perm's scope.
func (s *handler) scopedPlan(r *http.Request, perm auth.Permission) (*event.Plan, error) {
	id, err := strconv.ParseInt(r.PathValue("event_plan"), 10, 64)
	if err != nil || id <= 0 {
		return nil, web.NotFoundErr
	}
	p, err := s.Events.Plan(r.Context(), id, evScope(r, perm))
	if apperr.Is(err, apperr.NotFound) {
		return nil, web.NotFoundErr
	}
	return p, err
}

func (s *handler) planPage(w http.ResponseWriter, r *http.Request, p *event.Plan, err error) {
	d := &evPlanData{P: p, Kinds: event.Kinds, Months: []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}
	page := web.Page{Title: s.Cat.T(web.Lang(r), "ev.plan_title", map[string]any{"Y": p.Year}), Nav: "event_plans", Data: d}
	if err != nil {
		s.FormError(w, r, "ev_plan", page, err)
		return
	}
	s.Render(w, r, http.StatusOK, "ev_plan", page)
}

func (s *handler) eventPlanShow(w http.ResponseWriter, r *http.Request) {
	p, err := s.scopedPlan(r, auth.EventRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.planPage(w, r, p, nil)
}

// eventPlanAddItem adds a planned event: month, theme, type, budget (元).
func (s *handler) eventPlanAddItem(w http.ResponseWriter, r *http.Request) {
	p, err := s.scopedPlan(r, auth.EventWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in := event.PlanItemInput{Theme: r.PostFormValue("theme"), Kind: event.Kind(r.PostFormValue("kind")), Note: r.PostFormValue("note")}
	in.Month, err = evFormInt(r.PostForm, "month", "月份", "the month")
	if err == nil {
		in.BudgetFen, err = parseYuan("budget_fen", r.PostFormValue("budget"))
	}
	if err == nil {
		_, err = s.Events.AddPlanItem(r.Context(), p.ID, in, evScope(r, auth.EventWrite))
	}
	if err != nil {
		s.planPage(w, r, p, err)
		return
	}
	web.Redirect(w, r, planPath(p.ID), "ev.flash.plan_item")
}

// eventPlanRemoveItem removes a planned event no event was proposed for.
func (s *handler) eventPlanRemoveItem(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("plan_item"), 10, 64)
	if err != nil || id <= 0 {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	p, err := s.Events.RemovePlanItem(r.Context(), id, evScope(r, auth.EventWrite))
	if apperr.Is(err, apperr.NotFound) {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	if err != nil {
		// Refused (an event was proposed for it): the plan's page says so.
		if p, perr := s.Events.ItemPlan(r.Context(), id, evScope(r, auth.EventWrite)); perr == nil {
			s.planPage(w, r, p, err)
			return
		}
		s.Fail(w, r, err)
		return
	}
	web.Redirect(w, r, planPath(p.ID), "ev.flash.plan_item_removed")
}
