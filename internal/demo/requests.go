package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/filestore"
	"estateclub/internal/member"
	"estateclub/internal/privacy"
	"estateclub/internal/request"
	"estateclub/internal/survey"
)

// A year of requests and complaints (诉求), played through the request
// service with the database's clock moved to each step's moment, so that
// histories, due times, escalations and the monthly report are real:
// departments per city with their staff and routing rules, about 300
// requests across the projects, handled the way staff do — taken or
// assigned, answered, some waiting for the member, transferred, noted,
// resolved with a topic, confirmed or closed by the daily job, rated (a few
// badly, flagged), reopened, merged as duplicates — and a few neglected
// ones the escalation job (run twice a day) escalates once or twice. Steps
// planned after today do not happen, so the latest requests stand in every
// state of the queue.

// reqCity is a city's staff for requests: customer relations (客户会, also
// planning and engineering) and property (物业).
type reqCity struct {
	code, relations, relationsName, property, propertyName string
	projects                                               []string
}

var reqCities = []reqCity{
	{"SH", "sh.relations", "", "pd.property", "", []string{"SH-PD", "SH-MH"}},
	{"HZ", "hz.relations", "郑琳（杭州客户关系）", "hz.property", "陆斌（杭州物业）", []string{"HZ-BJ", "HZ-XH"}},
	{"GZ", "gz.relations", "黄欣（广州客户关系）", "gz.property", "梁志（广州物业）", []string{"GZ-TH", "GZ-PY"}},
	{"SZ", "sz.relations", "邓佳（深圳客户关系）", "sz.property", "许涛（深圳物业）", []string{"SZ-NS", "SZ-LG"}},
}

// reqTopic is what members write about, with the topic staff give it.
type reqTopic struct {
	kind    request.Kind
	sub     request.Subkind
	topic   string
	text    string
	weight  int
	summer  bool // more in June to August (rain, heat)
	channel request.Channel
}

var reqTopics = []reqTopic{
	{request.Complaint, request.SubProperty, "漏水", "卫生间天花板渗水，楼上住户家里好像漏水了，已经影响到我家吊顶，请尽快安排维修。", 8, true, ""},
	{request.Complaint, request.SubProperty, "漏水", "地下车库 B2 层顶板漏水，下雨时车位上积水，车都被淋了。", 5, true, ""},
	{request.Complaint, request.SubProperty, "电梯故障", "3 号楼电梯这周停了两次，有老人被困了十几分钟，请物业重视。", 6, false, request.Phone},
	{request.Complaint, request.SubProperty, "停车", "访客车位经常被外来车辆长期占用，业主朋友来了没地方停。", 6, false, ""},
	{request.Complaint, request.SubProperty, "噪音", "隔壁楼装修晚上九点后还在电钻施工，孩子没法睡觉。", 5, true, request.Phone},
	{request.Complaint, request.SubProperty, "门禁", "单元门禁刷卡经常失灵，外卖员随意进出，存在安全隐患。", 4, false, ""},
	{request.Complaint, request.SubProperty, "垃圾清运", "小区垃圾站夏天味道很大，清运不及时，希望增加清运次数。", 3, true, ""},
	{request.Complaint, request.SubService, "服务态度", "售楼处客服电话总是占线，接通后态度也很敷衍。", 4, false, request.Phone},
	{request.Complaint, request.SubService, "活动报名", "会员活动报名后没有收到确认短信，到场才知道名额已满。", 4, false, ""},
	{request.Complaint, request.SubOther, "会员卡", "会员卡在合作商家使用时，店员说系统查不到我的等级。", 3, false, request.Site},
	{request.Privacy, request.SubDataStorage, "资料保存", "想了解我的个人资料保存在哪里、保存多久，是否提供给第三方。", 2, false, request.Email},
	{request.Privacy, request.SubLostPassword, "账号找回", "换了手机号以后登录不了会员中心，请帮我找回账号。", 2, false, request.Phone},
	{request.Correction, request.SubProfile, "资料修改", "我的手机号码已更换，会员资料里的生日也登记错了，请协助修改。", 4, false, request.Site},
	{request.Correction, request.SubPoints, "积分未到账", "推荐朋友购房已经签约，但推荐积分还没有到账。", 5, false, request.Phone},
	{request.Suggestion, request.SubEvents, "亲子活动", "建议多办一些周末亲子活动，例如手工课或者户外徒步。", 4, false, ""},
	{request.Suggestion, request.SubPublications, "电子会刊", "会刊能否同时提供电子版，方便在手机上阅读。", 2, false, request.Forum},
	{request.Suggestion, request.SubWebsite, "网站速度", "网站上的积分兑换页面加载很慢，希望优化。", 2, false, request.Forum},
	{request.Suggestion, request.SubProperty, "游乐设施", "儿童游乐区的地垫有破损，建议更换为更安全的材料。", 3, false, ""},
	{request.Suggestion, request.SubOther, "", "希望小区能开一家便利店，晚上买东西不方便。", 2, false, request.Forum},
}

