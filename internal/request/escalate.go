package request

import (
	"context"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/notify"
)

// Escalate finds requests past their first-response or resolution due time
// and escalates each once per level: level 1 to the supervisors nearest
// above the member's node, level 2 (escalate_hours of working time later)
// to those one level further up. Each request is escalated in its own
// transaction by a conditional update, so two servers running it at once
// escalate each request once. It returns how many escalations it made.
func (s *Service) Escalate(ctx context.Context) (int, error) {
	cal, err := s.calendar(ctx)
	if err != nil {
		return 0, err
	}
	now := s.DB.Clock().UTC()
	var ids []int64
	err = s.DB.View(ctx, func(tx *db.Tx) (err error) {
		ids, err = tx.IDs(ctx, `SELECT id FROM requests WHERE status IN ('open', 'assigned', 'in_progress') AND escalation < 2
			AND ((responded_at IS NULL AND respond_due_at < ?) OR due_at < ?) ORDER BY id`, now, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("escalate requests: %w", err)
	}
	n := 0
	for _, id := range ids {
		made, err := s.escalate(ctx, cal, id)
		if err != nil {
			return n, fmt.Errorf("escalate request %d: %w", id, err)
		}
		n += made
	}
	return n, nil
}

func (s *Service) escalate(ctx context.Context, cal Calendar, id int64) (int, error) {
	made := 0
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		made = 0
		r, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if !r.Late(tx.Now) || r.Escalation >= 2 {
			return nil
		}
		reason, missed := "resolution", r.DueAt
		if r.RespondedAt == nil && r.RespondDueAt != nil && tx.Now.After(*r.RespondDueAt) {
			reason, missed = "response", r.RespondDueAt
		}
		sla, err := slaOf(ctx, tx, r.Kind)
		if err != nil {
			return err
		}
		level := 1
		if cal.AddWorkingHours(*missed, time.Duration(sla.EscalateHours)*time.Hour).Before(tx.Now) {
			level = 2
		}
		if level <= r.Escalation {
			return nil
		}
		// The conditional update is the claim: another server that got here
		// first changed escalation, and this one changes nothing.
		res, err := tx.Exec(ctx, "UPDATE requests SET escalation = ?, version = version + 1, updated_at = ? WHERE id = ? AND escalation = ?",
			level, tx.Now, id, r.Escalation)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		levels, err := supervisors(ctx, tx, r.NodePath)
		if err != nil {
			return err
		}
		for l := r.Escalation + 1; l <= level; l++ {
			var to []int64
			switch {
			case len(levels) >= l:
				to = levels[l-1].ids
			case len(levels) > 0:
				to = levels[len(levels)-1].ids // nobody further up: the top level again
			}
			logins, err := loginsOf(ctx, tx, to)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "INSERT INTO request_escalations (request_id, level, reason, to_staff, at) VALUES (?, ?, ?, ?, ?)",
				id, l, reason, strings.Join(logins, ","), tx.Now); err != nil {
				return err
			}
			what, whatEN := "办结", "resolution"
			if reason == "response" {
				what, whatEN = "首次响应", "first response"
			}
			if err := tell(ctx, tx, r, to, notify.Note{Kind: "request.escalated", ObjectType: "request", ObjectID: id,
				ZH:   fmt.Sprintf("诉求 %s 已超过%s时限，升级到您（第 %d 级）", r.No, what, l),
				EN:   fmt.Sprintf("request %s is past its %s due time and was escalated to you (level %d)", r.No, whatEN, l),
				Href: href(id)}); err != nil {
				return err
			}
			if err := addEvent(ctx, tx, id, "escalated", fmt.Sprintf("%d", l)); err != nil {
				return err
			}
			made++
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request.escalated", ObjectType: "request", ObjectID: id, NodePath: r.NodePath,
			Summary: fmt.Sprintf("%s 逾期升级到第 %d 级", r.No, level), Before: map[string]int{"escalation": r.Escalation},
			After: map[string]any{"escalation": level, "reason": reason}})
	})
	return made, err
}

func loginsOf(ctx context.Context, tx *db.Tx, ids []int64) ([]string, error) {
	var out []string
	for _, id := range ids {
		var l string
		if err := tx.QueryRow(ctx, "SELECT login FROM staff WHERE id = ?", id).Scan(&l); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// CloseResolved closes the requests resolved more than CloseAfter days ago
// that the member has neither confirmed nor reopened. Safe to run twice.
func (s *Service) CloseResolved(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		days, err := closeAfter(ctx, tx)
		if err != nil {
			return err
		}
		ids, err := tx.IDs(ctx, "SELECT id FROM requests WHERE status = 'resolved' AND resolved_at < ? ORDER BY id",
			tx.Now.Add(-time.Duration(days)*24*time.Hour))
		if err != nil {
			return err
		}
		for _, id := range ids {
			res, err := tx.Exec(ctx, "UPDATE requests SET status = 'closed', closed_at = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = 'resolved'",
				tx.Now, tx.Now, id)
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k != 1 {
				continue
			}
			if err := addEvent(ctx, tx, id, "auto_closed", ""); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return nil
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request.auto_closed", ObjectType: "request",
			Summary: fmt.Sprintf("自动关闭 %d 条已办结 %d 天的诉求", n, days), After: map[string]any{"ids": ids}})
	})
	if err != nil {
		return 0, fmt.Errorf("close resolved requests: %w", err)
	}
	return n, nil
}
