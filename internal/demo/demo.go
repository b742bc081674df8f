// Package demo fills an empty database with a realistic demonstration
// club: one group, two regions, four city companies, eight projects, a
// staff member for every role, members and their membership cards, a
// year of points and a redemption catalogue with its orders, and the
// working-day calendar of 2026 and 2027.
package demo

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/calendar"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
)

// Password is every demo account's password.
const Password = "club2026"

// Login is one demo account, for printing.
type Login struct {
	Login string
	Name  string
	Role  auth.Role
	Org   string
}

type node struct {
	parent, code, name string
	kind               org.Kind
}

var nodes = []node{
	{"GROUP", "EAST", "华东事业部", org.Region},
	{"GROUP", "SOUTH", "华南事业部", org.Region},
	{"EAST", "SH", "上海城市公司", org.City},
	{"EAST", "HZ", "杭州城市公司", org.City},
	{"SOUTH", "GZ", "广州城市公司", org.City},
	{"SOUTH", "SZ", "深圳城市公司", org.City},
	{"SH", "SH-PD", "浦东·滨江府", org.Project},
	{"SH", "SH-MH", "闵行·云锦苑", org.Project},
	{"HZ", "HZ-BJ", "滨江·钱塘湾", org.Project},
	{"HZ", "HZ-XH", "西湖·云栖里", org.Project},
	{"GZ", "GZ-TH", "天河·珠江壹号", org.Project},
	{"GZ", "GZ-PY", "番禺·南湖花园", org.Project},
	{"SZ", "SZ-NS", "南山·海岸城", org.Project},
	{"SZ", "SZ-LG", "龙岗·龙城华府", org.Project},
}

// Logins are the demo accounts: every role of DOMAIN.md at a fitting node.
var Logins = []Login{
	{"admin", "系统管理员", auth.Admin, "GROUP"},
	{"supervisor", "王静（集团主管）", auth.GroupSupervisor, "GROUP"},
	{"specialist", "李娜（集团专员）", auth.GroupSpecialist, "GROUP"},
	{"auditor", "赵敏（审计）", auth.Auditor, "GROUP"},
	{"sh.supervisor", "陈伟（上海主管）", auth.CitySupervisor, "SH"},
	{"sh.specialist", "刘洋（上海专员）", auth.CitySpecialist, "SH"},
	{"hz.specialist", "周婷（杭州专员）", auth.CitySpecialist, "HZ"},
	{"sh.relations", "吴倩（客户关系）", auth.CustomerRelations, "SH"},
	{"sh.merchant", "郑浩（联盟商家）", auth.MerchantStaff, "SH"},
	{"pd.manager", "孙磊（案场经理）", auth.SalesManager, "SH-PD"},
	{"pd.consultant", "钱程（置业顾问）", auth.SalesConsultant, "SH-PD"},
	{"pd.admin", "冯雪（销售行政）", auth.SalesAdmin, "SH-PD"},
	{"pd.property", "何军（物业）", auth.PropertyStaff, "SH-PD"},
}

// The demo's progress is kept in the settings table: "filling" from the
// moment it claims an empty database, "complete" once every step is done.
// The fill is many transactions (it goes through the area services, as
// staff would), so a fill that stopped half-way must be told apart from a
// finished one: a later start would otherwise come up on half a club.
const (
	stateKey      = "demo.state"
	stateFilling  = "filling"
	stateComplete = "complete"
)

// ErrHalfFilled is returned when an earlier demo fill did not finish.
var ErrHalfFilled = &apperr.Error{Code: apperr.Conflict,
	ZH: "数据库中只有部分演示数据：上次填充没有完成（或另一个服务正在填充）。请停止服务，删除数据目录（SQLite）或清空数据库（PostgreSQL）后重新运行 serve --demo",
	EN: "the database holds only part of the demo data: an earlier fill did not finish (or another server is filling it now). " +
		"Stop the service, delete the data folder (SQLite) or empty the database (PostgreSQL), and run serve --demo again"}

// Step is one part of the demo fill, for reporting its duration.
type Step struct {
	Name    string
	Elapsed time.Duration
}

