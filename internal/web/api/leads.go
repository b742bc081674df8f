package api

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/org"
	"estateclub/internal/web"
)

// Leads in the API: every console action, as JSON, scoped like the console.

func (s *handler) leadList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := web.LeadFilter(r.Request, r.P.Paths(auth.LeadRead))
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	leads, total, err := s.Leads.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(leads, total, pg), nil
}

// leadRegister registers a walk-in or call-in: 201 with the new lead, or
// 200 with created false and the existing owner when the mobile is known.
func (s *handler) leadRegister(r *request[lead.Registration]) (any, error) {
	if _, err := s.NodeForWrite(r.Request, "project", r.Body.ProjectCode, auth.LeadWrite); err != nil {
		return nil, err
	}
	res, err := s.Leads.Register(r.Context(), r.Body)
	if err != nil {
		return nil, err
	}
	out := struct {
		Lead     *lead.Lead     `json:"lead,omitempty"`
		Created  bool           `json:"created"`
		Existing *web.OwnerView `json:"existing,omitempty"`
		Member   string         `json:"member_error,omitempty"`
	}{Lead: res.Lead, Created: res.Created}
	if res.MemberError != nil {
		out.Member = res.MemberError.Message(web.Lang(r.Request))
	}
	if res.Created {
		return created(out), nil
	}
	// The existing lead may lie beyond the caller's reach: only the
	// ownership check's view of it is shown.
	out.Lead, out.Existing = nil, s.ViewOwnership(r.Request, res.Existing)
	return out, nil
}

func (s *handler) leadCheck(r *request[none]) (any, error) {
	o, err := s.Leads.Check(r.Context(), r.URL.Query().Get("mobile"))
	if err != nil {
		return nil, err
	}
	return s.ViewOwnership(r.Request, o), nil
}

// items wraps a list that has no paging.
func items[T any](v []T, err error) (any, error) {
	if v == nil {
		v = []T{}
	}
	return map[string]any{"items": v}, err
}

func (s *handler) leadGet(_ *request[none], l *lead.Lead) (any, error) { return l, nil }

func (s *handler) leadUpdate(r *request[lead.Update], l *lead.Lead) (any, error) {
	return s.Leads.Update(r.Context(), l.ID, r.Body)
}

func (s *handler) leadHistory(r *request[none], l *lead.Lead) (any, error) {
	return items(s.Leads.History(r.Context(), l.ID))
}

func (s *handler) leadFollowUps(r *request[none], l *lead.Lead) (any, error) {
	return items(s.Leads.FollowUps(r.Context(), l.ID))
}

func (s *handler) leadFollowUp(r *request[lead.FollowUpInput], l *lead.Lead) (any, error) {
	f, err := s.Leads.AddFollowUp(r.Context(), l.ID, r.Body)
	if err != nil {
		return nil, err
	}
	return created(f), nil
}

type contactBody struct {
	Kind string `json:"kind"`
}

func (s *handler) leadContact(r *request[contactBody], l *lead.Lead) (any, error) {
	kind, err := lead.ParseSource("kind", r.Body.Kind)
	if err != nil {
		return nil, err
	}
	return s.Leads.RecordContact(r.Context(), l.ID, kind)
}

func (s *handler) leadDeals(r *request[none], l *lead.Lead) (any, error) {
	return items(s.Leads.Deals(r.Context(), l.ID))
}

// leadDeal records a deal; one in another project needs the right to
// write leads there too.
func (s *handler) leadDeal(r *request[lead.DealInput], l *lead.Lead) (any, error) {
	if p := r.Body.ProjectCode; p != "" && p != l.ProjectCode {
		if _, err := s.NodeForWrite(r.Request, "project", p, auth.LeadWrite); err != nil {
			return nil, err
		}
	}
	d, err := s.Leads.RecordDeal(r.Context(), l.ID, r.Body)
	if err != nil {
		return nil, err
	}
	return created(d), nil
}

func (s *handler) leadFileClaim(r *request[reasonBody], l *lead.Lead) (any, error) {
	c, err := s.Leads.FileClaim(r.Context(), l.ID, r.Body.Reason)
	if err != nil {
		return nil, err
	}
	return created(c), nil
}

func (s *handler) leadPoolClaim(r *request[none], l *lead.Lead) (any, error) {
	return s.Leads.ClaimFromPool(r.Context(), l.ID)
}

