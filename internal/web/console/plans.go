package console

import (
	"net/http"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/org"
	"estateclub/internal/points"
	"estateclub/internal/validate"
	"estateclub/internal/web"
)

// --- console ---

type plansData struct {
	Plans   []points.Plan
	CanEdit bool
	Status  string
	Pager   web.Pager
}

// pointPlans lists the point plans that reach the caller: plans at or
// above their nodes (which award their members) and plans below them.
func (s *handler) pointPlans(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f := points.PlanFilter{Reach: p.Paths(auth.PointsRead), Offset: pg.Offset(), Limit: pg.PerPage}
	st := points.PlanStatus(r.URL.Query().Get("status"))
	switch st {
	case "", points.PlanDraft, points.PlanPending, points.PlanApproved, points.PlanCancelled:
		f.Status = st
	}
	plans, total, err := s.Points.Plans(r.Context(), f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := plansData{Plans: plans, CanEdit: p.Can(auth.PlanEdit), Status: string(f.Status), Pager: web.NewPager(r, pg, total, len(plans), false)}
	s.Render(w, r, http.StatusOK, "point_plans", web.Page{Title: s.Cat.T(web.Lang(r), "nav.plans"), Nav: "plans", Data: d})
}

type planNewData struct {
	Nodes []org.Node
}

func (s *handler) planNewPage(w http.ResponseWriter, r *http.Request, ferr error) {
	nodes, _, err := s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(auth.PlanEdit)})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "plan.new"), Nav: "plans", Data: planNewData{Nodes: nodes}}
	if ferr != nil {
		s.FormError(w, r, "plan_new", pg, ferr)
		return
	}
	s.Render(w, r, http.StatusOK, "plan_new", pg)
}

func (s *handler) planNew(w http.ResponseWriter, r *http.Request) { s.planNewPage(w, r, nil) }

// optionalInt reads an optional whole number (0 when blank).
func optionalInt(r *http.Request, field string) (int64, error) {
	v := strings.TrimSpace(validate.Halfwidth(r.PostFormValue(field)))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(v, ",", ""), 10, 64)
	if err != nil {
		return 0, apperr.Field(field, "须为整数", "must be a whole number")
	}
	return n, nil
}

// formInts reads several optional whole numbers at once.
func formInts(r *http.Request, dst map[string]*int64) error {
	for field, p := range dst {
		n, err := optionalInt(r, field)
		if err != nil {
			return err
		}
		*p = n
	}
	return nil
}

func planInputFromForm(r *http.Request) (points.PlanInput, error) {
	in := points.PlanInput{NodeCode: r.PostFormValue("node"), Kind: points.PlanKind(r.PostFormValue("kind")),
		Name: r.PostFormValue("name"), Note: r.PostFormValue("note")}
	var year int64
	if err := formInts(r, map[string]*int64{"year": &year, "budget_upgrade": &in.Budget.Upgrade, "budget_reward": &in.Budget.Reward}); err != nil {
		return in, err
	}
	in.Year = int(year)
	var err error
	if in.ValidFrom, err = formDate(r, "valid_from"); err != nil {
		return in, err
	}
	in.ValidTo, err = formDate(r, "valid_to")
	return in, err
}

func (s *handler) planCreate(w http.ResponseWriter, r *http.Request) {
	in, err := planInputFromForm(r)
	if err == nil {
		_, err = s.NodeForWrite(r, "node", in.NodeCode, auth.PlanEdit)
	}
	var p *points.Plan
	if err == nil {
		p, err = s.Points.CreatePlan(r.Context(), in)
	}
	if err != nil {
		s.planNewPage(w, r, err)
		return
	}
	web.Redirect(w, r, "/points/plans/"+strconv.FormatInt(p.ID, 10), "flash.plan_created")
}

type planShowData struct {
	Plan    *points.Plan
	Usage   *points.PlanUsage
	Awarded map[int64]points.RuleUsage
	Changes []planChangeView
	Events  []points.EventType
	Cats    []points.Category
	Caps    []points.CapPeriod
	Kinds   []points.Kind
	Pending bool       // a change awaits approval
	Ops     *operators // the people its rows name
}

// planChangeView is a change request with its rule edits readable.
type planChangeView struct {
	points.PlanChange
	Lines []string
}

