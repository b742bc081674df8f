// Package audit keeps the append-only log (审计日志) of every write and every
// reveal or export of personal data: who, when, what, before → after.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/db"
)

// Entry is one line of the audit log.
type Entry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	ActorKind  string    `json:"actor_kind"`
	ActorID    *int64    `json:"actor_id,omitempty"`
	ActorLogin string    `json:"actor_login"`
	Action     string    `json:"action"` // e.g. "org.create", "staff.role.grant", "member.reveal"
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	NodePath   string    `json:"-"`
	Summary    string    `json:"summary"`
	Before     string    `json:"before,omitempty"` // JSON of the object before
	After      string    `json:"after,omitempty"`  // JSON of the object after
	IP         string    `json:"ip,omitempty"`
	RequestID  string    `json:"request_id,omitempty"`
}

// Change describes one write for Record.
type Change struct {
	Action     string
	ObjectType string
	ObjectID   any
	NodePath   string // the org scope the object belongs to
	Summary    string
	Before     any // marshalled to JSON; nil for creations
	After      any // marshalled to JSON; nil for deletions
}

// Record appends c to the log inside tx, as tx's actor at tx's time, with
// its personal data masked (see mask.go).
func Record(ctx context.Context, tx *db.Tx, c Change) error {
	m := newMasker(c.ObjectType)
	before, err := marshal(m, c.Before)
	if err != nil {
		return err
	}
	after, err := marshal(m, c.After)
	if err != nil {
		return err
	}
	a := tx.Actor
	var actorID *int64
	if a.ID != 0 {
		actorID = &a.ID
	}
	_, err = tx.Exec(ctx, `INSERT INTO audit_log
		(at, actor_kind, actor_id, actor_login, action, object_type, object_id, node_path, summary, before_data, after_data, ip, request_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.Now, a.Kind, actorID, m.text(a.Login), c.Action, c.ObjectType, m.text(fmt.Sprint(c.ObjectID)), c.NodePath,
		m.text(c.Summary), before, after, a.IP, a.RequestID)
	if err != nil {
		return fmt.Errorf("audit %s: %w", c.Action, err)
	}
	return nil
}

func marshal(m masker, v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit: marshal: %w", err)
	}
	return m.json(b)
}

// Filter selects entries. Zero fields select everything.
type Filter struct {
	ActorLogin string
	Action     string // exact, or a prefix ending in "." ("staff.")
	ObjectType string
	ObjectID   string
	From, To   time.Time // To is exclusive
	// ScopePaths limits entries to objects under these org paths; entries
	// with no org scope are visible only when Unscoped is set.
	ScopePaths []string
	Unscoped   bool
	Offset     int
	Limit      int
}

// List returns the entries matching f, newest first, and their total count.
func List(ctx context.Context, d *db.DB, f Filter) ([]Entry, int, error) {
	where, args := f.where()
	var (
		out   []Entry
		total int
	)
	err := d.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM audit_log"+where, args...); err != nil {
			return err
		}
		limit := f.Limit
		if limit <= 0 || limit > 500 {
			limit = 50
		}
		rows, err := tx.Query(ctx, `SELECT id, at, actor_kind, actor_id, actor_login, action, object_type, object_id,
			node_path, summary, before_data, after_data, ip, request_id FROM audit_log`+where+
			` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Entry
			if err := rows.Scan(&e.ID, &e.At, &e.ActorKind, &e.ActorID, &e.ActorLogin, &e.Action, &e.ObjectType,
				&e.ObjectID, &e.NodePath, &e.Summary, &e.Before, &e.After, &e.IP, &e.RequestID); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list audit log: %w", err)
	}
	return out, total, nil
}

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, a ...any) { conds = append(conds, cond); args = append(args, a...) }
	if f.ActorLogin != "" {
		add("actor_login = ?", f.ActorLogin)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add(`action LIKE ? ESCAPE '\'`, db.Like(f.Action)+"%")
		} else {
			add("action = ?", f.Action)
		}
	}
	if f.ObjectType != "" {
		add("object_type = ?", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = ?", f.ObjectID)
	}
	if !f.From.IsZero() {
		add("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		add("at < ?", f.To.UTC())
	}
	if !f.Unscoped {
		c, a := db.PathsWhere("node_path", f.ScopePaths)
		add(c, a...)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}
