// Package demo fills an empty database with a realistic demonstration
// club: one group, two regions, four city companies, eight projects, a
// staff member for every role, members and their membership cards, a
// year of points and a redemption catalogue with its orders.
package demo

import (
	"context"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
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

// Seed fills d if it holds no staff yet; it reports whether it did.
func Seed(ctx context.Context, d *db.DB, keys *pii.Keys) (bool, error) {
	var n int
	if err := d.View(ctx, func(tx *db.Tx) (err error) {
		n, err = tx.Count(ctx, "SELECT count(*) FROM staff")
		return err
	}); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	ctx = db.WithActor(ctx, db.Actor{Kind: "system", Login: "demo"})
	orgs := &org.Service{DB: d}
	name := "华城地产集团"
	if _, err := orgs.Update(ctx, "GROUP", org.Update{Name: &name}); err != nil {
		return false, err
	}
	for _, nd := range nodes {
		_, err := orgs.Create(ctx, org.NewNode{ParentCode: nd.parent, Kind: nd.kind, Code: nd.code, Name: nd.name})
		if err != nil && !apperr.Is(err, apperr.Conflict) {
			return false, fmt.Errorf("demo node %s: %w", nd.code, err)
		}
	}
	as := auth.NewService(d)
	for _, l := range Logins {
		_, err := as.CreateStaff(ctx, auth.NewStaff{Login: l.Login, Name: l.Name, NodeCode: l.Org, Password: Password,
			Grants: []auth.NewGrant{{Role: l.Role, NodeCode: l.Org}}})
		if err != nil {
			return false, fmt.Errorf("demo staff %s: %w", l.Login, err)
		}
	}
	if err := seedMembers(ctx, d, &member.Service{DB: d, Keys: keys}); err != nil {
		return false, fmt.Errorf("demo members: %w", err)
	}
	if err := seedCards(ctx, d, &card.Service{DB: d, Secret: keys.CardQRSecret()}); err != nil {
		return false, fmt.Errorf("demo cards: %w", err)
	}
	if err := seedPoints(ctx, d, &member.Service{DB: d, Keys: keys}); err != nil {
		return false, fmt.Errorf("demo points: %w", err)
	}
	if err := seedRedeem(ctx, d, &member.Service{DB: d, Keys: keys}); err != nil {
		return false, fmt.Errorf("demo redemptions: %w", err)
	}
	if err := seedPortal(ctx, d, &member.Service{DB: d, Keys: keys}, &card.Service{DB: d, Secret: keys.CardQRSecret()}); err != nil {
		return false, fmt.Errorf("demo portal member: %w", err)
	}
	if err := backdate(ctx, d); err != nil {
		return false, fmt.Errorf("demo dates: %w", err)
	}
	if err := seedLeads(ctx, d, keys); err != nil {
		return false, fmt.Errorf("demo leads: %w", err)
	}
	return true, nil
}
