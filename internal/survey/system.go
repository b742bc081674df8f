package survey

import (
	"context"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// builtIn are the built-in surveys, by purpose: Chinese with English words.
var builtIn = map[Purpose]NewSurvey{
	Request: {Title: "诉求处理满意度", Intro: "感谢您的反馈，请为本次诉求的处理打分。", Purpose: Request, Questions: []Question{
		{Kind: Rating, Text: "您对本次诉求处理的满意度", TextEn: "How satisfied are you with how your request was handled?", Required: true},
		{Kind: Text, Text: "您的意见", TextEn: "Your comments"},
	}},
	Event: {Title: "活动满意度", Intro: "感谢您参加活动，请告诉我们您的感受。", Purpose: Event, Questions: []Question{
		{Kind: Rating, Text: "您对本次活动的满意度", TextEn: "How satisfied are you with the event?", Required: true},
		{Kind: NPS, Text: "您有多大可能向亲友推荐客户会的活动", TextEn: "How likely are you to recommend the club's events to friends?", Required: true},
		{Kind: Text, Text: "您的意见", TextEn: "Your comments"},
	}},
	Merchant: {Title: "联盟商家满意度", Intro: "请为您光顾的联盟商家打分。", Purpose: Merchant, Questions: []Question{
		{Kind: Rating, Text: "您对商家服务的满意度", TextEn: "How satisfied are you with the merchant's service?", Required: true},
		{Kind: Text, Text: "您的意见", TextEn: "Your comments"},
	}},
}

// System returns the built-in survey of a purpose (request, event,
// merchant), open and at the root of the org tree, creating it the first
// time; two servers asking at once get the same one.
func (s *Service) System(ctx context.Context, purpose string) (*Survey, error) {
	tmpl, ok := builtIn[Purpose(purpose)]
	if !ok {
		return nil, apperr.Field("purpose", "没有这种用途的系统问卷", "there is no built-in survey for this purpose")
	}
	var v *Survey
	find := func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, "SELECT id FROM surveys WHERE system_for = ?", purpose).Scan(&id)
		if err == nil {
			v, err = get(ctx, tx, id, false)
		}
		return err
	}
	err := s.DB.View(ctx, find)
	if err == nil {
		return v, nil
	}
	if !isNoRows(err) {
		return nil, fmt.Errorf("system survey: %w", err)
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := find(tx); !isNoRows(err) {
			return err // found (nil), or failed
		}
		c := tmpl
		if err := tx.QueryRow(ctx, "SELECT id FROM org_nodes WHERE parent_id IS NULL ORDER BY id LIMIT 1").Scan(&c.NodeID); err != nil {
			return err
		}
		var err error
		if v, err = create(ctx, tx, c, Purpose(purpose)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "survey.create", ObjectType: "survey", ObjectID: v.ID, NodePath: v.NodePath,
			Summary: "建立系统问卷 " + v.Title, After: v})
	})
	if db.IsUniqueViolation(err) {
		// Another server made it first (PostgreSQL; SQLite's single writer
		// found it above).
		err = s.DB.View(ctx, find)
	}
	if err != nil {
		return nil, fmt.Errorf("system survey: %w", err)
	}
	return v, nil
}
