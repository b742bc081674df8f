package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/event"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/survey"
)

// A year of club events (活动), played through the event service with the
// database's clock moved to each step's moment: this year's plan of
// Shanghai and Hangzhou, 30 events ten days apart around today — the past
// ones held with registrations, waiting lists, check-ins (a few walk-ins),
// follow-up calls, survey answers and costs, five of them closed into the
// case library and one cancelled; today's in check-in; the coming ones
// published, approved, in review, returned or drafts. The portal member
// registers for the next published one.

type evCity struct {
	code, specialist, reviewer string
	venues                     []string
}

var evCities = []evCity{
	{"SH", "sh.specialist", "sh.supervisor", []string{"滨江府会所", "云锦苑中心花园", "浦东美术馆报告厅"}},
	{"HZ", "hz.specialist", "supervisor", []string{"西湖国宾馆", "城西银泰会议室"}},
}

var evThemes = []struct {
	theme string
	kind  event.Kind
}{
	{"春季亲子游园会", event.Leisure}, {"业主答谢晚宴", event.Business}, {"高尔夫体验日", event.Leisure},
	{"家居软装讲座", event.Industry}, {"端午香囊手作", event.Leisure}, {"财富管理沙龙", event.Business},
	{"夏日亲水派对", event.Leisure}, {"少儿编程营", event.Leisure}, {"楼市趋势论坛", event.Industry},
	{"中秋游园夜", event.Leisure}, {"业主摄影展", event.Leisure}, {"健康跑", event.Leisure},
	{"红酒品鉴会", event.Business}, {"新春写福字", event.Leisure}, {"物业开放日", event.Industry},
}

var evLessons = []string{
	"提前两周发布、三天前短信提醒，到场率明显提高；亲子项目最受欢迎，下次增加名额。",
	"晚宴座位按楼栋安排便于邻里交流；菜品预算偏紧，建议按人均 300 元编制。",
	"户外活动需准备雨天预案；签到扫码速度快，现场无排队。",
	"讲座嘉宾专业度高，满意度好；场地偏小，候补较多，可考虑分两场。",
	"合作商家提供物料节省了预算；回访中业主建议增加周末场次。",
}

