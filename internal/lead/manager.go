package lead

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"estateclub/internal/db"
)

// ConsultantWork is one consultant's follow-up as the sales manager sees it.
type ConsultantWork struct {
	StaffID   int64  `json:"staff_id"`
	StaffName string `json:"staff_name"`
	Active    bool   `json:"active"`
	Leads     int    `json:"leads"`     // owned, deals included
	DueToday  int    `json:"due_today"` // 今日待跟进
	Overdue   int    `json:"overdue"`   // 逾期
	Stuck     int    `json:"stuck"`     // status unmoved for the project's StuckDays
	Lost      int    `json:"lost"`      // 无意向 within the last StuckDays
	Deals     int    `json:"deals"`
}

// AnomalyKind names a follow-up anomaly (跟进异常).
type AnomalyKind string

// The anomalies.
const (
	Overdue       AnomalyKind = "overdue"        // the next action's day has passed
	Stuck         AnomalyKind = "stuck"          // the status has not moved for StuckDays
	Lost          AnomalyKind = "lost"           // turned 无意向 recently
	Unassigned    AnomalyKind = "unassigned"     // a new lead no one owns
	InactiveOwner AnomalyKind = "inactive_owner" // the owner's account is closed: reassign
)

// Anomaly is one lead the sales manager should look at.
type Anomaly struct {
	Kind        AnomalyKind `json:"kind"`
	LeadID      int64       `json:"lead_id"`
	Surname     string      `json:"surname"`
	ProjectCode string      `json:"project_code"`
	Status      Status      `json:"status"`
	OwnerID     *int64      `json:"owner_id,omitempty"`
	OwnerName   string      `json:"owner_name"`
	Since       time.Time   `json:"since"`
	Days        int         `json:"days"` // how long
	Detail      string      `json:"detail,omitempty"`
}

// openLead is what the manager's views need of a lead.
type openLead struct {
	id                int64
	surname, code     string
	path, lost        string
	status            Status
	owner             *int64
	ownerName         string
	active, pool      bool
	nextDue           db.Date
	statusAt, created time.Time
}

func (s *Service) openLeads(ctx context.Context, tx *db.Tx, within []string) ([]openLead, error) {
	where, args := "1 = 1", []any(nil)
	if within != nil {
		where, args = db.PathsWhere("l.node_path", within)
	}
	rows, err := tx.Query(ctx, `SELECT l.id, l.surname, n.code, l.node_path, l.lost_reason, l.status, l.owner_id, COALESCE(o.name, ''),
		COALESCE(o.active, TRUE), l.in_pool, l.next_due, l.status_at, l.created_at
		FROM leads l JOIN org_nodes n ON n.id = l.project_id LEFT JOIN staff o ON o.id = l.owner_id WHERE `+where+" ORDER BY l.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []openLead
	for rows.Next() {
		var l openLead
		if err := rows.Scan(&l.id, &l.surname, &l.code, &l.path, &l.lost, &l.status, &l.owner, &l.ownerName, &l.active, &l.pool,
			&l.nextDue, &l.statusAt, &l.created); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// configs caches the rules of the projects a view touches.
type configs map[string]*Config

func (c configs) of(ctx context.Context, tx *db.Tx, path string) (*Config, error) {
	if cfg, ok := c[path]; ok {
		return cfg, nil
	}
	cfg, err := configFor(ctx, tx, path)
	c[path] = cfg
	return cfg, err
}

func daysSince(t, now time.Time) int { return int(now.Sub(t).Hours() / 24) }

// anomalies classifies a lead; a lead may have several.
func anomalies(l *openLead, cfg *Config, now time.Time) []Anomaly {
	a := Anomaly{LeadID: l.id, Surname: l.surname, ProjectCode: l.code, Status: l.status, OwnerID: l.owner, OwnerName: l.ownerName}
	today := dayOf(now)
	var out []Anomaly
	add := func(k AnomalyKind, since time.Time, detail string) {
		b := a
		b.Kind, b.Since, b.Days, b.Detail = k, since, daysSince(since, now), detail
		out = append(out, b)
	}
	open := l.status == C || l.status == B || l.status == A
	switch {
	case l.owner == nil && !l.pool:
		add(Unassigned, l.created, "")
	case l.owner != nil && !l.active && l.status != Won:
		add(InactiveOwner, l.statusAt, "")
	}
	if l.owner == nil {
		return out
	}
	if open && !l.nextDue.IsZero() && l.nextDue.Before(today.Time) {
		add(Overdue, startOf(l.nextDue), "")
	}
	if open && daysSince(l.statusAt, now) >= cfg.StuckDays {
		add(Stuck, l.statusAt, "")
	}
	if l.status == NoIntent && daysSince(l.statusAt, now) < cfg.StuckDays {
		add(Lost, l.statusAt, l.lost)
	}
	return out
}

// Workload is each consultant's leads, due today, overdue, stuck and lost
// within the org paths, by consultant.
func (s *Service) Workload(ctx context.Context, within []string) ([]ConsultantWork, error) {
	out := []ConsultantWork{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		leads, err := s.openLeads(ctx, tx, within)
		if err != nil {
			return err
		}
		by := map[int64]*ConsultantWork{}
		cfgs := configs{}
		today := dayOf(tx.Now)
		for i := range leads {
			l := &leads[i]
			if l.owner == nil {
				continue
			}
			w := by[*l.owner]
			if w == nil {
				w = &ConsultantWork{StaffID: *l.owner, StaffName: l.ownerName, Active: l.active}
				by[*l.owner] = w
			}
			w.Leads++
			if l.status == Won {
				w.Deals++
			}
			if l.status != Won && l.status != NoIntent && l.nextDue.Valid() && l.nextDue.Equal(today.Time) {
				w.DueToday++
			}
			cfg, err := cfgs.of(ctx, tx, l.path)
			if err != nil {
				return err
			}
			for _, a := range anomalies(l, cfg, tx.Now) {
				switch a.Kind {
				case Overdue:
					w.Overdue++
				case Stuck:
					w.Stuck++
				case Lost:
					w.Lost++
				}
			}
		}
		for _, w := range by {
			out = append(out, *w)
		}
		slices.SortFunc(out, func(a, b ConsultantWork) int { return cmp.Compare(a.StaffID, b.StaffID) })
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lead workload: %w", err)
	}
	return out, nil
}

// Anomalies lists the leads within the org paths that need the sales
// manager: overdue, stuck, lost recently, unassigned, or owned by someone
// who left; longest-standing first within each kind.
func (s *Service) Anomalies(ctx context.Context, within []string) ([]Anomaly, error) {
	out := []Anomaly{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		leads, err := s.openLeads(ctx, tx, within)
		if err != nil {
			return err
		}
		cfgs := configs{}
		for i := range leads {
			cfg, err := cfgs.of(ctx, tx, leads[i].path)
			if err != nil {
				return err
			}
			out = append(out, anomalies(&leads[i], cfg, tx.Now)...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lead anomalies: %w", err)
	}
	rank := map[AnomalyKind]int{InactiveOwner: 0, Unassigned: 1, Overdue: 2, Stuck: 3, Lost: 4}
	slices.SortStableFunc(out, func(a, b Anomaly) int {
		return cmp.Or(cmp.Compare(rank[a.Kind], rank[b.Kind]), a.Since.Compare(b.Since), cmp.Compare(a.LeadID, b.LeadID))
	})
	return out, nil
}