type assignBody struct {
	Leads  []int64         `json:"leads"`
	To     int64           `json:"to"`
	Mode   lead.AssignMode `json:"mode"`
	Reason string          `json:"reason"`
}

func (s *handler) leadAssign(r *request[assignBody]) (any, error) {
	raw := make([]string, len(r.Body.Leads))
	for i, id := range r.Body.Leads {
		raw[i] = strconv.FormatInt(id, 10)
	}
	ids, err := s.AssignableLeads(r.Request, raw)
	if err != nil {
		return nil, err
	}
	return items(s.AssignLeads(r.Request, ids, r.Body.Mode, r.Body.To, r.Body.Reason))
}

func (s *handler) leadHandover(r *request[lead.Handover]) (any, error) {
	return items(s.Handover(r.Request, r.Body.From, r.Body.To, r.Body.Reason))
}

func (s *handler) leadWorkload(r *request[none]) (any, error) {
	return items(s.Leads.Workload(r.Context(), r.P.Paths(auth.LeadAssign)))
}

func (s *handler) leadAnomalies(r *request[none]) (any, error) {
	return items(s.Leads.Anomalies(r.Context(), r.P.Paths(auth.LeadAssign)))
}

func (s *handler) leadClaims(r *request[none]) (any, error) {
	st := lead.ClaimStatus(r.URL.Query().Get("status"))
	switch st {
	case "", lead.ClaimOpen, lead.ClaimGranted, lead.ClaimRejected:
	default:
		return nil, apperr.Field("status", "状态须为 open、granted 或 rejected", "status must be open, granted or rejected")
	}
	return items(s.Leads.Claims(r.Context(), r.P.Paths(auth.LeadAssign), st))
}

// claim loads the claim {claim} among those the caller may decide (where
// they assign leads, the route's permission).
func (s *handler) claim(r *http.Request, _ auth.Permission) (*lead.Claim, error) {
	return s.ScopedClaim(r)
}

func (s *handler) leadClaimDecide(r *request[decisionBody], c *lead.Claim) (any, error) {
	return s.Leads.DecideClaim(r.Context(), c.ID, r.Body.Approve, r.Body.Note)
}

// The project settings and daily reconciliation name the project {node},
// loaded by s.ScopedNode.

func (s *handler) leadConfig(r *request[none], n *org.Node) (any, error) {
	return s.Leads.Config(r.Context(), n.Code)
}

func (s *handler) leadConfigPut(r *request[lead.Config], n *org.Node) (any, error) {
	return s.Leads.SetConfig(r.Context(), n.Code, r.Body)
}

func (s *handler) leadReconciliation(r *request[none], n *org.Node) (any, error) {
	day, err := web.FormDay(r.URL.Query().Get("day"), "day", web.ChinaDay(-1))
	if err != nil {
		return nil, err
	}
	return s.Leads.Reconcile(r.Context(), n.Code, day)
}

// dayBody names a day of a project's reconciliation.
type dayBody struct {
	Day    string            `json:"day"`
	Counts []lead.SheetCount `json:"counts"`
	Note   string            `json:"note"`
}

func (b dayBody) day() (db.Date, error) {
	d, err := web.FormDay(b.Day, "day", db.Date{})
	if err == nil && d.IsZero() {
		err = apperr.Field("day", "请选择日期", "choose the day")
	}
	return d, err
}

func (s *handler) leadSheet(r *request[dayBody], n *org.Node) (any, error) {
	day, err := r.Body.day()
	if err != nil {
		return nil, err
	}
	return s.Leads.EnterSheet(r.Context(), n.Code, day, r.Body.Counts)
}

func (s *handler) leadSignOff(r *request[dayBody], n *org.Node) (any, error) {
	day, err := r.Body.day()
	if err != nil {
		return nil, err
	}
	return s.Leads.SignOff(r.Context(), n.Code, day, r.Body.Note)
}

// leadImport imports an uploaded sheet: 200 when it was imported, 422 with
// the report of the rows to correct when it was not. It reads a multipart
// body, so it stays a plain handler.
func (s *handler) leadImport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.ImportLeads(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if rep.Duplicates == nil {
		rep.Duplicates = []int{}
	}
	if rep.Errors == nil {
		rep.Errors = []lead.RowError{}
	}
	status := http.StatusOK
	if !rep.Imported {
		status = http.StatusUnprocessableEntity
	}
	web.WriteJSON(w, status, rep)
}

func (s *handler) leadReports(r *request[none]) (any, error) { return s.LeadReport(r.Request) }
