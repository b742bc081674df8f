package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/org"
)

// Leads (客户线索) in the console: the consultant's phone-sized
// registration with the ownership check (判客) as they type, the list with
// its filters and bulk assignment, and a lead's page with its status,
// follow-ups, deals and claims. The rules live in internal/lead.

// scopedLead loads the lead named by {lead} and checks perm at its project.
func (s *Server) scopedLead(r *http.Request, perm auth.Permission) (*lead.Lead, error) {
	id, err := strconv.ParseInt(r.PathValue("lead"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	l, err := s.leads.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := authorizeAt(r, perm, l.NodePath); err != nil {
		return nil, err
	}
	return l, nil
}

// leadProjects lists the projects where the caller holds perm.
func (s *Server) leadProjects(ctx context.Context, p *auth.Principal, perm auth.Permission) ([]org.Node, error) {
	nodes, _, err := s.org.List(ctx, org.Filter{Within: p.Paths(perm)})
	if err != nil {
		return nil, err
	}
	out := []org.Node{}
	for _, n := range nodes {
		if n.Kind == org.Project {
			out = append(out, n)
		}
	}
	return out, nil
}

// consultants lists the active sales consultants within paths.
func (s *Server) consultants(ctx context.Context, paths []string) ([]auth.Staff, error) {
	active := true
	st, _, err := s.auth.ListStaff(ctx, auth.StaffFilter{Within: paths, Role: auth.SalesConsultant, Active: &active, Limit: 500})
	return st, err
}

// isConsultant reports whether the caller receives customers themselves.
func isConsultant(p *auth.Principal) bool {
	return slices.ContainsFunc(p.Grants, func(g auth.Grant) bool { return g.Role == auth.SalesConsultant })
}

// leadFilter reads the list filters shared by the list, the export and the API.
func leadFilter(r *http.Request, within []string) (lead.Filter, error) {
	q := r.URL.Query()
	f := lead.Filter{Within: within, ProjectCode: q.Get("project"), Query: strings.TrimSpace(q.Get("q")),
		InPool: q.Get("pool") == "1" || q.Get("pool") == "true", Unassigned: q.Get("unassigned") == "1" || q.Get("unassigned") == "true"}
	if v := q.Get("status"); v != "" {
		st, err := lead.ParseStatus("status", v)
		if err != nil {
			return f, err
		}
		f.Status = st
	}
	switch d := lead.Due(q.Get("due")); d {
	case "", lead.DueToday, lead.DueOverdue:
		f.Due = d
	default:
		return f, apperr.Field("due", "due 须为 today 或 overdue", "due must be today or overdue")
	}
	if v := q.Get("owner"); v != "" {
		if v == "me" {
			id := principal(r).Staff.ID
			f.OwnerID = &id
		} else {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return f, apperr.Field("owner", "owner 须为员工编号或 me", "owner must be a staff id or me")
			}
			f.OwnerID = &id
		}
	}
	return f, nil
}

type leadsData struct {
	Leads       []lead.Lead
	Total       int
	Page        paging
	Pager       pager
	Query       url.Values
	Projects    []org.Node
	Consultants []auth.Staff
	Statuses    []lead.Status
	CanAssign   bool
	Me          int64
}

func (s *Server) leadList(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	pg, err := readPaging(r)
	if err == nil {
		var f lead.Filter
		if f, err = leadFilter(r, p.Paths(auth.LeadRead)); err == nil {
			f.Offset, f.Limit = pg.offset(), pg.PerPage
			var d leadsData
			if d.Leads, d.Total, err = s.leads.List(r.Context(), f); err == nil {
				s.leadListPage(w, r, http.StatusOK, d, pg, nil)
				return
			}
		}
	}
	s.leadListPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), leadsData{}, pg, err)
}

func (s *Server) leadListPage(w http.ResponseWriter, r *http.Request, status int, d leadsData, pg paging, ferr error) {
	ctx, p := r.Context(), principal(r)
	d.Page, d.Query, d.Statuses, d.CanAssign, d.Me = pg, r.URL.Query(), lead.Statuses, p.Can(auth.LeadAssign), p.Staff.ID
	d.Pager = newPager(r, pg, d.Total, 0, false)
	var err error
	if d.Projects, err = s.leadProjects(ctx, p, auth.LeadRead); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Consultants, err = s.consultants(ctx, p.Paths(auth.LeadRead)); err != nil {
		s.fail(w, r, err)
		return
	}
	pgData := page{Title: s.cat.T(lang(r), "lead.title"), Nav: "leads", Data: d}
	if ferr != nil {
		s.formError(w, r, "leads", pgData, ferr)
		return
	}
	s.render(w, r, status, "leads", pgData)
}

