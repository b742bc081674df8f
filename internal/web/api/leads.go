package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/org"
	"estateclub/internal/web"
	"net/http"
	"strconv"
)

// Leads in the API: every console action, as JSON, scoped like the console.

func (s *handler) apiLeadList(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f, err := web.LeadFilter(r, web.Principal(r).Paths(auth.LeadRead))
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	leads, total, err := s.Leads.List(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(leads, total, pg))
}

// apiLeadRegister registers a walk-in or call-in: 201 with the new lead, or
// 200 with created false and the existing owner when the mobile is known.
func (s *handler) apiLeadRegister(w http.ResponseWriter, r *http.Request) {
	var in lead.Registration
	if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if _, err := s.NodeForWrite(r, "project", in.ProjectCode, auth.LeadWrite); err != nil {
		s.APIError(w, r, err)
		return
	}
	res, err := s.Leads.Register(r.Context(), in)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	out := struct {
		Lead     *lead.Lead     `json:"lead,omitempty"`
		Created  bool           `json:"created"`
		Existing *web.OwnerView `json:"existing,omitempty"`
		Member   string         `json:"member_error,omitempty"`
	}{Lead: res.Lead, Created: res.Created}
	if res.MemberError != nil {
		out.Member = res.MemberError.Message(web.Lang(r))
	}
	status := http.StatusCreated
	if !res.Created {
		// The existing lead may lie beyond the caller's reach: only the
		// ownership check's view of it is shown.
		out.Lead, out.Existing, status = nil, s.ViewOwnership(r, res.Existing), http.StatusOK
	}
	web.WriteJSON(w, status, out)
}

func (s *handler) apiLeadCheck(w http.ResponseWriter, r *http.Request) {
	o, err := s.Leads.Check(r.Context(), r.URL.Query().Get("mobile"))
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, s.ViewOwnership(r, o))
}

// apiLeadStep runs one API action on the lead {lead}; body, when not nil,
// is read from the request first.
func (s *handler) apiLeadStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, status int, body any, act func(l *lead.Lead) (any, error)) {
	l, err := s.ScopedLead(r, perm)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if body != nil {
		if err := web.DecodeJSON(r, body); err != nil {
			s.APIError(w, r, err)
			return
		}
	}
	out, err := act(l)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, status, out)
}

// items wraps a list that has no paging.
func items[T any](v []T, err error) (any, error) {
	if v == nil {
		v = []T{}
	}
	return map[string]any{"items": v}, err
}

func (s *handler) apiLeadGet(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadRead, http.StatusOK, nil, func(l *lead.Lead) (any, error) { return l, nil })
}

func (s *handler) apiLeadUpdate(w http.ResponseWriter, r *http.Request) {
	var u lead.Update
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusOK, &u, func(l *lead.Lead) (any, error) {
		return s.Leads.Update(r.Context(), l.ID, u)
	})
}

func (s *handler) apiLeadHistory(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadRead, http.StatusOK, nil, func(l *lead.Lead) (any, error) {
		return items(s.Leads.History(r.Context(), l.ID))
	})
}

func (s *handler) apiLeadFollowUps(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadRead, http.StatusOK, nil, func(l *lead.Lead) (any, error) {
		return items(s.Leads.FollowUps(r.Context(), l.ID))
	})
}

func (s *handler) apiLeadFollowUp(w http.ResponseWriter, r *http.Request) {
	var in lead.FollowUpInput
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusCreated, &in, func(l *lead.Lead) (any, error) {
		return s.Leads.AddFollowUp(r.Context(), l.ID, in)
	})
}

func (s *handler) apiLeadContact(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Kind string `json:"kind"`
	}
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusOK, &b, func(l *lead.Lead) (any, error) {
		kind, err := lead.ParseSource("kind", b.Kind)
		if err != nil {
			return nil, err
		}
		return s.Leads.RecordContact(r.Context(), l.ID, kind)
	})
}

func (s *handler) apiLeadDeals(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadRead, http.StatusOK, nil, func(l *lead.Lead) (any, error) {
		return items(s.Leads.Deals(r.Context(), l.ID))
	})
}

func (s *handler) apiLeadDeal(w http.ResponseWriter, r *http.Request) {
	var in lead.DealInput
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusCreated, &in, func(l *lead.Lead) (any, error) {
		if in.ProjectCode != "" && in.ProjectCode != l.ProjectCode {
			if _, err := s.NodeForWrite(r, "project", in.ProjectCode, auth.LeadWrite); err != nil {
				return nil, err
			}
		}
		return s.Leads.RecordDeal(r.Context(), l.ID, in)
	})
}

func (s *handler) apiLeadFileClaim(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Reason string `json:"reason"`
	}
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusCreated, &b, func(l *lead.Lead) (any, error) {
		return s.Leads.FileClaim(r.Context(), l.ID, b.Reason)
	})
}

func (s *handler) apiLeadPoolClaim(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusOK, nil, func(l *lead.Lead) (any, error) {
		return s.Leads.ClaimFromPool(r.Context(), l.ID)
	})
}