func (s *handler) planShowPage(w http.ResponseWriter, r *http.Request, p *points.Plan, status int, ferr error) {
	ctx := r.Context()
	d := planShowData{Plan: p, Awarded: map[int64]points.RuleUsage{}, Cats: points.Categories,
		Caps:  []points.CapPeriod{points.NoCap, points.PerDay, points.PerMonth, points.PerYear, points.PerPlan},
		Kinds: []points.Kind{points.Reward, points.Upgrade}, Pending: p.PendingChange != nil}
	for _, e := range points.EventTypes {
		d.Events = append(d.Events, e.Type)
	}
	var err error
	if d.Usage, err = s.Points.PlanUsage(ctx, p.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, u := range d.Usage.Rules {
		d.Awarded[u.RuleID] = u
	}
	changes, err := s.Points.PlanChanges(ctx, p.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	logins := []string{p.CreatedBy, p.SubmittedBy, p.ApprovedBy, p.CancelledBy}
	for _, c := range changes {
		d.Changes = append(d.Changes, planChangeView{PlanChange: c, Lines: revisionLines(web.Lang(r), c.Revision)})
		logins = append(logins, c.ProposedBy, c.DecidedBy)
	}
	if d.Ops, err = s.operatorsFor(r, logins...); err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: p.Name, Nav: "plans", Data: d}
	if ferr != nil {
		s.FormError(w, r, "plan_show", pg, ferr)
		return
	}
	s.Render(w, r, status, "plan_show", pg)
}

// revisionLines says what a change request changes, a line per change.
func revisionLines(lang string, rev points.PlanRevision) []string {
	zh := lang != "en"
	say := func(z, e string) string {
		if zh {
			return z
		}
		return e
	}
	var out []string
	u := rev.Plan
	if u.Name != nil {
		out = append(out, say("名称 → ", "name → ")+*u.Name)
	}
	if u.ValidFrom != nil {
		out = append(out, say("开始日期 → ", "start → ")+u.ValidFrom.String())
	}
	if u.ValidTo != nil {
		out = append(out, say("结束日期 → ", "end → ")+u.ValidTo.String())
	}
	if u.Budget != nil {
		out = append(out, say("预算 → 升级积分 ", "budget → upgrade ")+strconv.FormatInt(u.Budget.Upgrade, 10)+
			say("，奖励积分 ", ", reward ")+strconv.FormatInt(u.Budget.Reward, 10))
	}
	for _, e := range rev.Rules {
		l := say("规则 #", "rule #") + strconv.FormatInt(e.ID, 10)
		if e.Amount != nil {
			l += say(" 分值 → ", " amount → ") + strconv.FormatInt(*e.Amount, 10)
		}
		if e.Active != nil {
			if *e.Active {
				l += say(" 启用", " on")
			} else {
				l += say(" 停用", " off")
			}
		}
		out = append(out, l)
	}
	for _, a := range rev.AddRules {
		out = append(out, say("新增规则：", "new rule: ")+a.EventType.Label(lang)+" "+strconv.FormatInt(a.Amount, 10)+" "+string(a.Kind))
	}
	return out
}

func (s *handler) planShow(w http.ResponseWriter, r *http.Request) {
	p, err := s.ScopedPlan(r, auth.PointsRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.planShowPage(w, r, p, http.StatusOK, nil)
}

// planStep runs one console action on the plan {plan} and shows the plan
// again, with the error if the action was refused.
func (s *handler) planStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, flash string, act func(p *points.Plan) error) {
	p, err := s.ScopedPlan(r, perm)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := act(p); err != nil {
		if fresh, ferr := s.Points.Plan(r.Context(), p.ID); ferr == nil {
			p = fresh
		}
		s.planShowPage(w, r, p, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/points/plans/"+strconv.FormatInt(p.ID, 10), flash)
}

func planUpdateFromForm(r *http.Request) (points.PlanUpdate, error) {
	var u points.PlanUpdate
	name, note := r.PostFormValue("name"), r.PostFormValue("note")
	u.Name, u.Note = &name, &note
	var b points.Amounts
	if err := formInts(r, map[string]*int64{"budget_upgrade": &b.Upgrade, "budget_reward": &b.Reward}); err != nil {
		return u, err
	}
	u.Budget = &b
	for field, dst := range map[string]**db.Date{"valid_from": &u.ValidFrom, "valid_to": &u.ValidTo} {
		d, err := formDate(r, field)
		if err != nil {
			return u, err
		}
		if d.Valid() {
			*dst = &d
		}
	}
	return u, nil
}

func (s *handler) planUpdate(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.saved", func(p *points.Plan) error {
		u, err := planUpdateFromForm(r)
		if err == nil {
			_, err = s.Points.UpdatePlan(r.Context(), p.ID, u)
		}
		return err
	})
}

func ruleInputFromForm(r *http.Request) (points.RuleInput, error) {
	in := points.RuleInput{Category: points.Category(r.PostFormValue("category")), EventType: points.EventType(r.PostFormValue("event_type")),
		Kind: points.Kind(r.PostFormValue("kind")), CapPeriod: points.CapPeriod(r.PostFormValue("cap_period")), Note: r.PostFormValue("note")}
	var capCount int64
	if err := formInts(r, map[string]*int64{"amount": &in.Amount, "cap_count": &capCount, "cap_points": &in.CapPoints}); err != nil {
		return in, err
	}
	in.CapCount = int(capCount)
	var err error
	if in.ValidFrom, err = formDate(r, "rule_from"); err != nil {
		return in, err
	}
	in.ValidTo, err = formDate(r, "rule_to")
	return in, err
}

func (s *handler) planRuleAdd(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.rule_added", func(p *points.Plan) error {
		in, err := ruleInputFromForm(r)
		if err == nil {
			_, err = s.Points.AddRule(r.Context(), p.ID, in)
		}
		return err
	})
}