func seedEvents(ctx context.Context, d *db.DB, ms *member.Service, cs *card.Service) error {
	sv := &survey.Service{DB: d, Keys: ms.Keys, Members: ms}
	svc := &event.Service{DB: d, Keys: ms.Keys, Members: ms, Cards: cs, Points: &points.Service{DB: d, Members: ms}, Surveys: sv}
	as := auth.NewService(d)
	clock := d.Clock
	defer func() { d.Clock = clock }()
	now := clock()
	at := func(t time.Time) { d.Clock = func() time.Time { return t } }
	rng := rand.New(rand.NewPCG(2026, 15))
	loc := china()
	year := now.In(loc).Year()
	for ci, c := range evCities {
		spec, err := as.StaffByLogin(ctx, c.specialist)
		if err != nil {
			return err
		}
		rev, err := as.StaffByLogin(ctx, c.reviewer)
		if err != nil {
			return err
		}
		var node struct {
			id   int64
			path string
		}
		var mids []int64
		err = d.View(ctx, func(tx *db.Tx) error {
			if err := tx.QueryRow(ctx, "SELECT id, path FROM org_nodes WHERE code = ?", c.code).Scan(&node.id, &node.path); err != nil {
				return err
			}
			mids, err = tx.IDs(ctx, `SELECT id FROM members WHERE status = 'active' AND node_path LIKE ? AND member_no IS NOT NULL
				ORDER BY id LIMIT 80`, node.path+"%")
			return err
		})
		if err != nil {
			return err
		}
		if len(mids) < 30 {
			return fmt.Errorf("demo events: only %d members in %s", len(mids), c.code)
		}
		within := event.Within([]string{node.path})
		sctx := db.WithActor(ctx, db.Actor{Kind: "staff", ID: spec.ID, Login: spec.Login})
		rctx := db.WithActor(ctx, db.Actor{Kind: "staff", ID: rev.ID, Login: rev.Login})
		at(time.Date(year, 1, 5, 10, 0, 0, 0, loc))
		if now.Before(clock()) {
			at(now)
		}
		plan, err := svc.PlanFor(sctx, node.id, year, within)
		if err != nil {
			return err
		}
		n := 15
		for i := range n {
			k := i*2 + ci // the two cities alternate: 30 events ten days apart
			start := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 14, 0, 0, 0, loc).AddDate(0, 0, (k-22)*10)
			if k == 22 {
				start = now.Add(-time.Hour).Truncate(time.Minute)
			}
			th := evThemes[i%len(evThemes)]
			p := event.Proposal{NodeID: node.id, Kind: th.kind, Organiser: event.Host, Theme: th.theme, Goals: "增进业主交流，提升客户会口碑",
				StartsAt: start, EndsAt: start.Add(3 * time.Hour), Deadline: start.Add(-24 * time.Hour), Venue: c.venues[i%len(c.venues)],
				Capacity: 20, CompanionsMax: 1, Audience: "本城市全体正式会员", Agenda: "签到、开场、主体活动、合影", Staffing: "专员 2 人、志愿者 4 人",
				PointMode: event.FixedPoints, PointAmount: 50,
				Budget: []event.BudgetLine{{Category: event.BudgetEvents, Item: "场地与布置", AmountFen: int64(300000 + 10000*i)},
					{Category: event.BudgetEvents, Item: "宣传物料", AmountFen: 50000}}}
			if i%4 == 1 {
				p.Organiser, p.Department = event.CoHost, "营销策划部"
			}
			if i%5 == 2 {
				p.Organiser, p.Merchant = event.Merchant, "星巴克（联盟商家）"
			}
			if k == 22 {
				p.Deadline = start.Add(-time.Hour)
			}
			if start.In(loc).Year() == year && i%3 != 2 {
				plan, err = svc.AddPlanItem(sctx, plan.ID, event.PlanItemInput{Month: int(start.In(loc).Month()), Theme: th.theme, Kind: th.kind,
					BudgetFen: 400000}, within)
				if err != nil {
					return err
				}
				p.PlanItemID = plan.Items[len(plan.Items)-1].ID
				for _, it := range plan.Items {
					if it.Theme == th.theme && it.Month == int(start.In(loc).Month()) && it.EventID == nil {
						p.PlanItemID = it.ID
					}
				}
			}
			w := &evWorld{svc: svc, sv: sv, cs: cs, at: at, now: now, rng: rng, within: within, sctx: sctx, rctx: rctx, spec: spec, rev: rev,
				mids: mids, k: k, i: i}
			if err := w.play(ctx, p, start); err != nil {
				return fmt.Errorf("event %d %s: %w", k, p.Theme, err)
			}
		}
	}
	// Today's event is past its deadline: the periodic job closes its registration.
	at(now)
	_, err := svc.Advance(ctx)
	return err
}

type evWorld struct {
	svc        *event.Service
	sv         *survey.Service
	cs         *card.Service
	at         func(time.Time)
	now        time.Time
	rng        *rand.Rand
	within     *event.Scope
	sctx, rctx context.Context
	spec, rev  *auth.Staff
	mids       []int64
	k, i       int
}

// stage is how far an event goes: 0 draft, 1 returned, 2 in review, 3
// approved, 4 published, 5 held, 6 closed; -1 cancelled.
func (w *evWorld) stage() int {
	switch {
	case w.k == 11:
		return -1
	case w.k < 22 && w.k%4 == 1 && w.k < 20:
		return 6
	case w.k <= 22:
		return 5
	case w.k <= 25:
		return 4
	}
	return map[int]int{26: 3, 27: 2, 28: 1, 29: 0}[w.k]
}