// apiRun reads body (if any) and answers what act returns.
func (s *handler) apiRun(w http.ResponseWriter, r *http.Request, status int, body any, act func() (any, error)) {
	if body != nil {
		if err := web.DecodeJSON(r, body); err != nil {
			s.APIError(w, r, err)
			return
		}
	}
	out, err := act()
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, status, out)
}

func (s *handler) apiLeadAssign(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Leads  []int64         `json:"leads"`
		To     int64           `json:"to"`
		Mode   lead.AssignMode `json:"mode"`
		Reason string          `json:"reason"`
	}
	s.apiRun(w, r, http.StatusOK, &b, func() (any, error) {
		raw := make([]string, len(b.Leads))
		for i, id := range b.Leads {
			raw[i] = strconv.FormatInt(id, 10)
		}
		ids, err := s.AssignableLeads(r, raw)
		if err != nil {
			return nil, err
		}
		return items(s.AssignLeads(r, ids, b.Mode, b.To, b.Reason))
	})
}

func (s *handler) apiLeadHandover(w http.ResponseWriter, r *http.Request) {
	var b lead.Handover
	s.apiRun(w, r, http.StatusOK, &b, func() (any, error) {
		return items(s.Handover(r, b.From, b.To, b.Reason))
	})
}

func (s *handler) apiLeadWorkload(w http.ResponseWriter, r *http.Request) {
	s.apiRun(w, r, http.StatusOK, nil, func() (any, error) {
		return items(s.Leads.Workload(r.Context(), web.Principal(r).Paths(auth.LeadAssign)))
	})
}

func (s *handler) apiLeadAnomalies(w http.ResponseWriter, r *http.Request) {
	s.apiRun(w, r, http.StatusOK, nil, func() (any, error) {
		return items(s.Leads.Anomalies(r.Context(), web.Principal(r).Paths(auth.LeadAssign)))
	})
}

func (s *handler) apiLeadClaims(w http.ResponseWriter, r *http.Request) {
	st := lead.ClaimStatus(r.URL.Query().Get("status"))
	s.apiRun(w, r, http.StatusOK, nil, func() (any, error) {
		switch st {
		case "", lead.ClaimOpen, lead.ClaimGranted, lead.ClaimRejected:
		default:
			return nil, apperr.Field("status", "状态须为 open、granted 或 rejected", "status must be open, granted or rejected")
		}
		return items(s.Leads.Claims(r.Context(), web.Principal(r).Paths(auth.LeadAssign), st))
	})
}

func (s *handler) apiLeadClaimDecide(w http.ResponseWriter, r *http.Request) {
	c, err := s.ScopedClaim(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b decisionBody
	s.apiRun(w, r, http.StatusOK, &b, func() (any, error) {
		return s.Leads.DecideClaim(r.Context(), c.ID, b.Approve, b.Note)
	})
}

// apiNodeStep runs an action on the org node {node} where the caller holds perm.
func (s *handler) apiNodeStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, body any, act func(n *org.Node) (any, error)) {
	n, err := s.ScopedNode(r, perm)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	s.apiRun(w, r, http.StatusOK, body, func() (any, error) { return act(n) })
}

func (s *handler) apiLeadConfig(w http.ResponseWriter, r *http.Request) {
	s.apiNodeStep(w, r, auth.LeadRead, nil, func(n *org.Node) (any, error) { return s.Leads.Config(r.Context(), n.Code) })
}

func (s *handler) apiLeadConfigPut(w http.ResponseWriter, r *http.Request) {
	var c lead.Config
	s.apiNodeStep(w, r, auth.LeadAssign, &c, func(n *org.Node) (any, error) { return s.Leads.SetConfig(r.Context(), n.Code, c) })
}

func (s *handler) apiLeadReconciliation(w http.ResponseWriter, r *http.Request) {
	s.apiNodeStep(w, r, auth.LeadReconcile, nil, func(n *org.Node) (any, error) {
		day, err := web.FormDay(r.URL.Query().Get("day"), "day", web.ChinaDay(-1))
		if err != nil {
			return nil, err
		}
		return s.Leads.Reconcile(r.Context(), n.Code, day)
	})
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

func (s *handler) apiLeadSheet(w http.ResponseWriter, r *http.Request) {
	var b dayBody
	s.apiNodeStep(w, r, auth.LeadReconcile, &b, func(n *org.Node) (any, error) {
		day, err := b.day()
		if err != nil {
			return nil, err
		}
		return s.Leads.EnterSheet(r.Context(), n.Code, day, b.Counts)
	})
}

func (s *handler) apiLeadSignOff(w http.ResponseWriter, r *http.Request) {
	var b dayBody
	s.apiNodeStep(w, r, auth.LeadReconcile, &b, func(n *org.Node) (any, error) {
		day, err := b.day()
		if err != nil {
			return nil, err
		}
		return s.Leads.SignOff(r.Context(), n.Code, day, b.Note)
	})
}

func (s *handler) apiLeadImport(w http.ResponseWriter, r *http.Request) {
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

func (s *handler) apiLeadReports(w http.ResponseWriter, r *http.Request) {
	s.apiRun(w, r, http.StatusOK, nil, func() (any, error) { return s.LeadReport(r) })
}