// reqDept is a department's staff: the first is its head, who assigns.
type reqDept struct{ staff []*auth.Staff }

// reqWorld is what the play needs: the service, the staff by login and
// department, the members by project and city.
type reqWorld struct {
	d       *db.DB
	svc     *request.Service
	surveys *survey.Service
	staff   map[string]*auth.Staff
	depts   map[int64]*reqDept
	byCity  map[string]map[string]int64 // city → department code → id
	members map[string][]reqMember      // project or city code → active members
	rng     *rand.Rand
}

// seedRequests plays the year of requests.
func seedRequests(ctx context.Context, d *db.DB, ms *member.Service) error {
	// Ratings come through the survey engine as in production; the demo
	// sends no texts.
	sv := &survey.Service{DB: d, Keys: ms.Keys, Members: ms}
	w := &reqWorld{d: d, svc: &request.Service{DB: d, Keys: ms.Keys}, surveys: sv, staff: map[string]*auth.Staff{},
		depts: map[int64]*reqDept{}, byCity: map[string]map[string]int64{}, rng: rand.New(rand.NewPCG(2026, 14))}
	sv.RateRequests(w.svc, false)
	privacy.Wire(d, ms.Keys, &filestore.Store{DB: d, Keys: ms.Keys}, w.svc, survey.Area{S: sv})
	if err := w.setUp(ctx); err != nil {
		return err
	}
	if err := w.loadMembers(ctx); err != nil {
		return err
	}
	portal, err := ms.ByMobile(ctx, PortalMobile)
	if err != nil {
		return err
	}
	clock := d.Clock
	defer func() { d.Clock = clock }()
	now := clock()
	pipl, err := w.reservePIPL(now)
	if err != nil {
		return err
	}
	steps := w.plan(ctx, now, portal.ID)
	more, err := w.piplSteps(ctx, now, portal.ID, pipl)
	if err != nil {
		return err
	}
	steps = append(steps, more...)
	slices.SortStableFunc(steps, func(a, b reqStep) int { return a.at.Compare(b.at) })
	for _, s := range steps {
		if !s.at.Before(now) {
			break
		}
		at := s.at
		d.Clock = func() time.Time { return at }
		if err := s.do(); err != nil {
			return fmt.Errorf("demo request step at %s: %w", at.In(china()).Format("2006-01-02 15:04"), err)
		}
	}
	return nil
}

func china() *time.Location { return time.FixedZone("CST", 8*3600) }

