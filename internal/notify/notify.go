// Package notify tells staff about work that needs them (提醒): a request
// escalated past its due time, a request routed to their department, a low
// satisfaction score. Notices are written in the transaction that causes
// them, in both languages, with the page that handles them, and shown in
// the console until read.
package notify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"estateclub/internal/db"
)

// Note is what staff are told.
type Note struct {
	Kind       string // "request.escalated", "request.routed" …
	ObjectType string
	ObjectID   int64
	ZH, EN     string
	Href       string // the console page that handles it
}

// Notice is a note as one staff member has it.
type Notice struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	ObjectType string     `json:"object_type"`
	ObjectID   int64      `json:"object_id"`
	ZH         string     `json:"-"`
	EN         string     `json:"-"`
	Text       string     `json:"text"` // in the reader's language
	Href       string     `json:"href"`
	CreatedAt  time.Time  `json:"created_at"`
	ReadAt     *time.Time `json:"read_at,omitempty"`
}

// In is the notice in lang.
func (n Notice) In(lang string) string {
	if lang == "en" {
		return n.EN
	}
	return n.ZH
}

// Send writes n for each of staffIDs (duplicates told once) in tx.
func Send(ctx context.Context, tx *db.Tx, staffIDs []int64, n Note) error {
	ids := slices.Clone(staffIDs)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		if _, err := tx.Exec(ctx, `INSERT INTO staff_notifications (staff_id, kind, object_type, object_id, zh, en, href, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, n.Kind, n.ObjectType, n.ObjectID, n.ZH, n.EN, n.Href, tx.Now); err != nil {
			return fmt.Errorf("notify staff %d: %w", id, err)
		}
	}
	return nil
}

// Service reads and marks staff members' notices.
type Service struct{ DB *db.DB }

// List returns a staff member's notices, newest first, unread ones only if
// unread, and how many are unread.
func (s *Service) List(ctx context.Context, staffID int64, unread bool, offset, limit int) ([]Notice, int, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	out := []Notice{}
	var n int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if n, err = tx.Count(ctx, "SELECT count(*) FROM staff_notifications WHERE staff_id = ? AND read_at IS NULL", staffID); err != nil {
			return err
		}
		where := "staff_id = ?"
		if unread {
			where += " AND read_at IS NULL"
		}
		rows, err := tx.Query(ctx, `SELECT id, kind, object_type, object_id, zh, en, href, created_at, read_at
			FROM staff_notifications WHERE `+where+` ORDER BY id DESC LIMIT ? OFFSET ?`, staffID, limit, max(offset, 0))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var x Notice
			if err := rows.Scan(&x.ID, &x.Kind, &x.ObjectType, &x.ObjectID, &x.ZH, &x.EN, &x.Href, &x.CreatedAt, &x.ReadAt); err != nil {
				return err
			}
			out = append(out, x)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list notices: %w", err)
	}
	return out, n, nil
}

// Unread counts a staff member's unread notices.
func (s *Service) Unread(ctx context.Context, staffID int64) (int, error) {
	var n int
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		n, err = tx.Count(ctx, "SELECT count(*) FROM staff_notifications WHERE staff_id = ? AND read_at IS NULL", staffID)
		return err
	})
	return n, err
}

// MarkRead marks a staff member's notices read: those of ids, or all when
// ids is empty. Another staff member's notices are left alone.
func (s *Service) MarkRead(ctx context.Context, staffID int64, ids []int64) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		if len(ids) == 0 {
			_, err := tx.Exec(ctx, "UPDATE staff_notifications SET read_at = ? WHERE staff_id = ? AND read_at IS NULL", tx.Now, staffID)
			return err
		}
		for _, id := range ids {
			if _, err := tx.Exec(ctx, "UPDATE staff_notifications SET read_at = ? WHERE id = ? AND staff_id = ? AND read_at IS NULL",
				tx.Now, id, staffID); err != nil {
				return err
			}
		}
		return nil
	})
}
