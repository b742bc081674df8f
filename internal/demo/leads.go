package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/lead"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/points"
)

// leadProjects are the sales sites with leads, and their consultants
// besides pd.consultant.
var leadProjects = []struct {
	code        string
	consultants [][2]string // login, name
}{
	{"SH-PD", [][2]string{{"pd.sales2", "周敏（置业顾问）"}, {"pd.sales3", "吴昊（置业顾问）"}}},
	{"SH-MH", [][2]string{{"mh.sales1", "郑爽（置业顾问）"}, {"mh.sales2", "王磊（置业顾问）"}}},
	{"HZ-XH", [][2]string{{"xh.sales1", "林静（置业顾问）"}, {"xh.sales2", "黄勇（置业顾问）"}}},
	{"GZ-TH", [][2]string{{"th.sales1", "何佳（置业顾问）"}, {"th.sales2", "罗斌（置业顾问）"}}},
}

var leadSurnames = []string{"张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"}

var leadGiven = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "杰", "军", "勇", "丽", "涛", "明"}

// seedLeads plays 60 days of the sales sites through the lead service,
// with the database's clock moved day by day: walk-ins and calls, status
// changes and follow-ups, some deals, neglected leads back in the pool,
// and yesterday's sheet of SH-PD signed off.
func seedLeads(ctx context.Context, d *db.DB, keys *pii.Keys) error {
	ms := &member.Service{DB: d, Keys: keys}
	svc := &lead.Service{DB: d, Keys: keys, Members: ms, Points: &points.Service{DB: d, Members: ms}}
	as := auth.NewService(d)
	staff := map[string][]*auth.Staff{}
	pd, err := as.StaffByLogin(ctx, "pd.consultant")
	if err != nil {
		return err
	}
	staff["SH-PD"] = append(staff["SH-PD"], pd)
	for _, p := range leadProjects {
		for _, c := range p.consultants {
			st, err := as.CreateStaff(ctx, auth.NewStaff{Login: c[0], Name: c[1], NodeCode: p.code, Password: Password,
				Grants: []auth.NewGrant{{Role: auth.SalesConsultant, NodeCode: p.code}}})
			if err != nil {
				return fmt.Errorf("demo consultant %s: %w", c[0], err)
			}
			staff[p.code] = append(staff[p.code], st)
		}
	}
	clock := d.Clock
	defer func() { d.Clock = clock }()
	cst := time.FixedZone("CST", 8*3600)
	today := clock().In(cst)
	rng := rand.New(rand.NewPCG(2026, 5))
	media := lead.DefaultConfig().Media
	lost := lead.DefaultConfig().LostReasons
	as1 := func(st *auth.Staff) context.Context {
		return db.WithActor(ctx, db.Actor{Kind: "staff", ID: st.ID, Login: st.Login})
	}
	type open struct {
		id    int64
		owner *auth.Staff
	}
	var leads []open
	n, deals := 0, 0
	for back := 60; back >= 1; back-- {
		day := time.Date(today.Year(), today.Month(), today.Day(), 10, 0, 0, 0, cst).AddDate(0, 0, -back)
		for _, p := range leadProjects {
			for range 1 + rng.IntN(2) {
				n++
				day = day.Add(time.Duration(20+rng.IntN(40)) * time.Minute)
				d.Clock = func() time.Time { return day }
				owner := staff[p.code][rng.IntN(len(staff[p.code]))]
				src := lead.Visit
				if rng.IntN(3) == 0 {
					src = lead.Call
				}
				g := "male"
				if rng.IntN(2) == 0 {
					g = "female"
				}
				res, err := svc.Register(as1(owner), lead.Registration{ProjectCode: p.code, Source: src, Mobile: fmt.Sprintf("137%08d", 10_000+n),
					Surname: leadSurnames[rng.IntN(len(leadSurnames))], Gender: g, Media: media[rng.IntN(len(media))], OwnerID: &owner.ID})
				if err != nil {
					return fmt.Errorf("demo lead %d: %w", n, err)
				}
				leads = append(leads, open{res.Lead.ID, owner})
			}
		}
		// Consultants follow up on earlier leads; some move on, some are lost.
		for i := range leads {
			l := &leads[i]
			if l.id == 0 || rng.IntN(8) != 0 {
				continue
			}
			day = day.Add(5 * time.Minute)
			d.Clock = func() time.Time { return day }
			c := as1(l.owner)
			switch k := rng.IntN(10); {
			case k < 5:
				_, err = svc.AddFollowUp(c, l.id, lead.FollowUpInput{Channel: lead.ByPhone, Content: "电话回访，客户仍在比较"})
			case k < 7:
				_, err = svc.ChangeStatus(c, l.id, lead.B, lead.Update{Reason: "二次到访"})
				if err == nil {
					_, err = svc.AddFollowUp(c, l.id, lead.FollowUpInput{Channel: lead.ByVisit, Content: "带看样板间"})
				}
			case k < 8:
				_, err = svc.ChangeStatus(c, l.id, lead.NoIntent, lead.Update{LostReason: &lost[rng.IntN(len(lost))], Reason: "客户放弃"})
				l.id = 0
			case k < 9:
				_, err = svc.ChangeStatus(c, l.id, lead.A, lead.Update{Reason: "有意认购"})
			default:
				name := leadGiven[rng.IntN(len(leadGiven))]
				if _, err = svc.ChangeStatus(c, l.id, lead.A, lead.Update{Name: &name, Reason: "确定购买"}); err == nil {
					kind := lead.Subscription
					if rng.IntN(2) == 0 {
						kind = lead.Contract
					}
					deals++ // each deal its own unit
					_, err = svc.RecordDeal(c, l.id, lead.DealInput{Kind: kind, Building: fmt.Sprint(1 + deals%9), Unit: fmt.Sprintf("%d%02d", 2+deals/9, 1+deals%4)})
				}
				l.id = 0
			}
			if err != nil {
				return fmt.Errorf("demo follow-up: %w", err)
			}
		}
	}
	d.Clock = clock
	sys := db.WithActor(ctx, db.Actor{Kind: "system", Login: "demo"})
	if _, err := svc.ReturnToPool(sys); err != nil {
		return err
	}
	// Yesterday at SH-PD: the paper agrees with the system; signed off.
	yday := today.AddDate(0, 0, -1)
	day := db.DateOf(yday.Year(), yday.Month(), yday.Day())
	rc, err := svc.Reconcile(sys, "SH-PD", day)
	if err != nil {
		return err
	}
	var counts []lead.SheetCount
	for _, l := range rc.Lines {
		if l.StaffID != 0 {
			counts = append(counts, lead.SheetCount{StaffID: l.StaffID, Visits: l.SystemVisits, Calls: l.SystemCalls})
		}
	}
	admin := db.WithActor(ctx, db.Actor{Kind: "staff", Login: "pd.admin"})
	if len(counts) > 0 {
		if _, err := svc.EnterSheet(admin, "SH-PD", day, counts); err != nil {
			return err
		}
	}
	_, err = svc.SignOff(admin, "SH-PD", day, "演示：纸质登记与系统一致")
	return err
}
