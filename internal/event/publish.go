package event

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
)

// NoticeJobKind is the background job that texts an event's notice to the
// members it was published to who consented to SMS.
const NoticeJobKind = "event.notice"

// checkTarget validates a target: nodes are city companies or projects
// within the scope, tiers exist, at most 20 tags.
func checkTarget(ctx context.Context, tx *db.Tx, t *Target, within *Scope) error {
	slices.Sort(t.NodeIDs)
	t.NodeIDs = slices.Compact(t.NodeIDs)
	t.NodePaths = nil
	for _, id := range t.NodeIDs {
		var path, kind string
		err := tx.QueryRow(ctx, "SELECT path, kind FROM org_nodes WHERE id = ?", id).Scan(&path, &kind)
		if err != nil || (kind != "city" && kind != "project") || !within.Allows(path) {
			return apperr.Field("target.node_ids", "发布对象须为您管理范围内的城市公司或项目", "the audience's nodes must be city companies or projects within your scope")
		}
		t.NodePaths = append(t.NodePaths, path)
	}
	slices.Sort(t.Tiers)
	t.Tiers = slices.Compact(t.Tiers)
	for _, code := range t.Tiers {
		n, err := tx.Count(ctx, "SELECT count(*) FROM tiers WHERE code = ?", code)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field("target.tiers", "会员等级“"+code+"”不存在", "there is no tier “"+code+"”")
		}
	}
	var tags []string
	for _, tag := range t.Tags {
		if tag = strings.TrimSpace(tag); tag != "" {
			if utf8.RuneCountInString(tag) > 20 {
				return apperr.Field("target.tags", "兴趣标签不能超过 20 字", "a tag has at most 20 characters")
			}
			tags = append(tags, tag)
		}
	}
	slices.Sort(tags)
	t.Tags = slices.Compact(tags)
	if len(t.Tags) > 20 {
		return apperr.Field("target.tags", "兴趣标签最多 20 个", "at most 20 tags")
	}
	return nil
}

// audience is the SQL condition over members m of the event's audience:
// active members who joined within the target's nodes (else the event's
// node) and match every other condition.
func audience(e *Event, t Target) (string, []any) {
	paths := t.NodePaths
	if len(paths) == 0 {
		paths = []string{e.NodePath}
	}
	w, args := db.PathsWhere("m.node_path", paths)
	conds := []string{"m.status = 'active'", w}
	if len(t.Tiers) > 0 {
		conds = append(conds, "m.tier IN (?"+strings.Repeat(", ?", len(t.Tiers)-1)+")")
		for _, x := range t.Tiers {
			args = append(args, x)
		}
	}
	if len(t.Tags) > 0 {
		conds = append(conds, "EXISTS (SELECT 1 FROM member_tags g WHERE g.member_id = m.id AND g.tag IN (?"+strings.Repeat(", ?", len(t.Tags)-1)+"))")
		for _, x := range t.Tags {
			args = append(args, x)
		}
	}
	if t.OwnsProperty != nil {
		own := "EXISTS (SELECT 1 FROM member_properties p WHERE p.member_id = m.id)"
		if !*t.OwnsProperty {
			own = "NOT " + own
		}
		conds = append(conds, own)
	}
	return strings.Join(conds, " AND "), args
}

// Preview counts the members an event would be published to with target,
// and how many of them consented to SMS (预览人数).
func (s *Service) Preview(ctx context.Context, id int64, t Target, within *Scope) (members, texted int, err error) {
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		e, err := load(ctx, tx, id)
		if err != nil {
			return err
		}
		if !within.Allows(e.NodePath) {
			return errNotFound()
		}
		if err := checkTarget(ctx, tx, &t, within); err != nil {
			return err
		}
		w, args := audience(e, t)
		if members, err = tx.Count(ctx, "SELECT count(*) FROM members m WHERE "+w, args...); err != nil {
			return err
		}
		texted, err = tx.Count(ctx, "SELECT count(*) FROM members m WHERE m.consent_sms AND "+w, args...)
		return err
	})
	return members, texted, err
}