// Seed fills d with the demo club if it holds no staff yet; it reports
// whether it did. A database with demo data that an earlier fill left
// unfinished gives ErrHalfFilled; a database with staff of its own is left
// alone. Each finished step is passed to progress, if not nil.
func Seed(ctx context.Context, d *db.DB, keys *pii.Keys, progress func(Step)) (bool, error) {
	claimed, err := claim(ctx, d)
	if !claimed || err != nil {
		return false, err
	}
	ctx = db.WithActor(ctx, db.Actor{Kind: "system", Login: "demo"})
	ms := &member.Service{DB: d, Keys: keys}
	cs := &card.Service{DB: d, Secret: keys.CardQRSecret()}
	steps := []struct {
		name string
		fn   func() error
	}{
		{"org", func() error { return seedOrg(ctx, d) }},
		{"calendar", func() error { return calendar.SeedChina(ctx, &calendar.Service{DB: d}) }},
		{"members", func() error { return seedMembers(ctx, d, ms) }},
		{"cards", func() error { return seedCards(ctx, d, cs) }},
		{"points", func() error { return seedPoints(ctx, d, ms) }},
		{"redemptions", func() error { return seedRedeem(ctx, d, ms) }},
		{"portal member", func() error { return seedPortal(ctx, d, ms, cs) }},
		{"dates", func() error { return backdate(ctx, d) }},
		{"leads", func() error { return seedLeads(ctx, d, keys) }},
		{"requests", func() error { return seedRequests(ctx, d, ms) }},
		{"events", func() error { return seedEvents(ctx, d, ms, cs) }},
	}
	for _, s := range steps {
		start := time.Now()
		if err := s.fn(); err != nil {
			return false, fmt.Errorf("demo %s: %w", s.name, err)
		}
		if progress != nil {
			progress(Step{s.name, time.Since(start)})
		}
	}
	return true, setState(ctx, d, stateComplete)
}

// Check reports ErrHalfFilled for a database an unfinished demo fill left
// behind, so that a start without --demo says so too.
func Check(ctx context.Context, d *db.DB) error {
	var state string
	err := d.View(ctx, func(tx *db.Tx) (err error) { state, err = readState(ctx, tx); return err })
	if err == nil && state == stateFilling {
		return ErrHalfFilled
	}
	return err
}

// claim marks an empty database as being filled, in the transaction that
// finds it empty, so that two servers started with --demo at once do not
// both fill it. It is false for a database with a finished demo or staff
// of its own.
func claim(ctx context.Context, d *db.DB) (bool, error) {
	claimed := false
	err := d.Update(ctx, func(tx *db.Tx) error {
		switch state, err := readState(ctx, tx); {
		case err != nil:
			return err
		case state == stateFilling:
			return ErrHalfFilled
		case state != "":
			return nil
		}
		n, err := tx.Count(ctx, "SELECT count(*) FROM staff")
		if err != nil || n > 0 {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", stateKey, stateFilling, tx.Now)
		if db.IsUniqueViolation(err) {
			return ErrHalfFilled // another server claimed it a moment ago
		}
		claimed = err == nil
		return err
	})
	return claimed, err
}

func readState(ctx context.Context, tx *db.Tx) (string, error) {
	var state string
	err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", stateKey).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return state, err
}

func setState(ctx context.Context, d *db.DB, state string) error {
	return d.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE settings SET value = ?, updated_at = ? WHERE key = ?", state, tx.Now, stateKey)
		return err
	})
}

// seedOrg names the group and builds the demo's org tree and staff.
func seedOrg(ctx context.Context, d *db.DB) error {
	orgs := &org.Service{DB: d}
	name := "华城地产集团"
	if _, err := orgs.Update(ctx, "GROUP", org.Update{Name: &name}); err != nil {
		return err
	}
	for _, nd := range nodes {
		_, err := orgs.Create(ctx, org.NewNode{ParentCode: nd.parent, Kind: nd.kind, Code: nd.code, Name: nd.name})
		if err != nil && !apperr.Is(err, apperr.Conflict) {
			return fmt.Errorf("node %s: %w", nd.code, err)
		}
	}
	as := auth.NewService(d)
	for _, l := range Logins {
		_, err := as.CreateStaff(ctx, auth.NewStaff{Login: l.Login, Name: l.Name, NodeCode: l.Org, Password: Password,
			Grants: []auth.NewGrant{{Role: l.Role, NodeCode: l.Org}}})
		if err != nil {
			return fmt.Errorf("staff %s: %w", l.Login, err)
		}
	}
	return nil
}