// --- registration ---

type leadNewData struct {
	Projects []org.Node
	Config   *lead.Config
	Check    *ownerView
	Owner    string // me, rotation, rules or "" (the sales manager assigns)
}

func (s *Server) leadNewPage(w http.ResponseWriter, r *http.Request, status int, d leadNewData, ferr error) {
	ctx, p := r.Context(), principal(r)
	var err error
	if d.Projects, err = s.leadProjects(ctx, p, auth.LeadWrite); err != nil {
		s.fail(w, r, err)
		return
	}
	code := r.FormValue("project")
	if code == "" && len(d.Projects) > 0 {
		code = d.Projects[0].Code
	}
	if d.Config, err = s.leads.Config(ctx, code); err != nil {
		c := lead.DefaultConfig()
		d.Config = &c
	}
	pg := page{Title: s.cat.T(lang(r), "lead.register"), Nav: "lead_new", Data: d, Form: r.PostForm}
	if ferr != nil {
		s.formError(w, r, "lead_new", pg, ferr)
		return
	}
	s.render(w, r, status, "lead_new", pg)
}

func (s *Server) leadNew(w http.ResponseWriter, r *http.Request) {
	d := leadNewData{Owner: ""}
	if isConsultant(principal(r)) {
		d.Owner = "me"
	}
	s.leadNewPage(w, r, http.StatusOK, d, nil)
}

