package console

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
	"estateclub/internal/lead"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// leadProjects lists the projects where the caller holds perm.
func (s *handler) leadProjects(ctx context.Context, p *auth.Principal, perm auth.Permission) ([]org.Node, error) {
	nodes, _, err := s.Org.List(ctx, org.Filter{Within: p.Paths(perm)})
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
func (s *handler) consultants(ctx context.Context, paths []string) ([]auth.Staff, error) {
	active := true
	st, _, err := s.Auth.ListStaff(ctx, auth.StaffFilter{Within: paths, Role: auth.SalesConsultant, Active: &active, Limit: 500})
	return st, err
}

// isConsultant reports whether the caller receives customers themselves.
func isConsultant(p *auth.Principal) bool {
	return slices.ContainsFunc(p.Grants, func(g auth.Grant) bool { return g.Role == auth.SalesConsultant })
}

type leadsData struct {
	Leads       []lead.Lead
	Total       int
	Page        web.Paging
	Pager       web.Pager
	Query       url.Values
	Projects    []org.Node
	Consultants []auth.Staff
	Statuses    []lead.Status
	CanAssign   bool
	Me          int64
}

func (s *handler) leadList(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	pg, err := web.ReadPaging(r)
	if err == nil {
		var f lead.Filter
		if f, err = web.LeadFilter(r, p.Paths(auth.LeadRead)); err == nil {
			f.Offset, f.Limit = pg.Offset(), pg.PerPage
			var d leadsData
			if d.Leads, d.Total, err = s.Leads.List(r.Context(), f); err == nil {
				s.leadListPage(w, r, http.StatusOK, d, pg, nil)
				return
			}
		}
	}
	s.leadListPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), leadsData{}, pg, err)
}

func (s *handler) leadListPage(w http.ResponseWriter, r *http.Request, status int, d leadsData, pg web.Paging, ferr error) {
	ctx, p := r.Context(), web.Principal(r)
	d.Page, d.Query, d.Statuses, d.CanAssign, d.Me = pg, r.URL.Query(), lead.Statuses, p.Can(auth.LeadAssign), p.Staff.ID
	d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	var err error
	if d.Projects, err = s.leadProjects(ctx, p, auth.LeadRead); err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.Consultants, err = s.consultants(ctx, p.Paths(auth.LeadRead)); err != nil {
		s.Fail(w, r, err)
		return
	}
	pgData := web.Page{Title: s.Cat.T(web.Lang(r), "lead.title"), Nav: "leads", Data: d}
	if ferr != nil {
		s.FormError(w, r, "leads", pgData, ferr)
		return
	}
	s.Render(w, r, status, "leads", pgData)
}

// --- registration ---

type leadNewData struct {
	Projects []org.Node
	Config   *lead.Config
	Check    *web.OwnerView
	Owner    string // me, rotation, rules or "" (the sales manager assigns)
}

func (s *handler) leadNewPage(w http.ResponseWriter, r *http.Request, status int, d leadNewData, ferr error) {
	ctx, p := r.Context(), web.Principal(r)
	var err error
	if d.Projects, err = s.leadProjects(ctx, p, auth.LeadWrite); err != nil {
		s.Fail(w, r, err)
		return
	}
	code := r.FormValue("project")
	if code == "" && len(d.Projects) > 0 {
		code = d.Projects[0].Code
	}
	if d.Config, err = s.Leads.Config(ctx, code); err != nil {
		c := lead.DefaultConfig()
		d.Config = &c
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "lead.register"), Nav: "lead_new", Data: d, Form: r.PostForm}
	if ferr != nil {
		s.FormError(w, r, "lead_new", pg, ferr)
		return
	}
	s.Render(w, r, status, "lead_new", pg)
}

