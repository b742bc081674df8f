package web

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/org"
)

// Leads in the API: every console action, as JSON, scoped like the console.

func (s *Server) apiLeadList(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := leadFilter(r, principal(r).Paths(auth.LeadRead))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	leads, total, err := s.leads.List(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(leads, total, pg))
}

// apiLeadRegister registers a walk-in or call-in: 201 with the new lead, or
// 200 with created false and the existing owner when the mobile is known.
func (s *Server) apiLeadRegister(w http.ResponseWriter, r *http.Request) {
	var in lead.Registration
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.nodeForWrite(r, "project", in.ProjectCode, auth.LeadWrite); err != nil {
		s.apiError(w, r, err)
		return
	}
	res, err := s.leads.Register(r.Context(), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := struct {
		Lead     *lead.Lead `json:"lead,omitempty"`
		Created  bool       `json:"created"`
		Existing *ownerView `json:"existing,omitempty"`
		Member   string     `json:"member_error,omitempty"`
	}{Lead: res.Lead, Created: res.Created}
	if res.MemberError != nil {
		out.Member = res.MemberError.Message(lang(r))
	}
	status := http.StatusCreated
	if !res.Created {
		// The existing lead may lie beyond the caller's reach: only the
		// ownership check's view of it is shown.
		out.Lead, out.Existing, status = nil, s.viewOwnership(r, res.Existing), http.StatusOK
	}
	writeJSON(w, status, out)
}

func (s *Server) apiLeadCheck(w http.ResponseWriter, r *http.Request) {
	o, err := s.leads.Check(r.Context(), r.URL.Query().Get("mobile"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.viewOwnership(r, o))
}

// apiLeadStep runs one API action on the lead {lead}; body, when not nil,
// is read from the request first.
func (s *Server) apiLeadStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, status int, body any, act func(l *lead.Lead) (any, error)) {
	l, err := s.scopedLead(r, perm)
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
	out, err := act(l)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

// items wraps a list that has no paging.
func items[T any](v []T, err error) (any, error) {
	if v == nil {
		v = []T{}
	}
	return map[string]any{"items": v}, err
}

func (s *Server) apiLeadGet(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadRead, http.StatusOK, nil, func(l *lead.Lead) (any, error) { return l, nil })
}

func (s *Server) apiLeadUpdate(w http.ResponseWriter, r *http.Request) {
	var u lead.Update
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusOK, &u, func(l *lead.Lead) (any, error) {
		return s.leads.Update(r.Context(), l.ID, u)
	})
}

func (s *Server) apiLeadHistory(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadRead, http.StatusOK, nil, func(l *lead.Lead) (any, error) {
		return items(s.leads.History(r.Context(), l.ID))
	})
}

func (s *Server) apiLeadFollowUps(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadRead, http.StatusOK, nil, func(l *lead.Lead) (any, error) {
		return items(s.leads.FollowUps(r.Context(), l.ID))
	})
}

func (s *Server) apiLeadFollowUp(w http.ResponseWriter, r *http.Request) {
	var in lead.FollowUpInput
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusCreated, &in, func(l *lead.Lead) (any, error) {
		return s.leads.AddFollowUp(r.Context(), l.ID, in)
	})
}

func (s *Server) apiLeadContact(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Kind string `json:"kind"`
	}
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusOK, &b, func(l *lead.Lead) (any, error) {
		kind, err := lead.ParseSource("kind", b.Kind)
		if err != nil {
			return nil, err
		}
		return s.leads.RecordContact(r.Context(), l.ID, kind)
	})
}

func (s *Server) apiLeadDeals(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadRead, http.StatusOK, nil, func(l *lead.Lead) (any, error) {
		return items(s.leads.Deals(r.Context(), l.ID))
	})
}

func (s *Server) apiLeadDeal(w http.ResponseWriter, r *http.Request) {
	var in lead.DealInput
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusCreated, &in, func(l *lead.Lead) (any, error) {
		if in.ProjectCode != "" && in.ProjectCode != l.ProjectCode {
			if _, err := s.nodeForWrite(r, "project", in.ProjectCode, auth.LeadWrite); err != nil {
				return nil, err
			}
		}
		return s.leads.RecordDeal(r.Context(), l.ID, in)
	})
}

func (s *Server) apiLeadFileClaim(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Reason string `json:"reason"`
	}
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusCreated, &b, func(l *lead.Lead) (any, error) {
		return s.leads.FileClaim(r.Context(), l.ID, b.Reason)
	})
}

func (s *Server) apiLeadPoolClaim(w http.ResponseWriter, r *http.Request) {
	s.apiLeadStep(w, r, auth.LeadWrite, http.StatusOK, nil, func(l *lead.Lead) (any, error) {
		return s.leads.ClaimFromPool(r.Context(), l.ID)
	})
}

// apiRun reads body (if any) and answers what act returns.
func (s *Server) apiRun(w http.ResponseWriter, r *http.Request, status int, body any, act func() (any, error)) {
	if body != nil {
		if err := decodeJSON(r, body); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	out, err := act()
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, status, out)
}