// registrationFromForm reads the registration form.
func registrationFromForm(r *http.Request) (lead.Registration, error) {
	in := lead.Registration{ProjectCode: r.PostFormValue("project"), Mobile: r.PostFormValue("mobile"),
		Surname: strings.TrimSpace(r.PostFormValue("surname")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Gender: r.PostFormValue("gender"), Media: r.PostFormValue("media"), LostReason: r.PostFormValue("lost_reason")}
	var err error
	if in.Source, err = lead.ParseSource("source", r.PostFormValue("source")); err != nil {
		return in, err
	}
	if v := r.PostFormValue("status"); v != "" {
		if in.Status, err = lead.ParseStatus("status", v); err != nil {
			return in, err
		}
	}
	switch r.PostFormValue("owner") {
	case "me":
		id := principal(r).Staff.ID
		in.OwnerID = &id
	case "rotation":
		in.Assign = lead.ByRotation
	case "rules":
		in.Assign = lead.ByRules
	}
	return in, nil
}

// leadRegister records a walk-in or call-in. A known mobile creates
// nothing: the form comes back showing who owns the customer until when.
func (s *Server) leadRegister(w http.ResponseWriter, r *http.Request) {
	d := leadNewData{Owner: r.PostFormValue("owner")}
	in, err := registrationFromForm(r)
	if err == nil {
		_, err = s.nodeForWrite(r, "project", in.ProjectCode, auth.LeadWrite)
	}
	var res *lead.RegisterResult
	if err == nil {
		res, err = s.leads.Register(r.Context(), in)
	}
	if err != nil {
		s.leadNewPage(w, r, 0, d, err)
		return
	}
	if !res.Created {
		d.Check = s.viewOwnership(r, res.Existing)
		s.leadNewPage(w, r, http.StatusOK, d, nil)
		return
	}
	flash := "flash.lead_registered"
	if res.MemberError != nil {
		flash = "flash.lead_registered_no_member"
	}
	redirect(w, r, "/leads/"+strconv.FormatInt(res.Lead.ID, 10), flash)
}

// ownerView is what the ownership check (判客) shows: enough to know who
// has the customer, nothing of the customer's personal data.
type ownerView struct {
	Mobile string     `json:"mobile"` // masked
	Known  bool       `json:"known"`
	Lead   *ownerLead `json:"lead,omitempty"`
	Member *ownerMbr  `json:"member,omitempty"`
}

type ownerLead struct {
	ID             int64       `json:"id"`
	ProjectCode    string      `json:"project_code"`
	ProjectName    string      `json:"project_name"`
	Status         lead.Status `json:"status"`
	OwnerName      string      `json:"owner_name"`
	InPool         bool        `json:"in_pool"`
	Protected      bool        `json:"protected"`
	ProtectedUntil *time.Time  `json:"protected_until,omitempty"`
	Visible        bool        `json:"visible"` // the caller may open the lead
}

type ownerMbr struct {
	MemberNo string `json:"member_no"`
	NodeName string `json:"node_name"`
	Tier     string `json:"tier"`
	Status   string `json:"status"`
}

func (s *Server) viewOwnership(r *http.Request, o *lead.Ownership) *ownerView {
	v := &ownerView{Known: o.Known()}
	if l := o.Lead; l != nil {
		v.Mobile = l.Mobile
		v.Lead = &ownerLead{ID: l.ID, ProjectCode: l.ProjectCode, ProjectName: l.ProjectName, Status: l.Status, OwnerName: l.OwnerName,
			InPool: l.InPool, Protected: l.Protected(time.Now()), ProtectedUntil: l.ProtectedUntil, Visible: principal(r).CanAt(auth.LeadRead, l.NodePath)}
	}
	if m := o.Member; m != nil {
		v.Mobile = m.Mobile
		v.Member = &ownerMbr{MemberNo: m.MemberNo, NodeName: m.NodeName, Tier: m.Tier, Status: string(m.Status)}
	}
	return v
}

// leadCheck answers the registration form's check as the mobile is typed:
// an HTML fragment (empty until the number is complete).
func (s *Server) leadCheck(w http.ResponseWriter, r *http.Request) {
	var v *ownerView
	if m := r.URL.Query().Get("mobile"); m != "" {
		if o, err := s.leads.Check(r.Context(), m); err == nil {
			v = s.viewOwnership(r, o)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	t, _ := s.page(lang(r), "lead_new")
	if err := t.ExecuteTemplate(w, "leadcheck", map[string]any{"Lang": lang(r), "C": v}); err != nil {
		s.log.Error("render lead check", "err", err)
	}
}

// --- one lead ---

type leadShowData struct {
	Lead        *lead.Lead
	Config      *lead.Config
	FollowUps   []lead.FollowUp
	History     []leadHistoryRow
	Deals       []lead.Deal
	Claims      []lead.Claim
	Consultants []auth.Staff
	Statuses    []lead.Status
	Channels    []lead.Channel
	Fields      []string
	Today       string
	Mine        bool
	MayWork     bool // the owner or the project's manager: status, follow-ups, deals
	Protected   bool
	Ops         *operators // the people its rows name
}

func (s *Server) leadShowPage(w http.ResponseWriter, r *http.Request, l *lead.Lead, status int, ferr error) {
	ctx, p := r.Context(), principal(r)
	d := leadShowData{Lead: l, Statuses: lead.Statuses, Channels: []lead.Channel{lead.ByPhone, lead.ByVisit, lead.ByWeChat, lead.BySMS, lead.ByOther},
		Fields: []string{lead.FieldSurname, lead.FieldName, lead.FieldGender, lead.FieldMedia, lead.FieldLostReason},
		Today:  time.Now().In(s.loc).Format("2006-01-02"), Mine: l.OwnerID != nil && *l.OwnerID == p.Staff.ID, Protected: l.Protected(time.Now())}
	d.MayWork = d.Mine || p.CanAt(auth.LeadAssign, l.NodePath)
	var err error
	if d.Config, err = s.leads.Config(ctx, l.ProjectCode); err == nil {
		if d.FollowUps, err = s.leads.FollowUps(ctx, l.ID); err == nil {
			var h []lead.Change
			if h, err = s.leads.History(ctx, l.ID); err == nil {
				if d.History, err = s.leadHistory(r, h); err == nil {
					d.Deals, err = s.leads.Deals(ctx, l.ID)
				}
			}
		}
	}
	if err == nil {
		d.Ops, err = s.operatorsFor(r, l.RegisteredBy)
	}
	if err == nil && p.CanAt(auth.LeadAssign, l.NodePath) {
		var claims []lead.Claim
		if claims, err = s.leads.Claims(ctx, []string{l.NodePath}, ""); err == nil {
			for _, c := range claims {
				if c.LeadID == l.ID {
					d.Claims = append(d.Claims, c)
				}
			}
		}
		if err == nil {
			d.Consultants, err = s.consultants(ctx, []string{l.NodePath})
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := l.Surname + l.Name
	if name == "" {
		name = l.Mobile
	}
	pg := page{Title: name, Nav: "leads", Data: d}
	if ferr != nil {
		s.formError(w, r, "lead_show", pg, ferr)
		return
	}
	s.render(w, r, status, "lead_show", pg)
}

func (s *Server) leadShow(w http.ResponseWriter, r *http.Request) {
	l, err := s.scopedLead(r, auth.LeadRead)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.leadShowPage(w, r, l, http.StatusOK, nil)
}

// leadStep runs one console action on the lead {lead} and shows the lead
// again, with the error if the action was refused.
func (s *Server) leadStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, flash string, act func(l *lead.Lead) error) {
	l, err := s.scopedLead(r, perm)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := act(l); err != nil {
		if fresh, ferr := s.leads.Get(r.Context(), l.ID); ferr == nil {
			l = fresh
		}
		s.leadShowPage(w, r, l, 0, err)
		return
	}
	redirect(w, r, "/leads/"+strconv.FormatInt(l.ID, 10), flash)
}

// updateFromForm reads the fields a status change may bring; blank ones
// are left as they are.
func updateFromForm(r *http.Request) lead.Update {
	u := lead.Update{Reason: r.PostFormValue("reason")}
	for field, dst := range map[string]**string{"surname": &u.Surname, "name": &u.Name, "gender": &u.Gender, "media": &u.Media, "lost_reason": &u.LostReason} {
		if v := strings.TrimSpace(r.PostFormValue(field)); v != "" {
			*dst = &v
		}
	}
	return u
}

func (s *Server) leadStatus(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_status", func(l *lead.Lead) error {
		to, err := lead.ParseStatus("status", r.PostFormValue("status"))
		if err == nil {
			_, err = s.leads.ChangeStatus(r.Context(), l.ID, to, updateFromForm(r))
		}
		return err
	})
}

func (s *Server) leadFollowUp(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_follow_up", func(l *lead.Lead) error {
		in := lead.FollowUpInput{Channel: lead.Channel(r.PostFormValue("channel")), Content: r.PostFormValue("content"),
			NextAction: r.PostFormValue("next_action"), NextDue: r.PostFormValue("next_due"), Answers: map[string]string{}}
		for k, v := range r.PostForm {
			if key, ok := strings.CutPrefix(k, "answer_"); ok && len(v) > 0 && v[0] != "" {
				in.Answers[key] = v[0]
			}
		}
		_, err := s.leads.AddFollowUp(r.Context(), l.ID, in)
		return err
	})
}

