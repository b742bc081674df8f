package console

import (
	"net/http"
	"net/url"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/lead"
	"estateclub/internal/web"
)

// The sales manager's side of leads (案场经理): each consultant's workload
// and the anomalies, assignment by hand, rotation or rules, the handover of
// a departing consultant, and the conflicting claims to decide.

type leadManageData struct {
	Work        []lead.ConsultantWork
	Anomalies   []lead.Anomaly
	Unassigned  []lead.Lead
	Consultants []auth.Staff
	Handed      int
	Pager       web.Pager // of the unassigned leads
}

func (s *handler) leadManagePage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	ctx, within := r.Context(), web.Principal(r).Paths(auth.LeadAssign)
	var d leadManageData
	at, err := web.ReadPaging(r)
	if err == nil && !r.URL.Query().Has("per_page") {
		at.PerPage = 200
	}
	if err == nil {
		d.Work, err = s.Leads.Workload(ctx, within)
	}
	if err == nil {
		if d.Anomalies, err = s.Leads.Anomalies(ctx, within); err == nil {
			var total int
			if d.Unassigned, total, err = s.Leads.List(ctx, lead.Filter{Within: within, Unassigned: true, Offset: at.Offset(), Limit: at.PerPage}); err == nil {
				d.Pager = web.NewPager(r, at, total, len(d.Unassigned), false)
				d.Consultants, err = s.consultants(ctx, within)
			}
		}
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "lead.manage"), Nav: "lead_manage", Data: d}
	if ferr != nil {
		s.FormError(w, r, "lead_manage", pg, ferr)
		return
	}
	s.Render(w, r, status, "lead_manage", pg)
}

func (s *handler) leadManage(w http.ResponseWriter, r *http.Request) {
	s.leadManagePage(w, r, http.StatusOK, nil)
}

// leadAssign assigns the leads selected in the list, on the manager's page
// or on a lead's page; back says where to return.
func (s *handler) leadAssign(w http.ResponseWriter, r *http.Request) {
	ids, err := s.AssignableLeads(r, r.PostForm["lead"])
	if err == nil {
		var to int64
		if to, err = optionalInt(r, "to"); err == nil {
			_, err = s.AssignLeads(r, ids, lead.AssignMode(r.PostFormValue("mode")), to, r.PostFormValue("reason"))
		}
	}
	if err != nil {
		s.leadManagePage(w, r, 0, err)
		return
	}
	back := r.PostFormValue("back")
	if !strings.HasPrefix(back, "/leads") || strings.HasPrefix(back, "//") {
		back = "/leads/manage"
	}
	web.Redirect(w, r, back, "flash.lead_assigned")
}

func (s *handler) leadHandover(w http.ResponseWriter, r *http.Request) {
	var from, to int64
	err := formInts(r, map[string]*int64{"from": &from, "to": &to})
	if err == nil {
		_, err = s.Handover(r, from, to, r.PostFormValue("reason"))
	}
	if err != nil {
		s.leadManagePage(w, r, 0, err)
		return
	}
	web.Redirect(w, r, "/leads/manage", "flash.lead_handover")
}

type leadClaimsData struct {
	Claims   []lead.Claim
	Pager    web.Pager
	Query    url.Values
	Statuses []lead.ClaimStatus
	Ops      *operators // the people its rows name
}

func (s *handler) leadClaimsPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f := lead.ClaimFilter{Within: web.Principal(r).Paths(auth.LeadAssign), Offset: pg.Offset(), Limit: pg.PerPage}
	switch st := lead.ClaimStatus(r.URL.Query().Get("status")); st {
	case "", lead.ClaimOpen, lead.ClaimGranted, lead.ClaimRejected:
		f.Status = st
	default:
		s.Fail(w, r, apperr.Field("status", "状态不正确", "unknown status"))
		return
	}
	claims, total, err := s.Leads.ClaimPage(r.Context(), f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := leadClaimsData{Claims: claims, Pager: web.NewPager(r, pg, total, len(claims), false), Query: r.URL.Query(),
		Statuses: []lead.ClaimStatus{lead.ClaimOpen, lead.ClaimGranted, lead.ClaimRejected}}
	logins := make([]string, 0, len(claims))
	for _, c := range claims {
		logins = append(logins, c.DecidedBy)
	}
	if d.Ops, err = s.operatorsFor(r, logins...); err != nil {
		s.Fail(w, r, err)
		return
	}
	pgData := web.Page{Title: s.Cat.T(web.Lang(r), "lead.claims"), Nav: "lead_claims", Data: d}
	if ferr != nil {
		s.FormError(w, r, "lead_claims", pgData, ferr)
		return
	}
	s.Render(w, r, status, "lead_claims", pgData)
}

func (s *handler) leadClaims(w http.ResponseWriter, r *http.Request) {
	s.leadClaimsPage(w, r, http.StatusOK, nil)
}

func (s *handler) leadClaimDecide(w http.ResponseWriter, r *http.Request) {
	c, err := s.ScopedClaim(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	grant, err := decision(r)
	if err == nil {
		_, err = s.Leads.DecideClaim(r.Context(), c.ID, grant, r.PostFormValue("note"))
	}
	if err != nil {
		s.leadClaimsPage(w, r, 0, err)
		return
	}
	web.Redirect(w, r, "/leads/claims", "flash.reviewed")
}
