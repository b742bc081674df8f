package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// A project's lead rules (线索规则), the sales admin's daily reconciliation
// of the paper sheets (日清), and leads in and out as .xlsx.

// --- config ---

type leadConfigData struct {
	Node        *org.Node
	Config      *lead.Config
	Statuses    []lead.Status
	Fields      []string
	Consultants []auth.Staff
}

func (s *handler) leadConfigPage(w http.ResponseWriter, r *http.Request, n *org.Node, c *lead.Config, status int, ferr error) {
	d := leadConfigData{Node: n, Config: c, Statuses: lead.Statuses,
		Fields: []string{lead.FieldSurname, lead.FieldName, lead.FieldGender, lead.FieldMobile, lead.FieldMedia, lead.FieldLostReason, lead.FieldReferrer}}
	for _, f := range c.ExtraFields {
		d.Fields = append(d.Fields, f.Key)
	}
	var err error
	if d.Consultants, err = s.consultants(r.Context(), []string{n.Path}); err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "lead.config") + " · " + n.Name, Nav: "lead_manage", Data: d}
	if ferr != nil {
		s.FormError(w, r, "lead_config", pg, ferr)
		return
	}
	s.Render(w, r, status, "lead_config", pg)
}

func (s *handler) leadConfig(w http.ResponseWriter, r *http.Request) {
	n, err := s.ScopedNode(r, auth.LeadAssign)
	var c *lead.Config
	if err == nil {
		c, err = s.Leads.Config(r.Context(), n.Code)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.leadConfigPage(w, r, n, c, http.StatusOK, nil)
}

// lines splits a text area into its non-blank lines.
func lines(v string) []string {
	out := []string{}
	for l := range strings.SplitSeq(v, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// configFromForm reads the config form over the rules in force; what the
// form does not show (questionnaires, own fields, rules) is kept.
func configFromForm(r *http.Request, c lead.Config) (lead.Config, error) {
	c.Required, c.NextActions = map[lead.Status][]string{}, map[lead.Status]lead.NextAction{}
	for _, st := range lead.Statuses {
		c.Required[st] = r.PostForm["req_"+string(st)]
		if a := strings.TrimSpace(r.PostFormValue("action_" + string(st))); a != "" {
			n, err := optionalInt(r, "days_"+string(st))
			if err != nil {
				return c, err
			}
			c.NextActions[st] = lead.NextAction{Action: a, Days: int(n)}
		}
	}
	ints := map[string]*int{"pool_return_days": &c.PoolReturnDays, "claim_cap": &c.ClaimCap, "protect_visit_days": &c.ProtectVisitDays,
		"protect_referral_days": &c.ProtectReferralDays, "stuck_days": &c.StuckDays}
	for field, dst := range ints {
		n, err := optionalInt(r, field)
		if err != nil {
			return c, err
		}
		*dst = int(n)
	}
	c.Media, c.LostReasons = lines(r.PostFormValue("media")), lines(r.PostFormValue("lost_reasons"))
	c.Rotation = []int64{}
	for _, v := range r.PostForm["rotation"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return c, apperr.Field("rotation", "轮岗名单不正确", "the rotation is not valid")
		}
		c.Rotation = append(c.Rotation, id)
	}
	return c, nil
}

func (s *handler) leadConfigSave(w http.ResponseWriter, r *http.Request) {
	n, err := s.ScopedNode(r, auth.LeadAssign)
	var cur *lead.Config
	if err == nil {
		cur, err = s.Leads.Config(r.Context(), n.Code)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	c, err := configFromForm(r, *cur)
	if err == nil {
		_, err = s.Leads.SetConfig(r.Context(), n.Code, c)
	}
	if err != nil {
		s.leadConfigPage(w, r, n, &c, 0, err)
		return
	}
	web.Redirect(w, r, "/leads/projects/"+url.PathEscape(n.Code)+"/config", "flash.saved")
}

// --- reconciliation ---

type leadReconData struct {
	Projects []org.Node
	Node     *org.Node
	Recon    *lead.Reconciliation
	Sheet    []reconRow
	Day      string
	Yday     string
	Ops      *operators // the people its rows name
}

// reconRow is a consultant's line of the paper-count form.
type reconRow struct {
	StaffID       int64
	Name          string
	Visits, Calls int
}

// leadReconcilePick lists the projects whose days the caller reconciles.
func (s *handler) leadReconcilePick(w http.ResponseWriter, r *http.Request) {
	ps, err := s.leadProjects(r.Context(), web.Principal(r), auth.LeadReconcile)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "lead_reconcile", web.Page{Title: s.Cat.T(web.Lang(r), "lead.reconcile"), Nav: "lead_reconcile",
		Data: leadReconData{Projects: ps, Yday: web.ChinaDay(-1).String()}})
}

func (s *handler) leadReconcilePage(w http.ResponseWriter, r *http.Request, n *org.Node, day db.Date, status int, ferr error) {
	d := leadReconData{Node: n, Day: day.String(), Yday: web.ChinaDay(-1).String()}
	rc, err := s.Leads.Reconcile(r.Context(), n.Code, day)
	var staff []auth.Staff
	if err == nil {
		staff, err = s.consultants(r.Context(), []string{n.Path})
	}
	if err != nil {
		if ferr == nil {
			ferr = err
		}
		if apperr.As(err).Code != apperr.Invalid {
			s.Fail(w, r, err)
			return
		}
	}
	d.Recon = rc
	if rc != nil && rc.Signed {
		if d.Ops, err = s.operatorsFor(r, rc.SignedBy); err != nil {
			s.Fail(w, r, err)
			return
		}
	}
	entered := map[int64]lead.ReconLine{}
	if rc != nil {
		for _, l := range rc.Lines {
			entered[l.StaffID] = l
		}
	}
	for _, st := range staff {
		l := entered[st.ID]
		d.Sheet = append(d.Sheet, reconRow{StaffID: st.ID, Name: st.Name, Visits: l.PaperVisits, Calls: l.PaperCalls})
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "lead.reconcile") + " · " + n.Name, Nav: "lead_reconcile", Data: d}
	if ferr != nil {
		s.FormError(w, r, "lead_reconcile", pg, ferr)
		return
	}
	s.Render(w, r, status, "lead_reconcile", pg)
}

func (s *handler) leadReconcile(w http.ResponseWriter, r *http.Request) {
	n, err := s.ScopedNode(r, auth.LeadReconcile)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	day, err := web.FormDay(r.URL.Query().Get("day"), "day", web.ChinaDay(-1))
	if err != nil {
		s.leadReconcilePage(w, r, n, web.ChinaDay(-1), 0, err)
		return
	}
	s.leadReconcilePage(w, r, n, day, http.StatusOK, nil)
}

// sheetFromForm reads the paper counts: visits_<staff> and calls_<staff>.
func sheetFromForm(r *http.Request) ([]lead.SheetCount, error) {
	byStaff := map[int64]*lead.SheetCount{}
	var ids []int64
	for k := range r.PostForm {
		kind, id, ok := strings.Cut(k, "_")
		if !ok || (kind != "visits" && kind != "calls") {
			continue
		}
		staff, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			continue
		}
		n, err := optionalInt(r, k)
		if err != nil {
			return nil, err
		}
		c := byStaff[staff]
		if c == nil {
			c = &lead.SheetCount{StaffID: staff}
			byStaff[staff] = c
			ids = append(ids, staff)
		}
		if kind == "visits" {
			c.Visits = int(n)
		} else {
			c.Calls = int(n)
		}
	}
	if len(ids) == 0 {
		return nil, apperr.Field("sheet", "请填写纸质登记数量", "enter the paper counts")
	}
	slices.Sort(ids)
	out := make([]lead.SheetCount, 0, len(ids))
	for _, id := range ids {
		out = append(out, *byStaff[id])
	}
	return out, nil
}