func (s *Server) leadContact(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_contact", func(l *lead.Lead) error {
		kind, err := lead.ParseSource("kind", r.PostFormValue("kind"))
		if err == nil {
			_, err = s.leads.RecordContact(r.Context(), l.ID, kind)
		}
		return err
	})
}

func dealFromForm(r *http.Request) (lead.DealInput, error) {
	in := lead.DealInput{Kind: lead.DealKind(r.PostFormValue("kind")), ProjectCode: r.PostFormValue("project"),
		Building: strings.TrimSpace(r.PostFormValue("building")), Unit: strings.TrimSpace(r.PostFormValue("unit")), Date: r.PostFormValue("date")}
	if in.Kind != lead.Subscription && in.Kind != lead.Contract {
		return in, apperr.Field("kind", "请选择认购或签约", "choose subscription or contract")
	}
	return in, nil
}

func (s *Server) leadDeal(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_deal", func(l *lead.Lead) error {
		in, err := dealFromForm(r)
		if err == nil && in.ProjectCode != "" && in.ProjectCode != l.ProjectCode {
			_, err = s.nodeForWrite(r, "project", in.ProjectCode, auth.LeadWrite)
		}
		if err == nil {
			_, err = s.leads.RecordDeal(r.Context(), l.ID, in)
		}
		return err
	})
}

func (s *Server) leadFileClaim(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_claim_filed", func(l *lead.Lead) error {
		_, err := s.leads.FileClaim(r.Context(), l.ID, r.PostFormValue("reason"))
		return err
	})
}

func (s *Server) leadPoolClaim(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_pool_claimed", func(l *lead.Lead) error {
		_, err := s.leads.ClaimFromPool(r.Context(), l.ID)
		return err
	})
}

// formDay reads a day of a form or query; blank is def.
func formDay(v, field string, def db.Date) (db.Date, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return def, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return db.Date{}, apperr.Field(field, "日期格式须为 YYYY-MM-DD", "dates must look like YYYY-MM-DD")
	}
	return db.Date{Time: t}, nil
}

// chinaDay is the China calendar day d days from now.
func chinaDay(d int) db.Date {
	t := time.Now().In(chinaTime).AddDate(0, 0, d)
	return db.DateOf(t.Year(), t.Month(), t.Day())
}