func (s *Server) apiLeadAssign(w http.ResponseWriter, r *http.Request) {
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
		ids, err := s.assignableLeads(r, raw)
		if err != nil {
			return nil, err
		}
		return items(s.assignLeads(r, ids, b.Mode, b.To, b.Reason))
	})
}

func (s *Server) apiLeadHandover(w http.ResponseWriter, r *http.Request) {
	var b lead.Handover
	s.apiRun(w, r, http.StatusOK, &b, func() (any, error) {
		return items(s.handover(r, b.From, b.To, b.Reason))
	})
}

func (s *Server) apiLeadWorkload(w http.ResponseWriter, r *http.Request) {
	s.apiRun(w, r, http.StatusOK, nil, func() (any, error) {
		return items(s.leads.Workload(r.Context(), principal(r).Paths(auth.LeadAssign)))
	})
}

func (s *Server) apiLeadAnomalies(w http.ResponseWriter, r *http.Request) {
	s.apiRun(w, r, http.StatusOK, nil, func() (any, error) {
		return items(s.leads.Anomalies(r.Context(), principal(r).Paths(auth.LeadAssign)))
	})
}

func (s *Server) apiLeadClaims(w http.ResponseWriter, r *http.Request) {
	st := lead.ClaimStatus(r.URL.Query().Get("status"))
	s.apiRun(w, r, http.StatusOK, nil, func() (any, error) {
		switch st {
		case "", lead.ClaimOpen, lead.ClaimGranted, lead.ClaimRejected:
		default:
			return nil, apperr.Field("status", "状态须为 open、granted 或 rejected", "status must be open, granted or rejected")
		}
		return items(s.leads.Claims(r.Context(), principal(r).Paths(auth.LeadAssign), st))
	})
}

func (s *Server) apiLeadClaimDecide(w http.ResponseWriter, r *http.Request) {
	c, err := s.scopedClaim(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b decisionBody
	s.apiRun(w, r, http.StatusOK, &b, func() (any, error) {
		return s.leads.DecideClaim(r.Context(), c.ID, b.Approve, b.Note)
	})
}

// apiNodeStep runs an action on the org node {node} where the caller holds perm.
func (s *Server) apiNodeStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, body any, act func(n *org.Node) (any, error)) {
	n, err := s.scopedNode(r, perm)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiRun(w, r, http.StatusOK, body, func() (any, error) { return act(n) })
}

func (s *Server) apiLeadConfig(w http.ResponseWriter, r *http.Request) {
	s.apiNodeStep(w, r, auth.LeadRead, nil, func(n *org.Node) (any, error) { return s.leads.Config(r.Context(), n.Code) })
}

func (s *Server) apiLeadConfigPut(w http.ResponseWriter, r *http.Request) {
	var c lead.Config
	s.apiNodeStep(w, r, auth.LeadAssign, &c, func(n *org.Node) (any, error) { return s.leads.SetConfig(r.Context(), n.Code, c) })
}

func (s *Server) apiLeadReconciliation(w http.ResponseWriter, r *http.Request) {
	s.apiNodeStep(w, r, auth.LeadReconcile, nil, func(n *org.Node) (any, error) {
		day, err := formDay(r.URL.Query().Get("day"), "day", chinaDay(-1))
		if err != nil {
			return nil, err
		}
		return s.leads.Reconcile(r.Context(), n.Code, day)
	})
}

// dayBody names a day of a project's reconciliation.
type dayBody struct {
	Day    string            `json:"day"`
	Counts []lead.SheetCount `json:"counts"`
	Note   string            `json:"note"`
}

func (b dayBody) day() (db.Date, error) {
	d, err := formDay(b.Day, "day", db.Date{})
	if err == nil && d.IsZero() {
		err = apperr.Field("day", "请选择日期", "choose the day")
	}
	return d, err
}

func (s *Server) apiLeadSheet(w http.ResponseWriter, r *http.Request) {
	var b dayBody
	s.apiNodeStep(w, r, auth.LeadReconcile, &b, func(n *org.Node) (any, error) {
		day, err := b.day()
		if err != nil {
			return nil, err
		}
		return s.leads.EnterSheet(r.Context(), n.Code, day, b.Counts)
	})
}

func (s *Server) apiLeadSignOff(w http.ResponseWriter, r *http.Request) {
	var b dayBody
	s.apiNodeStep(w, r, auth.LeadReconcile, &b, func(n *org.Node) (any, error) {
		day, err := b.day()
		if err != nil {
			return nil, err
		}
		return s.leads.SignOff(r.Context(), n.Code, day, b.Note)
	})
}

func (s *Server) apiLeadImport(w http.ResponseWriter, r *http.Request) {
	rep, err := s.importLeads(r)
	if err != nil {
		s.apiError(w, r, err)
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
	writeJSON(w, status, rep)
}

func (s *Server) apiLeadReports(w http.ResponseWriter, r *http.Request) {
	s.apiRun(w, r, http.StatusOK, nil, func() (any, error) { return s.leadReport(r) })
}
