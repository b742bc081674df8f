package lead

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// ReportFilter selects what a report counts: China days From to To
// inclusive, within org paths (nil: everywhere), perhaps one project.
type ReportFilter struct {
	Within      []string
	ProjectCode string
	From, To    db.Date
}

func (f ReportFilter) check() error {
	if f.From.IsZero() || f.To.IsZero() || f.To.Before(f.From.Time) {
		return apperr.Field("from", "请选择正确的起止日期", "choose a valid period")
	}
	if f.To.Sub(f.From.Time) > 400*24*time.Hour {
		return apperr.Field("to", "统计区间最长 400 天", "the period is at most 400 days")
	}
	return nil
}

// scope is the condition on a leads table aliased l and its project node n.
func (f ReportFilter) scope() (string, []any) {
	where, args := "1 = 1", []any{}
	if f.Within != nil {
		where, args = db.PathsWhere("l.node_path", f.Within)
	}
	if f.ProjectCode != "" {
		where += " AND n.code = ?"
		args = append(args, f.ProjectCode)
	}
	return where, args
}

// Dimension is what a contacts report groups by.
type Dimension string

// The dimensions.
const (
	PerDay        Dimension = "day"
	PerProject    Dimension = "project"
	PerConsultant Dimension = "consultant"
	PerMedia      Dimension = "media"
)

// ContactCount is one group of a contacts report (来人来电统计).
type ContactCount struct {
	Key    string `json:"key"`   // the day, project code, staff id or medium
	Label  string `json:"label"` // how to show it
	Visits int    `json:"visits"`
	Calls  int    `json:"calls"`
	New    int    `json:"new"` // first contacts (新客)
}

