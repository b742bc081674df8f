package demo

import (
	"context"
	"fmt"

	"estateclub/internal/db"
	"estateclub/internal/pii"
	"estateclub/internal/request"
)

// demoRequests are requests and complaints members sent, for the staff
// queue: the kinds of DOMAIN.md, in members' words.
var demoRequests = []struct {
	kind    request.Kind
	subkind request.Subkind
	channel request.Channel
	text    string
}{
	{request.Complaint, request.SubProperty, request.Portal, "地下车库 B2 层的照明坏了一周，晚上回家很不安全，请尽快维修。"},
	{request.Complaint, request.SubService, request.Phone, "上周六的会员活动报名后没有收到确认短信，到场才知道名额已满。"},
	{request.Suggestion, request.SubEvents, request.Portal, "建议多办一些周末亲子活动，例如手工课或者户外徒步。"},
	{request.Correction, request.SubProfile, request.Site, "我的手机号码已更换，会员资料里的生日也登记错了，请协助修改。"},
	{request.Complaint, request.SubProperty, request.Portal, "小区东门的快递柜经常满，物业能否增加一组？"},
	{request.Suggestion, request.SubPublications, request.Forum, "会刊能否同时提供电子版，方便在手机上阅读。"},
	{request.Correction, request.SubPoints, request.Phone, "推荐朋友购房已经签约，但推荐积分还没有到账。"},
	{request.Complaint, request.SubOther, request.Portal, "会员卡在合作商家使用时，店员说系统查不到我的等级。"},
	{request.Privacy, request.SubDataStorage, request.Phone, "想了解我的个人资料保存在哪里、保存多久。"},
	{request.Suggestion, request.SubProperty, request.Portal, "儿童游乐区的地垫有破损，建议更换为更安全的材料。"},
	{request.Complaint, request.SubService, request.Site, "售楼处客服电话总是占线，希望增加接听人员。"},
	{request.Suggestion, request.SubWebsite, request.Portal, "网站上的积分兑换页面加载很慢，希望优化。"},
}

// seedRequests files the demo requests for active members of several
// projects, the portal's demo member among them.
func seedRequests(ctx context.Context, d *db.DB, keys *pii.Keys) error {
	var ids []int64
	err := d.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT m.id FROM members m WHERE m.status = 'active' AND m.id IN
			(SELECT min(id) FROM members WHERE status = 'active' GROUP BY node_path) ORDER BY m.node_path`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("no active members for the demo requests")
	}
	rs := &request.Service{DB: d, Keys: keys}
	for i, q := range demoRequests {
		_, err := rs.Submit(ctx, request.NewRequest{MemberID: ids[i%len(ids)], Kind: q.kind, Subkind: q.subkind,
			Channel: q.channel, Text: q.text})
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
	}
	return nil
}
