package request

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

const requestColumns = `r.id, COALESCE(r.no, ''), r.member_id, r.node_path, r.kind, r.subkind, r.channel, r.text, r.status,
	r.department, COALESCE(st.name, ''), r.due_at, r.created_at, r.updated_at, r.closed_at`

const requestFrom = ` FROM requests r LEFT JOIN staff st ON st.id = r.assignee_id`

func scan(sc interface{ Scan(...any) error }) (*Request, error) {
	var r Request
	err := sc.Scan(&r.ID, &r.No, &r.MemberID, &r.NodePath, &r.Kind, &r.Subkind, &r.Channel, &r.Text, &r.Status,
		&r.Department, &r.Assignee, &r.DueAt, &r.CreatedAt, &r.UpdatedAt, &r.ClosedAt)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("诉求", "request")
	}
	return &r, err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// get reads a request with its photos and history.
func get(ctx context.Context, tx *db.Tx, id int64) (*Request, error) {
	r, err := scan(tx.QueryRow(ctx, "SELECT "+requestColumns+requestFrom+" WHERE r.id = ?", id))
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, "SELECT id, name, content_type, size FROM request_photos WHERE request_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	r.Photos = []Photo{}
	for rows.Next() {
		var p Photo
		if err := rows.Scan(&p.ID, &p.Name, &p.ContentType, &p.Size); err != nil {
			return nil, err
		}
		r.Photos = append(r.Photos, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	ev, err := tx.Query(ctx, "SELECT at, actor_login, action, note FROM request_events WHERE request_id = ? ORDER BY id", id)
	if err != nil {
		return nil, err
	}
	defer ev.Close()
	r.Events = []Event{}
	for ev.Next() {
		var e Event
		if err := ev.Scan(&e.At, &e.Actor, &e.Action, &e.Note); err != nil {
			return nil, err
		}
		r.Events = append(r.Events, e)
	}
	return r, ev.Err()
}

// Get reads one request with its photos and history (oldest first). The
// caller checks that the member or staff member may see it.
func (s *Service) Get(ctx context.Context, id int64) (*Request, error) {
	var r *Request
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		r, err = get(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get request: %w", err)
	}
	return r, nil
}

// Photo returns a request's photo.
func (s *Service) Photo(ctx context.Context, requestID, photoID int64) (name, contentType string, data []byte, err error) {
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT name, content_type, data FROM request_photos WHERE id = ? AND request_id = ?", photoID, requestID).
			Scan(&name, &contentType, &data)
		if isNoRows(err) {
			return apperr.NotFoundf("照片", "photo")
		}
		return err
	})
	return name, contentType, data, err
}

// ForMember lists a member's requests, newest first, without photos and
// history.
func (s *Service) ForMember(ctx context.Context, memberID int64, offset, limit int) ([]Request, int, error) {
	return s.list(ctx, " WHERE r.member_id = ?", []any{memberID}, offset, limit)
}

// Filter selects requests for staff.
type Filter struct {
	Within []string // org paths the caller may see; nil: everywhere
	Status Status
	Kind   Kind
	// Overdue keeps requests not yet resolved whose due time has passed.
	Overdue bool
	Offset  int
	Limit   int
}

// List returns the requests matching f, newest first, without photos and
// history, and their total count.
func (s *Service) List(ctx context.Context, f Filter) ([]Request, int, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("r.node_path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.Status != "" {
		conds, args = append(conds, "r.status = ?"), append(args, f.Status)
	}
	if f.Kind != "" {
		conds, args = append(conds, "r.kind = ?"), append(args, f.Kind)
	}
	if f.Overdue {
		conds, args = append(conds, "r.status NOT IN ('resolved', 'closed') AND r.due_at < ?"), append(args, s.DB.Clock().UTC())
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	return s.list(ctx, where, args, f.Offset, f.Limit)
}

func (s *Service) list(ctx context.Context, where string, args []any, offset, limit int) ([]Request, int, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []Request{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM requests r"+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+requestColumns+requestFrom+where+" ORDER BY r.id DESC LIMIT ? OFFSET ?",
			append(args, limit, max(offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, *r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list requests: %w", err)
	}
	return out, total, nil
}
