package web

import (
	"context"
	"fmt"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

// Dashboard holds the real counts shown on the console's first page, each
// limited to the caller's scope.
type Dashboard struct {
	Nodes       map[org.Kind]int `json:"nodes"`
	Staff       int              `json:"staff"`
	ActiveStaff int              `json:"active_staff"`
	AuditToday  int              `json:"audit_today"`
	FailedToday int              `json:"failed_logins_today"`
	Members     map[string]int   `json:"members"` // by status
	Charts      []Chart          `json:"-"`
	NewMembers  int              `json:"members_joined_30d"`
	ShowStaff   bool             `json:"-"`
	ShowAudit   bool             `json:"-"`
	ShowMembers bool             `json:"-"`
	ShowReview  bool             `json:"-"`
	// Todo is the work waiting for the caller (待办), by kind.
	Todo []TodoItem `json:"todo"`
	// CardCheck shows the card check on the home page (merchant staff).
	CardCheck bool `json:"-"`
	// System is the state of the service, for the administrator's home.
	System *SystemStatus `json:"-"`
}

// SystemStatus is what an administrator checks first: the build, the
// database, the club's time zone, background work and failed sign-ins.
type SystemStatus struct {
	Version      string
	Engine       db.Dialect
	TimeZone     string
	JobsWaiting  int // queued or running
	JobsFailed   int // failed in the last 7 days
	FailedLogins int // failed sign-ins today, every account
}

// systemStatus reads the administrator's status card.
func (s *Server) systemStatus(ctx context.Context, tx *db.Tx, dayStart time.Time) (*SystemStatus, error) {
	_, offset := tx.Now.In(s.Loc).Zone()
	st := &SystemStatus{Version: s.Config.Version, Engine: s.DB.Dialect(),
		TimeZone: fmt.Sprintf("%s (UTC%+d)", s.Loc, offset/3600)}
	var err error
	if st.JobsWaiting, err = tx.Count(ctx, "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"); err != nil {
		return nil, err
	}
	if st.JobsFailed, err = tx.Count(ctx, "SELECT count(*) FROM jobs WHERE status = 'failed' AND created_at >= ?", tx.Now.AddDate(0, 0, -7)); err != nil {
		return nil, err
	}
	if st.FailedLogins, err = tx.Count(ctx, "SELECT count(*) FROM audit_log WHERE action = 'auth.login_failed' AND at >= ?", dayStart.UTC()); err != nil {
		return nil, err
	}
	return st, nil
}

func (s *Server) DashboardData(ctx context.Context, p *auth.Principal) (*Dashboard, error) {
	d := &Dashboard{Nodes: map[org.Kind]int{}, Members: map[string]int{}, ShowStaff: p.Can(auth.StaffRead),
		ShowAudit: p.Can(auth.AuditRead), ShowMembers: p.Can(auth.MemberRead), ShowReview: p.Can(auth.MemberReview),
		CardCheck: p.Can(auth.MerchantVerify)}
	todo, err := s.todo(ctx, p)
	if err != nil {
		return nil, err
	}
	d.Todo = todo
	y, m, dd := s.DB.Clock().In(s.Loc).Date()
	dayStart := time.Date(y, m, dd, 0, 0, 0, 0, s.Loc)
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		where, args := db.PathsWhere("path", p.Paths(auth.OrgRead))
		rows, err := tx.Query(ctx, "SELECT kind, count(*) FROM org_nodes WHERE "+where+" GROUP BY kind", args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k org.Kind
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return err
			}
			d.Nodes[k] = n
		}
		rows.Close()
		if p.CanAt(auth.SettingsWrite, "/1/") { // an administrator of the whole group
			if d.System, err = s.systemStatus(ctx, tx, dayStart); err != nil {
				return err
			}
		}
		if d.ShowStaff {
			where, args := db.PathsWhere("n.path", p.Paths(auth.StaffRead))
			q := "SELECT count(*), COALESCE(SUM(CASE WHEN s.active THEN 1 ELSE 0 END), 0) FROM staff s JOIN org_nodes n ON n.id = s.node_id WHERE " + where
			if err := tx.QueryRow(ctx, q, args...).Scan(&d.Staff, &d.ActiveStaff); err != nil {
				return err
			}
		}
		if d.ShowMembers {
			where, args := db.PathsWhere("node_path", p.Paths(auth.MemberRead))
			rows, err := tx.Query(ctx, "SELECT status, count(*) FROM members WHERE "+where+" GROUP BY status", args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var st string
				var n int
				if err := rows.Scan(&st, &n); err != nil {
					rows.Close()
					return err
				}
				d.Members[st] = n
			}
			rows.Close()
			if d.NewMembers, err = tx.Count(ctx, "SELECT count(*) FROM members WHERE "+where+" AND joined_at >= ?",
				append(args, dayStart.AddDate(0, 0, -30).UTC())...); err != nil {
				return err
			}
			if d.Charts, err = memberCharts(ctx, tx, where, args, dayStart); err != nil {
				return err
			}
		}
		if d.ShowAudit {
			where, args := db.PathsWhere("node_path", p.Paths(auth.AuditRead))
			args = append(args, dayStart.UTC())
			if d.AuditToday, err = tx.Count(ctx, "SELECT count(*) FROM audit_log WHERE "+where+" AND at >= ?", args...); err != nil {
				return err
			}
			if d.FailedToday, err = tx.Count(ctx, "SELECT count(*) FROM audit_log WHERE "+where+" AND at >= ? AND action = 'auth.login_failed'", args...); err != nil {
				return err
			}
		}
		return nil
	})
	return d, err
}
