package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
)

// Leads (客户线索) in the console: the consultant's phone-sized
// registration with the ownership check (判客) as they type, the list with
// its filters and bulk assignment, and a lead's page with its status,
// follow-ups, deals and claims. The rules live in internal/lead.

// ScopedLead loads the lead named by {lead} and checks perm at its project.
func (s *Server) ScopedLead(r *http.Request, perm auth.Permission) (*lead.Lead, error) {
	id, err := strconv.ParseInt(r.PathValue("lead"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	l, err := s.Leads.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := AuthorizeAt(r, perm, l.NodePath); err != nil {
		return nil, err
	}
	return l, nil
}

// LeadFilter reads the list filters shared by the list, the export and the API.
func LeadFilter(r *http.Request, within []string) (lead.Filter, error) {
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
			id := Principal(r).Staff.ID
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

// OwnerView is what the ownership check (判客) shows: enough to know who
// has the customer, nothing of the customer's personal data.
type OwnerView struct {
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

func (s *Server) ViewOwnership(r *http.Request, o *lead.Ownership) *OwnerView {
	v := &OwnerView{Known: o.Known()}
	if l := o.Lead; l != nil {
		v.Mobile = l.Mobile
		v.Lead = &ownerLead{ID: l.ID, ProjectCode: l.ProjectCode, ProjectName: l.ProjectName, Status: l.Status, OwnerName: l.OwnerName,
			InPool: l.InPool, Protected: l.Protected(time.Now()), ProtectedUntil: l.ProtectedUntil, Visible: Principal(r).CanAt(auth.LeadRead, l.NodePath)}
	}
	if m := o.Member; m != nil {
		v.Mobile = m.Mobile
		v.Member = &ownerMbr{MemberNo: m.MemberNo, NodeName: m.NodeName, Tier: m.Tier, Status: string(m.Status)}
	}
	return v
}

// FormDay reads a day of a form or query; blank is def.
func FormDay(v, field string, def db.Date) (db.Date, error) {
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

// ChinaDay is the China calendar day d days from now.
func ChinaDay(d int) db.Date {
	t := time.Now().In(ChinaTime).AddDate(0, 0, d)
	return db.DateOf(t.Year(), t.Month(), t.Day())
}
