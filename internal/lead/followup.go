package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/validate"
)

// Channel is how a follow-up reached the customer.
type Channel string

// The follow-up channels.
const (
	ByPhone  Channel = "phone"  // 电话
	ByVisit  Channel = "visit"  // 到访 (counts as a visit)
	ByWeChat Channel = "wechat" // 微信
	BySMS    Channel = "sms"    // 短信
	ByOther  Channel = "other"
)

var channelLabels = map[Channel][2]string{ByPhone: {"电话", "Phone"}, ByVisit: {"到访", "Visit"}, ByWeChat: {"微信", "WeChat"},
	BySMS: {"短信", "SMS"}, ByOther: {"其他", "Other"}}

// Label is the channel's name in lang.
func (c Channel) Label(lang string) string { return label(channelLabels, c, lang) }

// FollowUpInput is a follow-up (跟进) to record.
type FollowUpInput struct {
	Channel Channel           `json:"channel"`
	Content string            `json:"content"`
	Answers map[string]string `json:"answers"` // the stage's questionnaire, by question key
	// NextAction and NextDue are the next step; empty takes the status's
	// configured action and day.
	NextAction string `json:"next_action"`
	NextDue    string `json:"next_due"` // YYYY-MM-DD
}

// FollowUp is a recorded follow-up.
type FollowUp struct {
	ID         int64             `json:"id"`
	LeadID     int64             `json:"lead_id"`
	StaffID    *int64            `json:"staff_id,omitempty"`
	StaffName  string            `json:"staff_name"`
	ByOwner    bool              `json:"by_owner"` // only the owner's follow-ups keep the lead from the pool
	Status     Status            `json:"status"`
	Channel    Channel           `json:"channel"`
	Content    string            `json:"content"`
	Answers    map[string]string `json:"answers"`
	NextAction string            `json:"next_action"`
	NextDue    db.Date           `json:"next_due"`
	DueWas     db.Date           `json:"due_was"` // the due day this follow-up answered
	At         time.Time         `json:"at"`
}

// checkAnswers checks answers against the status's questionnaire.
func (c *Config) checkAnswers(st Status, answers map[string]string) (map[string]string, error) {
	qs := c.Questionnaires[st]
	out := map[string]string{}
	for k, v := range answers {
		i := slices.IndexFunc(qs, func(q Question) bool { return q.Key == k })
		if i < 0 {
			return nil, apperr.Field("answers."+k, "本阶段问卷没有这道题", "the stage's questionnaire has no such question")
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if len(qs[i].Options) > 0 && !slices.Contains(qs[i].Options, v) {
			return nil, apperr.Field("answers."+k, "请从选项中选择："+strings.Join(qs[i].Options, "、"), "choose one of the options")
		}
		if utf8.RuneCountInString(v) > 500 {
			return nil, apperr.Field("answers."+k, "回答最多 500 字", "an answer has at most 500 characters")
		}
		out[k] = v
	}
	for _, q := range qs {
		if q.Required && out[q.Key] == "" {
			return nil, apperr.Field("answers."+q.Key, "请回答："+q.Text, "answer: "+q.Text)
		}
	}
	return out, nil
}

// AddFollowUp records a follow-up of a lead by the acting staff member: its
// owner, or the project's sales manager (mayWork). The owner's follow-up is a valid one: it keeps the lead from going back to the
// pool. A follow-up by visit also counts as the lead's visit (and renews the
// owner's protection).
func (s *Service) AddFollowUp(ctx context.Context, leadID int64, in FollowUpInput) (*FollowUp, error) {
	if _, ok := channelLabels[in.Channel]; !ok {
		return nil, apperr.Field("channel", "跟进方式不正确", "unknown follow-up channel")
	}
	content, err := validate.Required("content", in.Content)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(content) > 2000 {
		return nil, apperr.Field("content", "跟进内容最多 2000 字", "at most 2000 characters")
	}
	var due db.Date
	if strings.TrimSpace(in.NextDue) != "" {
		t, err := validate.Date("next_due", in.NextDue)
		if err != nil {
			return nil, err
		}
		due = db.Date{Time: t}
	}
	var out *FollowUp
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		staff, err := actorStaff(tx)
		if err != nil {
			return err
		}
		r, err := s.load(ctx, tx, leadID, true)
		if err != nil {
			return err
		}
		if err := mayWork(ctx, tx, r); err != nil {
			return err
		}
		cfg, err := configFor(ctx, tx, r.NodePath)
		if err != nil {
			return err
		}
		answers, err := cfg.checkAnswers(r.Status, in.Answers)
		if err != nil {
			return err
		}
		action := strings.TrimSpace(in.NextAction)
		if action == "" {
			na := cfg.NextActions[r.Status]
			action = na.Action
			if due.IsZero() && na.Action != "" {
				due = addDays(dayOf(tx.Now), na.Days)
			}
		}
		if !due.IsZero() && due.Before(dayOf(tx.Now).Time) {
			return apperr.Field("next_due", "下次跟进日期不能早于今天", "the next follow-up cannot be in the past")
		}
		if action != "" && due.IsZero() {
			return apperr.Field("next_due", "请填写下次跟进日期", "the next step needs a day")
		}
		byOwner := r.OwnerID != nil && *r.OwnerID == staff
		raw, _ := json.Marshal(answers)
		id, err := tx.InsertID(ctx, `INSERT INTO lead_follow_ups (lead_id, staff_id, by_owner, status, channel, content, answers, next_action, next_due, due_was, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, leadID, staff, byOwner, r.Status, in.Channel, content, string(raw), action, due, r.NextDue, tx.Now)
		if err != nil {
			return err
		}
		touch := ""
		if byOwner {
			touch = ", touched_at = ?"
		}
		args := []any{action, due, tx.Now}
		if byOwner {
			args = append(args, tx.Now)
		}
		if _, err := tx.Exec(ctx, "UPDATE leads SET next_action = ?, next_due = ?, updated_at = ?"+touch+" WHERE id = ?", append(args, leadID)...); err != nil {
			return err
		}
		if err := record(ctx, tx, leadID, "follow_up", r.NextAction+" "+r.NextDue.String(), action+" "+due.String(),
			in.Channel.Label("zh-CN")+"："+truncate(content, 80)); err != nil {
			return err
		}
		if in.Channel == ByVisit {
			if err := s.visit(ctx, tx, cfg, r, staff, tx.Now); err != nil {
				return err
			}
		}
		out = &FollowUp{ID: id, LeadID: leadID, StaffID: &staff, ByOwner: byOwner, Status: r.Status, Channel: in.Channel, Content: content,
			Answers: answers, NextAction: action, NextDue: due, DueWas: r.NextDue, At: tx.Now}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add follow-up: %w", err)
	}
	return out, nil
}

// FollowUps lists a lead's follow-ups, newest first.
func (s *Service) FollowUps(ctx context.Context, leadID int64) ([]FollowUp, error) {
	out := []FollowUp{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT f.id, f.lead_id, f.staff_id, COALESCE(st.name, ''), f.by_owner, f.status, f.channel, f.content, f.answers,
			f.next_action, f.next_due, f.due_was, f.at FROM lead_follow_ups f LEFT JOIN staff st ON st.id = f.staff_id
			WHERE f.lead_id = ? ORDER BY f.id DESC`, leadID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var f FollowUp
			var answers string
			if err := rows.Scan(&f.ID, &f.LeadID, &f.StaffID, &f.StaffName, &f.ByOwner, &f.Status, &f.Channel, &f.Content, &answers,
				&f.NextAction, &f.NextDue, &f.DueWas, &f.At); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(answers), &f.Answers); err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