// Publish publishes an approved event to the members target chooses and
// queues the text notice to those of them who consented to SMS.
func (s *Service) Publish(ctx context.Context, id int64, t Target, within *Scope) (*Event, error) {
	e, err := s.step(ctx, id, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status == Published {
			return "", "", nil
		}
		if e.Status != Approved {
			return "", "", errStatus(e, "只有已批准的活动可以发布", "only an approved event can be published")
		}
		if !tx.Now.Before(e.Deadline) {
			return "", "", apperr.Field("deadline", "报名截止时间已过，请先修改方案", "registration would already be closed; revise the proposal first")
		}
		if err := checkTarget(ctx, tx, &t, within); err != nil {
			return "", "", err
		}
		js, err := targetJSON(t)
		if err != nil {
			return "", "", err
		}
		_, err = tx.Exec(ctx, "UPDATE events SET status = ?, target = ?, published_at = ? WHERE id = ?", Published, js, tx.Now, id)
		return "published", "", err
	})
	if err != nil {
		return nil, err
	}
	if err := s.queueNotice(ctx, e); err != nil {
		slog.Warn("queue event notice", "event", e.ID, "err", err)
	}
	return e, nil
}

func (s *Service) queueNotice(ctx context.Context, e *Event) error {
	if s.Jobs == nil {
		_, err := s.SendNotices(ctx, e.ID)
		return err
	}
	params, _ := json.Marshal(map[string]int64{"event_id": e.ID})
	_, err := s.Jobs.Enqueue(ctx, jobs.New{Kind: NoticeJobKind, Params: string(params), NodePath: e.NodePath,
		CreatedBy: db.ActorFrom(ctx).ID, Key: fmt.Sprintf("event:%d:notice", e.ID)})
	return err
}

// NoticeJob runs the queued text notices of published events.
func (s *Service) NoticeJob() jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, _ []byte, progress func(done, total int64)) (*jobs.Result, error) {
		var p struct {
			EventID int64 `json:"event_id"`
		}
		if err := json.Unmarshal([]byte(j.Params), &p); err != nil {
			return nil, err
		}
		n, err := s.SendNotices(ctx, p.EventID)
		if err != nil {
			return nil, err
		}
		sum, _ := json.Marshal(map[string]int{"texted": n})
		progress(int64(n), int64(n))
		return &jobs.Result{Summary: string(sum)}, nil
	}
}

// SendNotices texts the event's notice to every member of its audience who
// consented to SMS and was not texted about it yet; safe to run again. It
// returns how many it texted.
func (s *Service) SendNotices(ctx context.Context, id int64) (int, error) {
	if s.SMS == nil || s.Members == nil {
		return 0, nil
	}
	var e *Event
	var ids []int64
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		if e, err = load(ctx, tx, id); err != nil {
			return err
		}
		w, args := audience(e, e.Target)
		ids, err = tx.IDs(ctx, `SELECT m.id FROM members m WHERE m.consent_sms AND `+w+`
			AND NOT EXISTS (SELECT 1 FROM event_texts t WHERE t.event_id = ? AND t.member_id = m.id AND t.purpose = 'notice') ORDER BY m.id`,
			append(args, id)...)
		return err
	})
	if err != nil || e.Status != Published {
		return 0, err
	}
	msg := fmt.Sprintf("【客户会】活动“%s”%s 在%s举行，欢迎登录会员中心报名。", e.Theme, e.StartsAt.In(china).Format("1月2日 15:04"), e.Venue)
	n := 0
	for _, m := range ids {
		sent, err := s.textOnce(ctx, id, m, "notice", msg)
		if err != nil {
			return n, err
		}
		if sent {
			n++
		}
	}
	return n, nil
}

// textOnce texts a member about an event once per purpose, if they
// consented: the row is claimed first, so a retry texts nobody twice.
func (s *Service) textOnce(ctx context.Context, eventID, memberID int64, purpose, msg string) (bool, error) {
	if s.SMS == nil || s.Members == nil {
		return false, nil
	}
	var mobile string
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "INSERT INTO event_texts (event_id, member_id, purpose, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
			eventID, memberID, purpose, tx.Now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		mobile, err = s.Members.TextContact(ctx, tx, memberID)
		return err
	})
	if err != nil || mobile == "" {
		return false, err
	}
	if _, err := s.SMS.Send(ctx, mobile, "event", msg); err != nil {
		slog.Warn("text event notice", "event", eventID, "member", memberID, "err", err)
	}
	return true, nil
}

// Visible reports whether a published event is published to the member.
func visible(ctx context.Context, tx *db.Tx, e *Event, memberID int64) (bool, error) {
	w, args := audience(e, e.Target)
	n, err := tx.Count(ctx, "SELECT count(*) FROM members m WHERE m.id = ? AND "+w, append([]any{memberID}, args...)...)
	return n > 0, err
}