// Contacts counts visits and calls by day, project, consultant or medium.
func (s *Service) Contacts(ctx context.Context, f ReportFilter, by Dimension) ([]ContactCount, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	groups := map[string]*ContactCount{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		where, args := f.scope()
		rows, err := tx.Query(ctx, `SELECT c.day, n.code, n.name, COALESCE(c.consultant_id, 0), COALESCE(st.name, ''), c.media, c.kind, c.first
			FROM lead_contacts c JOIN leads l ON l.id = c.lead_id JOIN org_nodes n ON n.id = c.project_id LEFT JOIN staff st ON st.id = c.consultant_id
			WHERE c.day >= ? AND c.day <= ? AND `+where, append([]any{f.From, f.To}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d db.Date
			var code, name, staffName, media string
			var staff int64
			var kind Source
			var first bool
			if err := rows.Scan(&d, &code, &name, &staff, &staffName, &media, &kind, &first); err != nil {
				return err
			}
			key, lbl := d.String(), d.String()
			switch by {
			case PerProject:
				key, lbl = code, name
			case PerConsultant:
				key, lbl = fmt.Sprint(staff), staffName
			case PerMedia:
				key, lbl = media, media
			}
			g := groups[key]
			if g == nil {
				g = &ContactCount{Key: key, Label: lbl}
				groups[key] = g
			}
			if kind == Visit {
				g.Visits++
			} else {
				g.Calls++
			}
			if first {
				g.New++
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("contacts report: %w", err)
	}
	out := make([]ContactCount, 0, len(groups))
	for _, g := range groups {
		out = append(out, *g)
	}
	slices.SortFunc(out, func(a, b ContactCount) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

// Funnel is the conversion of the period's new visitors (到访 → A/B → 成交).
type Funnel struct {
	Visitors    int     `json:"visitors"`     // leads whose first visit fell in the period
	Intent      int     `json:"intent"`       // of them, reached A or B (or a deal)
	Deals       int     `json:"deals"`        // of them, made a deal
	IntentRate  float64 `json:"intent_rate"`  // Intent / Visitors
	DealRate    float64 `json:"deal_rate"`    // Deals / Intent
	OverallRate float64 `json:"overall_rate"` // Deals / Visitors
}

func rate(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// Funnel counts the period's new visitors and how far they went.
func (s *Service) Funnel(ctx context.Context, f ReportFilter) (*Funnel, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	out := &Funnel{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		where, args := f.scope()
		return tx.QueryRow(ctx, `SELECT count(*),
			COALESCE(sum(CASE WHEN l.status IN ('a', 'b', 'deal') OR EXISTS (SELECT 1 FROM lead_history h WHERE h.lead_id = l.id
				AND h.action = 'status' AND h.new_value IN ('a', 'b')) THEN 1 ELSE 0 END), 0),
			COALESCE(sum(CASE WHEN l.status = 'deal' THEN 1 ELSE 0 END), 0)
			FROM leads l JOIN org_nodes n ON n.id = l.project_id
			WHERE (SELECT min(c.day) FROM lead_contacts c WHERE c.lead_id = l.id AND c.kind = 'visit') BETWEEN ? AND ? AND `+where,
			append([]any{f.From, f.To}, args...)...).Scan(&out.Visitors, &out.Intent, &out.Deals)
	})
	if err != nil {
		return nil, fmt.Errorf("funnel report: %w", err)
	}
	out.IntentRate, out.DealRate, out.OverallRate = rate(out.Intent, out.Visitors), rate(out.Deals, out.Intent), rate(out.Deals, out.Visitors)
	return out, nil
}

// LostReason is how many leads were lost (无意向) for a reason.
type LostReason struct {
	Reason string  `json:"reason"`
	Leads  int     `json:"leads"`
	Share  float64 `json:"share"`
}

// LostReasons counts the leads that turned 无意向 in the period, by reason,
// most frequent first.
func (s *Service) LostReasons(ctx context.Context, f ReportFilter) ([]LostReason, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	out := []LostReason{}
	total := 0
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		where, args := f.scope()
		rows, err := tx.Query(ctx, `SELECT l.lost_reason, count(*) FROM leads l JOIN org_nodes n ON n.id = l.project_id
			WHERE l.status = 'none' AND l.status_at >= ? AND l.status_at < ? AND `+where+` GROUP BY l.lost_reason`,
			append([]any{startOf(f.From), startOf(addDays(f.To, 1))}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r LostReason
			if err := rows.Scan(&r.Reason, &r.Leads); err != nil {
				return err
			}
			total += r.Leads
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("lost reasons report: %w", err)
	}
	for i := range out {
		out[i].Share = rate(out[i].Leads, total)
	}
	slices.SortFunc(out, func(a, b LostReason) int {
		return cmp.Or(cmp.Compare(b.Leads, a.Leads), cmp.Compare(a.Reason, b.Reason))
	})
	return out, nil
}

// Timeliness is a consultant's follow-up discipline (跟进及时率) in the period.
type Timeliness struct {
	StaffID   int64   `json:"staff_id"`
	StaffName string  `json:"staff_name"`
	FollowUps int     `json:"follow_ups"` // all their follow-ups in the period
	OnTime    int     `json:"on_time"`    // answered a due day on or before it
	Late      int     `json:"late"`       // answered a due day after it
	Overdue   int     `json:"overdue"`    // their open leads past the due day now
	Rate      float64 `json:"rate"`       // OnTime / (OnTime + Late)
}

// Timeliness reports per consultant how their follow-ups kept the due days.
func (s *Service) Timeliness(ctx context.Context, f ReportFilter) ([]Timeliness, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	by := map[int64]*Timeliness{}
	get := func(id int64, name string) *Timeliness {
		if by[id] == nil {
			by[id] = &Timeliness{StaffID: id, StaffName: name}
		}
		return by[id]
	}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		where, args := f.scope()
		rows, err := tx.Query(ctx, `SELECT fu.staff_id, st.name, fu.at, fu.due_was FROM lead_follow_ups fu JOIN staff st ON st.id = fu.staff_id
			JOIN leads l ON l.id = fu.lead_id JOIN org_nodes n ON n.id = l.project_id
			WHERE fu.at >= ? AND fu.at < ? AND `+where, append([]any{startOf(f.From), startOf(addDays(f.To, 1))}, args...)...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var name string
			var at time.Time
			var due db.Date
			if err := rows.Scan(&id, &name, &at, &due); err != nil {
				rows.Close()
				return err
			}
			t := get(id, name)
			t.FollowUps++
			switch {
			case due.IsZero():
			case dayOf(at).After(due.Time):
				t.Late++
			default:
				t.OnTime++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT l.owner_id, o.name, count(*) FROM leads l JOIN org_nodes n ON n.id = l.project_id JOIN staff o ON o.id = l.owner_id
			WHERE l.status IN ('c', 'b', 'a') AND l.next_due < ? AND `+where+` GROUP BY l.owner_id, o.name`, append([]any{dayOf(tx.Now)}, args...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var name string
			var n int
			if err := rows.Scan(&id, &name, &n); err != nil {
				return err
			}
			get(id, name).Overdue = n
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("timeliness report: %w", err)
	}
	out := make([]Timeliness, 0, len(by))
	for _, t := range by {
		t.Rate = rate(t.OnTime, t.OnTime+t.Late)
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b Timeliness) int { return cmp.Compare(a.StaffID, b.StaffID) })
	return out, nil
}
