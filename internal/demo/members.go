package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/member"
)

// MemberCount is how many demo members Seed makes.
const MemberCount = 5000

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建文红梅亮晨婷浩宇欣怡子涵梓轩雨泽一诺思远嘉怡俊豪晓雪佳琪志强海燕春燕国庆丹丹")
	// Interests used for targeting (休闲/商务/行业 and finer tags).
	tags = []string{"高尔夫", "亲子", "理财", "红酒", "摄影", "旅游", "瑜伽", "读书", "马拉松", "茶道", "美食", "艺术收藏",
		"商务社交", "投资置业", "创业", "健康养生", "宠物", "汽车", "教育", "家居设计"}
	occupations = []string{"企业主", "公司职员", "公务员", "医生", "教师", "律师", "金融从业者", "IT 工程师", "自由职业", "退休"}
	// Mobile prefixes in use (13x, 15x, 18x, 19x …).
	prefixes = []string{"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157", "158", "159", "166", "177", "180", "181", "186", "187", "188", "189", "191", "198", "199"}
	// Where members joined, weighted towards the projects.
	joinNodes = []string{"SH-PD", "SH-PD", "SH-MH", "HZ-BJ", "HZ-XH", "GZ-TH", "GZ-PY", "SZ-NS", "SZ-LG", "SH", "HZ", "GZ", "SZ"}
	districts = map[string]string{"SH": "上海市浦东新区", "HZ": "浙江省杭州市西湖区", "GZ": "广东省广州市天河区", "SZ": "广东省深圳市南山区"}
)

// demoMembers generates n realistic applications, deterministically.
func demoMembers(n int) []member.Application {
	r := rand.New(rand.NewPCG(2026, 11))
	channels := []member.Channel{member.SalesSite, member.SalesSite, member.SalesSite, member.Purchase, member.Purchase,
		member.ServiceCenter, member.Online, member.Merchant, member.Public}
	out := make([]member.Application, 0, n)
	for i := range n {
		name := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))])
		if r.IntN(3) > 0 {
			name += string(given[r.IntN(len(given))])
		}
		node := joinNodes[r.IntN(len(joinNodes))]
		city := strings.Split(node, "-")[0]
		a := member.Application{
			NodeCode:   node,
			Channel:    channels[r.IntN(len(channels))],
			Name:       name,
			Mobile:     fmt.Sprintf("%s%08d", prefixes[r.IntN(len(prefixes))], (i*7919+r.IntN(7919))%100000000),
			Occupation: occupations[r.IntN(len(occupations))],
			Consent:    member.Consent{SMS: r.IntN(10) < 8, Email: r.IntN(10) < 5, Post: r.IntN(10) < 3, How: "入会申请表签字"},
		}
		for range 1 + r.IntN(3) {
			a.Tags = append(a.Tags, tags[r.IntN(len(tags))])
		}
		if r.IntN(10) < 4 {
			a.IDNumber = idNumber(r)
		} else if r.IntN(2) == 0 {
			a.Birthday = fmt.Sprintf("%d-%02d-%02d", 1955+r.IntN(45), 1+r.IntN(12), 1+r.IntN(28))
			a.Gender = []string{"男", "女"}[r.IntN(2)]
		}
		if r.IntN(2) == 0 {
			a.Address = fmt.Sprintf("%s%s路%d号%d室", districts[city], []string{"滨江", "世纪", "文三", "天河", "科技", "人民"}[r.IntN(6)], 1+r.IntN(999), 101+r.IntN(2800))
		}
		if a.Channel == member.Purchase && strings.Contains(node, "-") {
			y := 2018 + r.IntN(8)
			a.Properties = []member.PropertyInput{{ProjectCode: node, Building: fmt.Sprintf("%d栋", 1+r.IntN(20)),
				Unit: fmt.Sprintf("%d%02d", 2+r.IntN(30), 1+r.IntN(4)), ContractDate: fmt.Sprintf("%d-%02d-%02d", y, 1+r.IntN(12), 1+r.IntN(28)),
				HandoverDate: fmt.Sprintf("%d-%02d-%02d", y+2, 1+r.IntN(12), 1+r.IntN(28))}}
		}
		out = append(out, a)
	}
	return out
}