func ruleUpdateFromForm(r *http.Request) (points.RuleUpdate, error) {
	var u points.RuleUpdate
	var amount, capCount, capPoints int64
	if err := formInts(r, map[string]*int64{"amount": &amount, "cap_count": &capCount, "cap_points": &capPoints}); err != nil {
		return u, err
	}
	n := int(capCount)
	period := points.CapPeriod(r.PostFormValue("cap_period"))
	active := r.PostFormValue("active") == "on" || r.PostFormValue("active") == "1"
	u.Amount, u.CapCount, u.CapPoints, u.CapPeriod, u.Active = &amount, &n, &capPoints, &period, &active
	return u, nil
}

func (s *handler) planRuleUpdate(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.saved", func(p *points.Plan) error {
		rule, err := web.ScopedRule(r, p)
		if err != nil {
			return err
		}
		u, err := ruleUpdateFromForm(r)
		if err == nil {
			_, err = s.Points.UpdateRule(r.Context(), rule.ID, u)
		}
		return err
	})
}

func (s *handler) planSubmit(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.plan_submitted", func(p *points.Plan) error {
		_, err := s.Points.SubmitPlan(r.Context(), p.ID)
		return err
	})
}

// decision reads the approve/return choice of a decision form.
func decision(r *http.Request) (approve bool, err error) {
	switch r.PostFormValue("decision") {
	case "approve":
		return true, nil
	case "reject", "return":
		return false, nil
	}
	return false, apperr.Field("decision", "请选择批准或退回", "choose approve or return")
}

func (s *handler) planDecide(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanApprove, "flash.reviewed", func(p *points.Plan) error {
		approve, err := decision(r)
		if err != nil {
			return err
		}
		if approve {
			_, err = s.Points.ApprovePlan(r.Context(), p.ID)
		} else {
			_, err = s.Points.ReturnPlan(r.Context(), p.ID, r.PostFormValue("note"))
		}
		return err
	})
}

func (s *handler) planCancel(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanApprove, "flash.plan_cancelled", func(p *points.Plan) error {
		_, err := s.Points.CancelPlan(r.Context(), p.ID, r.PostFormValue("reason"))
		return err
	})
}

// revisionFromForm reads a change request: the plan's fields as the form
// shows them (those unchanged are left out), each rule's amount and
// switch, and an optional new rule.
func revisionFromForm(r *http.Request, p *points.Plan) (points.PlanRevision, error) {
	var rev points.PlanRevision
	if name := strings.TrimSpace(r.PostFormValue("name")); name != "" && name != p.Name {
		rev.Plan.Name = &name
	}
	to, err := formDate(r, "valid_to")
	if err != nil {
		return rev, err
	}
	if to.Valid() && to != p.ValidTo {
		rev.Plan.ValidTo = &to
	}
	b := p.Budget
	if err := formInts(r, map[string]*int64{"budget_upgrade": &b.Upgrade, "budget_reward": &b.Reward}); err != nil {
		return rev, err
	}
	if b != p.Budget {
		rev.Plan.Budget = &b
	}
	for _, rule := range p.Rules {
		id := strconv.FormatInt(rule.ID, 10)
		e := points.RuleEdit{ID: rule.ID}
		if v := r.PostFormValue("amount_" + id); v != "" {
			n, err := optionalInt(r, "amount_"+id)
			if err != nil {
				return rev, err
			}
			if n != rule.Amount {
				e.Amount = &n
			}
		}
		if on := r.PostFormValue("active_"+id) == "on"; on != rule.Active {
			e.Active = &on
		}
		if e.Amount != nil || e.Active != nil {
			rev.Rules = append(rev.Rules, e)
		}
	}
	if r.PostFormValue("event_type") != "" {
		in, err := ruleInputFromForm(r)
		if err != nil {
			return rev, err
		}
		rev.AddRules = append(rev.AddRules, in)
	}
	return rev, nil
}

func (s *handler) planChangePropose(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.plan_change_proposed", func(p *points.Plan) error {
		rev, err := revisionFromForm(r, p)
		if err == nil {
			_, err = s.Points.ProposePlanChange(r.Context(), p.ID, rev, r.PostFormValue("reason"))
		}
		return err
	})
}

func (s *handler) planChangeDecide(w http.ResponseWriter, r *http.Request) {
	c, p, err := s.ScopedPlanChange(r, auth.PlanApprove)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	approve, err := decision(r)
	if err == nil {
		_, err = s.Points.DecidePlanChange(r.Context(), c.ID, approve, r.PostFormValue("note"))
	}
	if err != nil {
		if fresh, ferr := s.Points.Plan(r.Context(), p.ID); ferr == nil {
			p = fresh
		}
		s.planShowPage(w, r, p, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/points/plans/"+strconv.FormatInt(p.ID, 10), "flash.reviewed")
}
