package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/lead"
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
	Pager       pager // of the unassigned leads
}

func (s *Server) leadManagePage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	ctx, within := r.Context(), principal(r).Paths(auth.LeadAssign)
	var d leadManageData
	at, err := readPaging(r)
	if err == nil && !r.URL.Query().Has("per_page") {
		at.PerPage = 200
	}
	if err == nil {
		d.Work, err = s.leads.Workload(ctx, within)
	}
	if err == nil {
		if d.Anomalies, err = s.leads.Anomalies(ctx, within); err == nil {
			var total int
			if d.Unassigned, total, err = s.leads.List(ctx, lead.Filter{Within: within, Unassigned: true, Offset: at.offset(), Limit: at.PerPage}); err == nil {
				d.Pager = newPager(r, at, total, len(d.Unassigned), false)
				d.Consultants, err = s.consultants(ctx, within)
			}
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := page{Title: s.cat.T(lang(r), "lead.manage"), Nav: "lead_manage", Data: d}
	if ferr != nil {
		s.formError(w, r, "lead_manage", pg, ferr)
		return
	}
	s.render(w, r, status, "lead_manage", pg)
}

func (s *Server) leadManage(w http.ResponseWriter, r *http.Request) {
	s.leadManagePage(w, r, http.StatusOK, nil)
}

// assignableLeads reads the leads of an assignment and checks that the
// caller may assign each of them.
func (s *Server) assignableLeads(r *http.Request, raw []string) ([]int64, error) {
	var ids []int64
	for _, v := range raw {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, apperr.Field("leads", "线索编号不正确", "a lead id is not valid")
		}
		l, err := s.leads.Get(r.Context(), id)
		if err != nil {
			return nil, err
		}
		if err := authorizeAt(r, auth.LeadAssign, l.NodePath); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, apperr.Field("leads", "请选择线索", "choose the leads")
	}
	return ids, nil
}

// assignLeads gives leads to a consultant by hand, or by the rotation or
// the rules (mode).
func (s *Server) assignLeads(r *http.Request, ids []int64, mode lead.AssignMode, to int64, reason string) ([]lead.Assignment, error) {
	if mode != lead.ByHand {
		return s.leads.AssignBy(r.Context(), ids, mode, reason)
	}
	if to == 0 {
		return nil, apperr.Field("to", "请选择置业顾问", "choose a consultant")
	}
	return s.leads.Assign(r.Context(), ids, to, reason)
}

// leadAssign assigns the leads selected in the list, on the manager's page
// or on a lead's page; back says where to return.
func (s *Server) leadAssign(w http.ResponseWriter, r *http.Request) {
	ids, err := s.assignableLeads(r, r.PostForm["lead"])
	if err == nil {
		var to int64
		if to, err = optionalInt(r, "to"); err == nil {
			_, err = s.assignLeads(r, ids, lead.AssignMode(r.PostFormValue("mode")), to, r.PostFormValue("reason"))
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
	redirect(w, r, back, "flash.lead_assigned")
}

// handover moves every lead of a departing consultant within the caller's reach: the departing consultant, who takes
// the leads (0: each project's rotation) and why.
func (s *Server) handover(r *http.Request, from, to int64, reason string) ([]lead.Assignment, error) {
	if from == 0 {
		return nil, apperr.Field("from", "请选择离职的置业顾问", "choose the departing consultant")
	}
	st, err := s.auth.StaffByID(r.Context(), from)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !principal(r).Sees(st.NodePath)) {
		return nil, apperr.Field("from", "该员工不存在", "no such staff member")
	}
	if err != nil {
		return nil, err
	}
	return s.leads.Handover(r.Context(), lead.Handover{From: from, To: to, Within: principal(r).Paths(auth.LeadAssign), Reason: reason})
}

func (s *Server) leadHandover(w http.ResponseWriter, r *http.Request) {
	var from, to int64
	err := formInts(r, map[string]*int64{"from": &from, "to": &to})
	if err == nil {
		_, err = s.handover(r, from, to, r.PostFormValue("reason"))
	}
	if err != nil {
		s.leadManagePage(w, r, 0, err)
		return
	}
	redirect(w, r, "/leads/manage", "flash.lead_handover")
}

type leadClaimsData struct {
	Claims   []lead.Claim
	Pager    pager
	Query    url.Values
	Statuses []lead.ClaimStatus
	Ops      *operators // the people its rows name
}

func (s *Server) leadClaimsPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	pg, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := lead.ClaimFilter{Within: principal(r).Paths(auth.LeadAssign), Offset: pg.offset(), Limit: pg.PerPage}
	switch st := lead.ClaimStatus(r.URL.Query().Get("status")); st {
	case "", lead.ClaimOpen, lead.ClaimGranted, lead.ClaimRejected:
		f.Status = st
	default:
		s.fail(w, r, apperr.Field("status", "状态不正确", "unknown status"))
		return
	}
	claims, total, err := s.leads.ClaimPage(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := leadClaimsData{Claims: claims, Pager: newPager(r, pg, total, len(claims), false), Query: r.URL.Query(),
		Statuses: []lead.ClaimStatus{lead.ClaimOpen, lead.ClaimGranted, lead.ClaimRejected}}
	logins := make([]string, 0, len(claims))
	for _, c := range claims {
		logins = append(logins, c.DecidedBy)
	}
	if d.Ops, err = s.operatorsFor(r, logins...); err != nil {
		s.fail(w, r, err)
		return
	}
	pgData := page{Title: s.cat.T(lang(r), "lead.claims"), Nav: "lead_claims", Data: d}
	if ferr != nil {
		s.formError(w, r, "lead_claims", pgData, ferr)
		return
	}
	s.render(w, r, status, "lead_claims", pgData)
}

func (s *Server) leadClaims(w http.ResponseWriter, r *http.Request) {
	s.leadClaimsPage(w, r, http.StatusOK, nil)
}

// scopedClaim finds the claim {claim} among those the caller may decide.
func (s *Server) scopedClaim(r *http.Request) (*lead.Claim, error) {
	id, err := strconv.ParseInt(r.PathValue("claim"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	claims, _, err := s.leads.ClaimPage(r.Context(), lead.ClaimFilter{Within: principal(r).Paths(auth.LeadAssign), ID: id})
	if err != nil {
		return nil, err
	}
	if len(claims) == 0 {
		return nil, notFoundErr
	}
	return &claims[0], nil
}

func (s *Server) leadClaimDecide(w http.ResponseWriter, r *http.Request) {
	c, err := s.scopedClaim(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	grant, err := decision(r)
	if err == nil {
		_, err = s.leads.DecideClaim(r.Context(), c.ID, grant, r.PostFormValue("note"))
	}
	if err != nil {
		s.leadClaimsPage(w, r, 0, err)
		return
	}
	redirect(w, r, "/leads/claims", "flash.reviewed")
}