// idNumber makes a valid 18-digit ID number (GB 11643 check digit).
func idNumber(r *rand.Rand) string {
	regions := []string{"310115", "330106", "440106", "440305", "320102", "110105"}
	body := fmt.Sprintf("%s%d%02d%02d%03d", regions[r.IntN(len(regions))], 1955+r.IntN(45), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000))
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * weights[i]
	}
	return body + string("10X98765432"[sum%11])
}

// seedMembers enrols the demo members: most approved, some awaiting review,
// some returned, some still default members.
func seedMembers(ctx context.Context, d *db.DB, ms *member.Service) error {
	apps := demoMembers(MemberCount)
	const batch = 500
	var ids []int64
	for i := 0; i < len(apps); i += batch {
		res, err := ms.ApplyBatch(ctx, apps[i:min(i+batch, len(apps))], member.BatchOptions{Application: true, Source: "import",
			NodePath: "/1/", Summary: "演示数据"})
		if err != nil {
			return err
		}
		for _, r := range res {
			if r.Err != nil {
				return fmt.Errorf("demo member: %w", r.Err)
			}
			if r.Outcome == member.Created {
				ids = append(ids, r.MemberID)
			}
		}
	}
	// 70 % approved, 10 % returned, the rest left pending for the review queue.
	var approve, ret []int64
	for i, id := range ids {
		switch {
		case i%10 < 7:
			approve = append(approve, id)
		case i%10 == 7:
			ret = append(ret, id)
		}
	}
	if _, err := ms.ReviewMany(ctx, approve, true, ""); err != nil {
		return err
	}
	if _, err := ms.ReviewMany(ctx, ret, false, "申请表缺少本人签名"); err != nil {
		return err
	}
	// Walk-ins who only left a number: default members.
	r := rand.New(rand.NewPCG(7, 7))
	var walkIns []member.Application
	for i := range 300 {
		walkIns = append(walkIns, member.Application{NodeCode: joinNodes[r.IntN(9)], Channel: member.SalesSite,
			Mobile: fmt.Sprintf("1770%07d", i*13+r.IntN(13))})
	}
	_, err := ms.ApplyBatch(ctx, walkIns, member.BatchOptions{Source: "import", NodePath: "/1/", Summary: "演示来访登记"})
	return err
}

// backdate spreads the demo members' registration and joining over the
// last two years up to this month, so that growth charts and date filters
// show something: a club is not born in one afternoon. Applications still
// awaiting review came in over the last three weeks, returned ones over the
// last two months, as a live review queue looks.
func backdate(ctx context.Context, d *db.DB) error {
	return d.Update(ctx, func(tx *db.Tx) error {
		type row struct {
			id     int64
			status string
			joined bool
		}
		rows, err := tx.Query(ctx, "SELECT id, status, joined_at IS NOT NULL FROM members ORDER BY id")
		if err != nil {
			return err
		}
		var ms []row
		for rows.Next() {
			var m row
			if err := rows.Scan(&m.id, &m.status, &m.joined); err != nil {
				rows.Close()
				return err
			}
			ms = append(ms, m)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		r := rand.New(rand.NewPCG(11, 23))
		for i, m := range ms {
			// Older members first, more of them recently (the club grows).
			frac := float64(i) / float64(len(ms))
			days := int((1 - frac*frac) * 720)
			switch member.Status(m.status) {
			case member.Pending:
				days = r.IntN(21)
			case member.Returned:
				days = 3 + r.IntN(57)
			}
			created := tx.Now.AddDate(0, 0, -days).Add(-time.Duration(r.IntN(86400)) * time.Second)
			joined := created.Add(time.Duration(1+r.IntN(72)) * time.Hour)
			if joined.After(tx.Now) {
				joined = tx.Now
			}
			var joinedAt, reviewedAt any // NULL unless joined or reviewed
			if m.joined {
				joinedAt = joined
			}
			if m.status != string(member.Pending) {
				reviewedAt = joined
			}
			if _, err := tx.Exec(ctx, "UPDATE members SET created_at = ?, updated_at = ?, joined_at = ? WHERE id = ?",
				created, created, joinedAt, m.id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE member_applications SET submitted_at = ?,
				reviewed_at = CASE WHEN reviewed_at IS NULL THEN reviewed_at ELSE ? END WHERE member_id = ?`,
				created, reviewedAt, m.id); err != nil {
				return err
			}
		}
		return nil
	})
}
