package web

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
)

// Point plans (积分计划) in the console and the API: a specialist drafts a
// plan and its rules and submits it; the group supervisor approves or
// returns it; an approved plan changes only through a change request
// someone else approves; either can cancel it.

// scopedPlan loads the plan named by {plan}. Reading needs perm at a node
// the plan reaches (a plan above the caller awards their members) or
// below them; changing it needs perm at the plan's own node.
func (s *Server) scopedPlan(r *http.Request, perm auth.Permission) (*points.Plan, error) {
	id, err := strconv.ParseInt(r.PathValue("plan"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	p, err := s.points.Plan(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if perm == auth.PointsRead {
		if reaches(principal(r).Paths(perm), p.NodePath) {
			return p, nil
		}
		return nil, notFoundErr
	}
	if err := authorizeAt(r, perm, p.NodePath); err != nil {
		if !reaches(principal(r).Paths(auth.PointsRead), p.NodePath) {
			return nil, notFoundErr
		}
		return nil, err
	}
	return p, nil
}

// reaches reports whether a plan at path reaches one of paths or lies below it.
func reaches(paths []string, path string) bool {
	for _, q := range paths {
		if strings.HasPrefix(path, q) || strings.HasPrefix(q, path) {
			return true
		}
	}
	return false
}

// scopedRule is the rule {rule} of the plan {plan}.
func scopedRule(r *http.Request, p *points.Plan) (*points.Rule, error) {
	id, err := strconv.ParseInt(r.PathValue("rule"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	for i := range p.Rules {
		if p.Rules[i].ID == id {
			return &p.Rules[i], nil
		}
	}
	return nil, notFoundErr
}

// --- console ---

type plansData struct {
	Plans   []points.Plan
	CanEdit bool
	Status  string
	Pager   pager
}

// pointPlans lists the point plans that reach the caller: plans at or
// above their nodes (which award their members) and plans below them.
func (s *Server) pointPlans(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	pg, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := points.PlanFilter{Reach: p.Paths(auth.PointsRead), Offset: pg.offset(), Limit: pg.PerPage}
	st := points.PlanStatus(r.URL.Query().Get("status"))
	switch st {
	case "", points.PlanDraft, points.PlanPending, points.PlanApproved, points.PlanCancelled:
		f.Status = st
	}
	plans, total, err := s.points.Plans(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := plansData{Plans: plans, CanEdit: p.Can(auth.PlanEdit), Status: string(f.Status), Pager: newPager(r, pg, total, len(plans), false)}
	s.render(w, r, http.StatusOK, "point_plans", page{Title: s.cat.T(lang(r), "nav.plans"), Nav: "plans", Data: d})
}

type planNewData struct {
	Nodes []org.Node
}

func (s *Server) planNewPage(w http.ResponseWriter, r *http.Request, ferr error) {
	nodes, _, err := s.org.List(r.Context(), org.Filter{Within: principal(r).Paths(auth.PlanEdit)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := page{Title: s.cat.T(lang(r), "plan.new"), Nav: "plans", Data: planNewData{Nodes: nodes}}
	if ferr != nil {
		s.formError(w, r, "plan_new", pg, ferr)
		return
	}
	s.render(w, r, http.StatusOK, "plan_new", pg)
}

func (s *Server) planNew(w http.ResponseWriter, r *http.Request) { s.planNewPage(w, r, nil) }

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

func (s *Server) planCreate(w http.ResponseWriter, r *http.Request) {
	in, err := planInputFromForm(r)
	if err == nil {
		_, err = s.nodeForWrite(r, "node", in.NodeCode, auth.PlanEdit)
	}
	var p *points.Plan
	if err == nil {
		p, err = s.points.CreatePlan(r.Context(), in)
	}
	if err != nil {
		s.planNewPage(w, r, err)
		return
	}
	redirect(w, r, "/points/plans/"+strconv.FormatInt(p.ID, 10), "flash.plan_created")
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

func (s *Server) planShowPage(w http.ResponseWriter, r *http.Request, p *points.Plan, status int, ferr error) {
	ctx := r.Context()
	d := planShowData{Plan: p, Awarded: map[int64]points.RuleUsage{}, Cats: points.Categories,
		Caps:  []points.CapPeriod{points.NoCap, points.PerDay, points.PerMonth, points.PerYear, points.PerPlan},
		Kinds: []points.Kind{points.Reward, points.Upgrade}, Pending: p.PendingChange != nil}
	for _, e := range points.EventTypes {
		d.Events = append(d.Events, e.Type)
	}
	var err error
	if d.Usage, err = s.points.PlanUsage(ctx, p.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, u := range d.Usage.Rules {
		d.Awarded[u.RuleID] = u
	}
	changes, err := s.points.PlanChanges(ctx, p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	logins := []string{p.CreatedBy, p.SubmittedBy, p.ApprovedBy, p.CancelledBy}
	for _, c := range changes {
		d.Changes = append(d.Changes, planChangeView{PlanChange: c, Lines: revisionLines(lang(r), c.Revision)})
		logins = append(logins, c.ProposedBy, c.DecidedBy)
	}
	if d.Ops, err = s.operatorsFor(r, logins...); err != nil {
		s.fail(w, r, err)
		return
	}
	pg := page{Title: p.Name, Nav: "plans", Data: d}
	if ferr != nil {
		s.formError(w, r, "plan_show", pg, ferr)
		return
	}
	s.render(w, r, status, "plan_show", pg)
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

func (s *Server) planShow(w http.ResponseWriter, r *http.Request) {
	p, err := s.scopedPlan(r, auth.PointsRead)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.planShowPage(w, r, p, http.StatusOK, nil)
}

// planStep runs one console action on the plan {plan} and shows the plan
// again, with the error if the action was refused.
func (s *Server) planStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, flash string, act func(p *points.Plan) error) {
	p, err := s.scopedPlan(r, perm)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := act(p); err != nil {
		if fresh, ferr := s.points.Plan(r.Context(), p.ID); ferr == nil {
			p = fresh
		}
		s.planShowPage(w, r, p, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	redirect(w, r, "/points/plans/"+strconv.FormatInt(p.ID, 10), flash)
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

func (s *Server) planUpdate(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.saved", func(p *points.Plan) error {
		u, err := planUpdateFromForm(r)
		if err == nil {
			_, err = s.points.UpdatePlan(r.Context(), p.ID, u)
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

func (s *Server) planRuleAdd(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.rule_added", func(p *points.Plan) error {
		in, err := ruleInputFromForm(r)
		if err == nil {
			_, err = s.points.AddRule(r.Context(), p.ID, in)
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

func (s *Server) planRuleUpdate(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.saved", func(p *points.Plan) error {
		rule, err := scopedRule(r, p)
		if err != nil {
			return err
		}
		u, err := ruleUpdateFromForm(r)
		if err == nil {
			_, err = s.points.UpdateRule(r.Context(), rule.ID, u)
		}
		return err
	})
}

func (s *Server) planSubmit(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.plan_submitted", func(p *points.Plan) error {
		_, err := s.points.SubmitPlan(r.Context(), p.ID)
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

func (s *Server) planDecide(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanApprove, "flash.reviewed", func(p *points.Plan) error {
		approve, err := decision(r)
		if err != nil {
			return err
		}
		if approve {
			_, err = s.points.ApprovePlan(r.Context(), p.ID)
		} else {
			_, err = s.points.ReturnPlan(r.Context(), p.ID, r.PostFormValue("note"))
		}
		return err
	})
}

func (s *Server) planCancel(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanApprove, "flash.plan_cancelled", func(p *points.Plan) error {
		_, err := s.points.CancelPlan(r.Context(), p.ID, r.PostFormValue("reason"))
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

func (s *Server) planChangePropose(w http.ResponseWriter, r *http.Request) {
	s.planStep(w, r, auth.PlanEdit, "flash.plan_change_proposed", func(p *points.Plan) error {
		rev, err := revisionFromForm(r, p)
		if err == nil {
			_, err = s.points.ProposePlanChange(r.Context(), p.ID, rev, r.PostFormValue("reason"))
		}
		return err
	})
}

// scopedPlanChange loads the change {revision} and checks perm at its plan.
func (s *Server) scopedPlanChange(r *http.Request, perm auth.Permission) (*points.PlanChange, *points.Plan, error) {
	id, err := strconv.ParseInt(r.PathValue("revision"), 10, 64)
	if err != nil {
		return nil, nil, notFoundErr
	}
	c, err := s.points.PlanChangeByID(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	r.SetPathValue("plan", strconv.FormatInt(c.PlanID, 10))
	p, err := s.scopedPlan(r, perm)
	if err != nil {
		return nil, nil, err
	}
	return c, p, nil
}

func (s *Server) planChangeDecide(w http.ResponseWriter, r *http.Request) {
	c, p, err := s.scopedPlanChange(r, auth.PlanApprove)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	approve, err := decision(r)
	if err == nil {
		_, err = s.points.DecidePlanChange(r.Context(), c.ID, approve, r.PostFormValue("note"))
	}
	if err != nil {
		if fresh, ferr := s.points.Plan(r.Context(), p.ID); ferr == nil {
			p = fresh
		}
		s.planShowPage(w, r, p, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	redirect(w, r, "/points/plans/"+strconv.FormatInt(p.ID, 10), "flash.reviewed")
}

// --- API ---

func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	q := r.URL.Query()
	f := points.PlanFilter{Reach: principal(r).Paths(auth.PointsRead), Offset: pg.offset(), Limit: pg.PerPage}
	switch st := points.PlanStatus(q.Get("status")); st {
	case "", points.PlanDraft, points.PlanPending, points.PlanApproved, points.PlanCancelled:
		f.Status = st
	default:
		s.apiError(w, r, apperr.Field("status", "状态须为 draft、pending、approved 或 cancelled", "status must be draft, pending, approved or cancelled"))
		return
	}
	switch k := points.PlanKind(q.Get("kind")); k {
	case "", points.Yearly, points.AdHoc:
		f.Kind = k
	default:
		s.apiError(w, r, apperr.Field("kind", "计划类型须为 yearly 或 adhoc", "kind must be yearly or adhoc"))
		return
	}
	if y := q.Get("year"); y != "" {
		if f.Year, err = strconv.Atoi(y); err != nil || f.Year < 2000 || f.Year > 2100 {
			s.apiError(w, r, apperr.Field("year", "年份须在 2000–2100 之间", "year must be 2000–2100"))
			return
		}
	}
	plans, total, err := s.points.Plans(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(plans, total, pg))
}

func (s *Server) apiPlanCreate(w http.ResponseWriter, r *http.Request) {
	var in points.PlanInput
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.nodeForWrite(r, "node_code", in.NodeCode, auth.PlanEdit); err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := s.points.CreatePlan(r.Context(), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

// apiPlanStep runs one API action on the plan {plan}; body, when not nil,
// is read from the request first.
func (s *Server) apiPlanStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, status int, body any, act func(p *points.Plan) (any, error)) {
	p, err := s.scopedPlan(r, perm)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if body != nil {
		if err := decodeJSON(r, body); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	out, err := act(p)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

func (s *Server) apiPlanGet(w http.ResponseWriter, r *http.Request) {
	s.apiPlanStep(w, r, auth.PointsRead, http.StatusOK, nil, func(p *points.Plan) (any, error) { return p, nil })
}

func (s *Server) apiPlanUpdate(w http.ResponseWriter, r *http.Request) {
	var u points.PlanUpdate
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusOK, &u, func(p *points.Plan) (any, error) {
		return s.points.UpdatePlan(r.Context(), p.ID, u)
	})
}

func (s *Server) apiPlanUsage(w http.ResponseWriter, r *http.Request) {
	s.apiPlanStep(w, r, auth.PointsRead, http.StatusOK, nil, func(p *points.Plan) (any, error) {
		return s.points.PlanUsage(r.Context(), p.ID)
	})
}

func (s *Server) apiPlanRuleAdd(w http.ResponseWriter, r *http.Request) {
	var in points.RuleInput
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusCreated, &in, func(p *points.Plan) (any, error) {
		return s.points.AddRule(r.Context(), p.ID, in)
	})
}

func (s *Server) apiPlanRuleUpdate(w http.ResponseWriter, r *http.Request) {
	var u points.RuleUpdate
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusOK, &u, func(p *points.Plan) (any, error) {
		rule, err := scopedRule(r, p)
		if err != nil {
			return nil, err
		}
		return s.points.UpdateRule(r.Context(), rule.ID, u)
	})
}

func (s *Server) apiPlanSubmit(w http.ResponseWriter, r *http.Request) {
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusOK, nil, func(p *points.Plan) (any, error) {
		return s.points.SubmitPlan(r.Context(), p.ID)
	})
}

// decisionBody is the body of an approve/return decision.
type decisionBody struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}

func (s *Server) apiPlanDecide(w http.ResponseWriter, r *http.Request) {
	var b decisionBody
	s.apiPlanStep(w, r, auth.PlanApprove, http.StatusOK, &b, func(p *points.Plan) (any, error) {
		if b.Approve {
			return s.points.ApprovePlan(r.Context(), p.ID)
		}
		return s.points.ReturnPlan(r.Context(), p.ID, b.Note)
	})
}

func (s *Server) apiPlanCancel(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Reason string `json:"reason"`
	}
	s.apiPlanStep(w, r, auth.PlanApprove, http.StatusOK, &b, func(p *points.Plan) (any, error) {
		return s.points.CancelPlan(r.Context(), p.ID, b.Reason)
	})
}

func (s *Server) apiPlanChanges(w http.ResponseWriter, r *http.Request) {
	s.apiPlanStep(w, r, auth.PointsRead, http.StatusOK, nil, func(p *points.Plan) (any, error) {
		cs, err := s.points.PlanChanges(r.Context(), p.ID)
		if cs == nil {
			cs = []points.PlanChange{}
		}
		return map[string]any{"items": cs}, err
	})
}

func (s *Server) apiPlanChangePropose(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Revision points.PlanRevision `json:"revision"`
		Reason   string              `json:"reason"`
	}
	s.apiPlanStep(w, r, auth.PlanEdit, http.StatusCreated, &b, func(p *points.Plan) (any, error) {
		return s.points.ProposePlanChange(r.Context(), p.ID, b.Revision, b.Reason)
	})
}

func (s *Server) apiPlanChangeDecide(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.scopedPlanChange(r, auth.PlanApprove)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b decisionBody
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	out, err := s.points.DecidePlanChange(r.Context(), c.ID, b.Approve, b.Note)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