// reconStep runs an action on a project's day and shows the day again.
func (s *handler) reconStep(w http.ResponseWriter, r *http.Request, flash string, act func(n *org.Node, day db.Date) error) {
	n, err := s.ScopedNode(r, auth.LeadReconcile)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	day, err := web.FormDay(r.PostFormValue("day"), "day", db.Date{})
	if err == nil && day.IsZero() {
		err = apperr.Field("day", "请选择日期", "choose the day")
	}
	if err == nil {
		err = act(n, day)
	}
	if err != nil {
		if day.IsZero() {
			day = web.ChinaDay(-1)
		}
		s.leadReconcilePage(w, r, n, day, 0, err)
		return
	}
	web.Redirect(w, r, "/leads/projects/"+url.PathEscape(n.Code)+"/reconcile?day="+day.String(), flash)
}

func (s *handler) leadSheet(w http.ResponseWriter, r *http.Request) {
	s.reconStep(w, r, "flash.saved", func(n *org.Node, day db.Date) error {
		counts, err := sheetFromForm(r)
		if err == nil {
			_, err = s.Leads.EnterSheet(r.Context(), n.Code, day, counts)
		}
		return err
	})
}

func (s *handler) leadSignOff(w http.ResponseWriter, r *http.Request) {
	s.reconStep(w, r, "flash.lead_signed_off", func(n *org.Node, day db.Date) error {
		_, err := s.Leads.SignOff(r.Context(), n.Code, day, r.PostFormValue("note"))
		return err
	})
}

// --- import and export ---

type leadImportData struct {
	Projects []org.Node
	Report   *lead.ImportReport
}

func (s *handler) leadImportPage(w http.ResponseWriter, r *http.Request, status int, rep *lead.ImportReport, ferr error) {
	ps, err := s.leadProjects(r.Context(), web.Principal(r), auth.LeadAssign)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "lead.import"), Nav: "leads", Data: leadImportData{Projects: ps, Report: rep}}
	if ferr != nil {
		s.FormError(w, r, "lead_import", pg, ferr)
		return
	}
	s.Render(w, r, status, "lead_import", pg)
}

func (s *handler) leadImportForm(w http.ResponseWriter, r *http.Request) {
	s.leadImportPage(w, r, http.StatusOK, nil, nil)
}

func (s *handler) leadImport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.ImportLeads(r)
	if err != nil {
		s.leadImportPage(w, r, 0, nil, err)
		return
	}
	status := http.StatusOK
	if !rep.Imported {
		status = http.StatusUnprocessableEntity
	}
	s.leadImportPage(w, r, status, rep, nil)
}