func (s *handler) leadNew(w http.ResponseWriter, r *http.Request) {
	d := leadNewData{Owner: ""}
	if isConsultant(web.Principal(r)) {
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
		id := web.Principal(r).Staff.ID
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
func (s *handler) leadRegister(w http.ResponseWriter, r *http.Request) {
	d := leadNewData{Owner: r.PostFormValue("owner")}
	in, err := registrationFromForm(r)
	if err == nil {
		_, err = s.NodeForWrite(r, "project", in.ProjectCode, auth.LeadWrite)
	}
	var res *lead.RegisterResult
	if err == nil {
		res, err = s.Leads.Register(r.Context(), in)
	}
	if err != nil {
		s.leadNewPage(w, r, 0, d, err)
		return
	}
	if !res.Created {
		d.Check = s.ViewOwnership(r, res.Existing)
		s.leadNewPage(w, r, http.StatusOK, d, nil)
		return
	}
	flash := "flash.lead_registered"
	if res.MemberError != nil {
		flash = "flash.lead_registered_no_member"
	}
	web.Redirect(w, r, "/leads/"+strconv.FormatInt(res.Lead.ID, 10), flash)
}

// leadCheck answers the registration form's check as the mobile is typed:
// an HTML fragment (empty until the number is complete).
func (s *handler) leadCheck(w http.ResponseWriter, r *http.Request) {
	var v *web.OwnerView
	if m := r.URL.Query().Get("mobile"); m != "" {
		if o, err := s.Leads.Check(r.Context(), m); err == nil {
			v = s.ViewOwnership(r, o)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	t, _ := s.Page(web.Lang(r), "lead_new")
	if err := t.ExecuteTemplate(w, "leadcheck", map[string]any{"Lang": web.Lang(r), "C": v}); err != nil {
		s.Log.Error("render lead check", "err", err)
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

func (s *handler) leadShowPage(w http.ResponseWriter, r *http.Request, l *lead.Lead, status int, ferr error) {
	ctx, p := r.Context(), web.Principal(r)
	d := leadShowData{Lead: l, Statuses: lead.Statuses, Channels: []lead.Channel{lead.ByPhone, lead.ByVisit, lead.ByWeChat, lead.BySMS, lead.ByOther},
		Fields: []string{lead.FieldSurname, lead.FieldName, lead.FieldGender, lead.FieldMedia, lead.FieldLostReason},
		Today:  time.Now().In(s.Loc).Format("2006-01-02"), Mine: l.OwnerID != nil && *l.OwnerID == p.Staff.ID, Protected: l.Protected(time.Now())}
	d.MayWork = d.Mine || p.CanAt(auth.LeadAssign, l.NodePath)
	var err error
	if d.Config, err = s.Leads.Config(ctx, l.ProjectCode); err == nil {
		if d.FollowUps, err = s.Leads.FollowUps(ctx, l.ID); err == nil {
			var h []lead.Change
			if h, err = s.Leads.History(ctx, l.ID); err == nil {
				if d.History, err = s.leadHistory(r, h); err == nil {
					d.Deals, err = s.Leads.Deals(ctx, l.ID)
				}
			}
		}
	}
	if err == nil {
		d.Ops, err = s.operatorsFor(r, l.RegisteredBy)
	}
	if err == nil && p.CanAt(auth.LeadAssign, l.NodePath) {
		var claims []lead.Claim
		if claims, err = s.Leads.Claims(ctx, []string{l.NodePath}, ""); err == nil {
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
		s.Fail(w, r, err)
		return
	}
	name := l.Surname + l.Name
	if name == "" {
		name = l.Mobile
	}
	pg := web.Page{Title: name, Nav: "leads", Data: d}
	if ferr != nil {
		s.FormError(w, r, "lead_show", pg, ferr)
		return
	}
	s.Render(w, r, status, "lead_show", pg)
}

func (s *handler) leadShow(w http.ResponseWriter, r *http.Request) {
	l, err := s.ScopedLead(r, auth.LeadRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.leadShowPage(w, r, l, http.StatusOK, nil)
}

// leadStep runs one console action on the lead {lead} and shows the lead
// again, with the error if the action was refused.
func (s *handler) leadStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, flash string, act func(l *lead.Lead) error) {
	l, err := s.ScopedLead(r, perm)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := act(l); err != nil {
		if fresh, ferr := s.Leads.Get(r.Context(), l.ID); ferr == nil {
			l = fresh
		}
		s.leadShowPage(w, r, l, 0, err)
		return
	}
	web.Redirect(w, r, "/leads/"+strconv.FormatInt(l.ID, 10), flash)
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

func (s *handler) leadStatus(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_status", func(l *lead.Lead) error {
		to, err := lead.ParseStatus("status", r.PostFormValue("status"))
		if err == nil {
			_, err = s.Leads.ChangeStatus(r.Context(), l.ID, to, updateFromForm(r))
		}
		return err
	})
}

func (s *handler) leadFollowUp(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_follow_up", func(l *lead.Lead) error {
		in := lead.FollowUpInput{Channel: lead.Channel(r.PostFormValue("channel")), Content: r.PostFormValue("content"),
			NextAction: r.PostFormValue("next_action"), NextDue: r.PostFormValue("next_due"), Answers: map[string]string{}}
		for k, v := range r.PostForm {
			if key, ok := strings.CutPrefix(k, "answer_"); ok && len(v) > 0 && v[0] != "" {
				in.Answers[key] = v[0]
			}
		}
		_, err := s.Leads.AddFollowUp(r.Context(), l.ID, in)
		return err
	})
}

func (s *handler) leadContact(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_contact", func(l *lead.Lead) error {
		kind, err := lead.ParseSource("kind", r.PostFormValue("kind"))
		if err == nil {
			_, err = s.Leads.RecordContact(r.Context(), l.ID, kind)
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

func (s *handler) leadDeal(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_deal", func(l *lead.Lead) error {
		in, err := dealFromForm(r)
		if err == nil && in.ProjectCode != "" && in.ProjectCode != l.ProjectCode {
			_, err = s.NodeForWrite(r, "project", in.ProjectCode, auth.LeadWrite)
		}
		if err == nil {
			_, err = s.Leads.RecordDeal(r.Context(), l.ID, in)
		}
		return err
	})
}

func (s *handler) leadFileClaim(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_claim_filed", func(l *lead.Lead) error {
		_, err := s.Leads.FileClaim(r.Context(), l.ID, r.PostFormValue("reason"))
		return err
	})
}

func (s *handler) leadPoolClaim(w http.ResponseWriter, r *http.Request) {
	s.leadStep(w, r, auth.LeadWrite, "flash.lead_pool_claimed", func(l *lead.Lead) error {
		_, err := s.Leads.ClaimFromPool(r.Context(), l.ID)
		return err
	})
}