func (w *evWorld) play(ctx context.Context, p event.Proposal, start time.Time) error {
	stage := w.stage()
	prep := start.AddDate(0, 0, -30)
	if w.k >= 23 {
		prep = w.now.Add(time.Duration(w.k-30) * 24 * time.Hour)
	}
	w.at(prep)
	e, err := w.svc.Propose(w.sctx, p, w.spec.ID, w.within)
	if err != nil || stage == 0 {
		return err
	}
	if _, err := w.svc.Submit(w.sctx, e.ID, w.within); err != nil {
		return err
	}
	if stage == 2 {
		return nil
	}
	if w.k%3 == 0 || stage == 1 {
		w.at(prep.Add(2 * time.Hour))
		if _, err := w.svc.Review(w.rctx, e.ID, event.ReviewInput{ReviewerID: w.rev.ID, Comments: "请补充雨天预案并细化物料预算"}, w.within); err != nil {
			return err
		}
		if stage == 1 {
			return nil
		}
		w.at(prep.Add(26 * time.Hour))
		if _, err := w.svc.Submit(w.sctx, e.ID, w.within); err != nil {
			return err
		}
	}
	w.at(prep.Add(50 * time.Hour))
	if _, err := w.svc.Review(w.rctx, e.ID, event.ReviewInput{ReviewerID: w.rev.ID, Approve: true, Comments: "同意",
		Unplanned: w.within.Paths}, w.within); err != nil {
		return err
	}
	if stage == 3 {
		return nil
	}
	w.at(prep.Add(72 * time.Hour))
	if _, err := w.svc.Publish(w.sctx, e.ID, event.Target{}, w.within); err != nil {
		return err
	}
	// Registrations: 20 seats, 24–29 members, a few with a companion.
	regAt := prep.Add(96 * time.Hour)
	order := w.rng.Perm(len(w.mids))
	want := 24 + w.rng.IntN(6)
	for j := range want {
		m := w.mids[order[j]]
		w.at(regAt.Add(time.Duration(j) * 37 * time.Minute))
		comp := 0
		if j%7 == 3 {
			comp = 1
		}
		if _, err := w.svc.Register(db.WithActor(ctx, db.Actor{Kind: "member", ID: m}), e.ID, event.RegisterInput{MemberID: m, Companions: comp}, nil); err != nil {
			return err
		}
	}
	w.at(regAt.Add(40 * time.Hour))
	for j := range 2 { // two cancel; the first waiting take their seats
		m := w.mids[order[j*5]]
		if _, err := w.svc.CancelRegistration(db.WithActor(ctx, db.Actor{Kind: "member", ID: m}), e.ID, m, nil); err != nil {
			return err
		}
	}
	if stage == -1 {
		_, err := w.svc.Cancel(w.sctx, e.ID, "场地临时检修，活动取消", w.within)
		return err
	}
	if stage == 4 {
		return nil
	}
	// The day: most of the registered come, two walk in.
	regs, _, err := w.svc.Registrations(w.sctx, e.ID, event.RegFilter{Status: event.Registered, Limit: 100}, w.within)
	if err != nil {
		return err
	}
	for j, r := range regs {
		if j%6 == 5 {
			continue
		}
		w.at(start.Add(time.Duration(j-25) * time.Minute))
		in := event.CheckInInput{MemberID: r.MemberID, StaffID: w.spec.ID}
		if cards, _ := w.cs.CardsOf(w.sctx, r.MemberID); len(cards) > 0 && cards[0].Usable() {
			in = event.CheckInInput{CardNumber: cards[0].Number, StaffID: w.spec.ID}
		}
		if _, err := w.svc.CheckIn(w.sctx, e.ID, in, w.within); err != nil {
			return err
		}
	}
	for j := range 2 {
		m := w.mids[order[len(order)-1-j]]
		if _, err := w.svc.CheckIn(w.sctx, e.ID, event.CheckInInput{MemberID: m, WalkIn: true, StaffID: w.spec.ID}, w.within); err != nil {
			return err
		}
	}
	end := start.Add(3*time.Hour + time.Minute)
	if !end.Before(w.now) {
		return nil // today's event: still on
	}
	w.at(end)
	if _, err := w.svc.MarkHeld(w.sctx, e.ID, w.within); err != nil {
		return err
	}
	w.at(end.Add(20 * time.Hour))
	calls, err := w.svc.MakeCalls(w.sctx, e.ID, []int64{w.spec.ID}, w.within)
	if err != nil {
		return err
	}
	outcomes := []event.Outcome{event.Reached, event.Reached, event.Reached, event.NoAnswer, event.Declined, event.Reached, event.WrongNumber}
	notes := []string{"对活动很满意，希望多办亲子类", "建议提前通知停车安排", "", "", "", "希望下次可以带两位家人", ""}
	for j, c := range calls {
		if j%5 == 4 {
			continue // not called yet
		}
		if _, err := w.svc.RecordCall(w.sctx, c.ID, outcomes[j%len(outcomes)], notes[j%len(notes)], w.within); err != nil {
			return err
		}
	}
	if _, err := w.svc.SendSurvey(w.sctx, e.ID, w.within); err != nil {
		return err
	}
	if err := w.answer(ctx, e.ID, end.Add(30*time.Hour)); err != nil {
		return err
	}
	w.at(end.Add(48 * time.Hour))
	if _, err := w.svc.AddCost(w.sctx, e.ID, event.CostInput{BudgetLine: event.BudgetLine{Category: event.BudgetEvents, Item: "场地与布置",
		AmountFen: int64(280000 + w.rng.IntN(60000))}, Receipt: receiptPNG, ReceiptName: "场地发票.png"}, w.within); err != nil {
		return err
	}
	if _, err := w.svc.AddCost(w.sctx, e.ID, event.CostInput{BudgetLine: event.BudgetLine{Category: event.BudgetEvents, Item: "宣传物料",
		AmountFen: 42000}}, w.within); err != nil {
		return err
	}
	if stage == 6 {
		w.at(end.Add(72 * time.Hour))
		_, err = w.svc.Close(w.sctx, e.ID, evLessons[(w.k/4)%len(evLessons)], w.within)
	}
	return err
}