// setUp makes the request staff, the departments of each city (and the
// group's brand department) and the routing rules.
func (w *reqWorld) setUp(ctx context.Context) error {
	as := auth.NewService(w.d)
	get := func(login, name string, role auth.Role, node string) error {
		st, err := as.StaffByLogin(ctx, login)
		if err != nil {
			st, err = as.CreateStaff(ctx, auth.NewStaff{Login: login, Name: name, NodeCode: node, Password: Password,
				Grants: []auth.NewGrant{{Role: role, NodeCode: node}}})
		}
		w.staff[login] = st
		return err
	}
	if err := get("brand", "高远（集团品牌部）", auth.CustomerRelations, "GROUP"); err != nil {
		return err
	}
	for _, c := range reqCities {
		if err := get(c.relations, c.relationsName, auth.CustomerRelations, c.code); err != nil {
			return err
		}
		if err := get(c.property, c.propertyName, auth.PropertyStaff, c.code); err != nil {
			return err
		}
	}
	node := func(code string) (int64, error) {
		var id int64
		err := w.d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT id FROM org_nodes WHERE code = ?", code).Scan(&id)
		})
		return id, err
	}
	dept := func(nodeID int64, code string, staff ...string) (int64, error) {
		in := request.DepartmentInput{NodeID: nodeID, Code: code}
		rd := &reqDept{}
		for _, l := range staff {
			in.StaffIDs = append(in.StaffIDs, w.staff[l].ID)
			rd.staff = append(rd.staff, w.staff[l])
		}
		dp, err := w.svc.SaveDepartment(ctx, 0, in, nil)
		if err != nil {
			return 0, fmt.Errorf("department %s: %w", code, err)
		}
		w.depts[dp.ID] = rd
		return dp.ID, nil
	}
	rule := func(nodeID int64, k request.Kind, sub request.Subkind, deptID int64) error {
		_, err := w.svc.SaveRule(ctx, request.RuleInput{NodeID: nodeID, Kind: k, Subkind: sub, DepartmentID: deptID}, nil)
		return err
	}
	group, err := node("GROUP")
	if err != nil {
		return err
	}
	brand, err := dept(group, "brand", "brand")
	if err != nil {
		return err
	}
	for _, sub := range []request.Subkind{request.SubPublications, request.SubWebsite} {
		if err := rule(group, request.Suggestion, sub, brand); err != nil {
			return err
		}
	}
	for _, c := range reqCities {
		city, err := node(c.code)
		if err != nil {
			return err
		}
		w.byCity[c.code] = map[string]int64{}
		for _, dd := range []struct {
			code  string
			staff []string
		}{{"customer_relations", []string{c.relations}}, {"property", []string{c.property}},
			{"engineering", []string{c.property, c.relations}}, {"planning", []string{c.relations}}} {
			id, err := dept(city, dd.code, dd.staff...)
			if err != nil {
				return err
			}
			w.byCity[c.code][dd.code] = id
		}
		m := w.byCity[c.code]
		for _, r := range []struct {
			k    request.Kind
			sub  request.Subkind
			dept string
		}{{request.Complaint, "", "customer_relations"}, {request.Complaint, request.SubProperty, "property"},
			{request.Privacy, "", "customer_relations"}, {request.Correction, "", "customer_relations"},
			{request.Suggestion, request.SubEvents, "planning"}, {request.Suggestion, request.SubProperty, "engineering"}} {
			if err := rule(city, r.k, r.sub, m[r.dept]); err != nil {
				return err
			}
		}
	}
	return nil
}

// reqMember is a member who may file requests from the day they joined.
type reqMember struct {
	id     int64
	joined time.Time
}

// loadMembers reads up to 60 active members of each project and city.
func (w *reqWorld) loadMembers(ctx context.Context) error {
	w.members = map[string][]reqMember{}
	return w.d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT n.code, m.id, m.joined_at FROM members m JOIN org_nodes n ON n.path = m.node_path
			WHERE m.status = 'active' AND m.joined_at IS NOT NULL ORDER BY m.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var m reqMember
			if err := rows.Scan(&code, &m.id, &m.joined); err != nil {
				return err
			}
			if len(w.members[code]) < 60 {
				w.members[code] = append(w.members[code], m)
			}
		}
		return rows.Err()
	})
}

// reqStep is one thing that happens at a moment.
type reqStep struct {
	at time.Time
	do func() error
}