// answer has most attendees answer the survey, a few unhappy.
func (w *evWorld) answer(ctx context.Context, eventID int64, when time.Time) error {
	sys, err := w.sv.System(ctx, "event")
	if err != nil {
		return err
	}
	var invites [][2]int64
	err = w.svc.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, member_id FROM survey_invites WHERE survey_id = ? AND subject = 'event' AND subject_id = ? ORDER BY id",
			sys.ID, eventID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v [2]int64
			if err := rows.Scan(&v[0], &v[1]); err != nil {
				return err
			}
			invites = append(invites, v)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	comments := []string{"活动组织得很好，孩子玩得很开心", "签到很快，工作人员热情", "希望场地再大一些", ""}
	for j, v := range invites {
		if j%4 == 3 {
			continue
		}
		w.at(when.Add(time.Duration(j) * time.Hour))
		rating, nps := 4+w.rng.IntN(2), 7+w.rng.IntN(4)
		if j%9 == 8 {
			rating, nps = 2, 4
		}
		answers := []survey.Answer{{QuestionID: sys.Questions[0].ID, Value: &rating}, {QuestionID: sys.Questions[1].ID, Value: &nps}}
		if c := comments[j%len(comments)]; c != "" {
			answers = append(answers, survey.Answer{QuestionID: sys.Questions[2].ID, Text: c})
		}
		if err := w.sv.Answer(db.WithActor(ctx, db.Actor{Kind: "member", ID: v[1]}), v[0], v[1], answers); err != nil {
			return err
		}
	}
	return nil
}

// receiptPNG is a tiny PNG standing in for a photographed receipt.
var receiptPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
