package request

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

const requestColumns = `r.id, COALESCE(r.no, ''), r.member_id, r.node_path, r.project_path, COALESCE(pn.name, ''),
	r.kind, r.subkind, r.channel, r.text, r.status,
	r.department_id, COALESCE(d.name, ''), COALESCE(d.name_en, ''), r.assignee_id, COALESCE(st.name, ''),
	r.respond_due_at, r.due_at, r.responded_at, r.resolved_at, r.paused_at, r.escalation, r.reopened, r.merged_into,
	r.topic, r.rating, r.flagged, COALESCE(ap.name, ''), r.copy_file_id, r.version, r.created_at, r.updated_at, r.closed_at, r.text_enc`

const requestFrom = ` FROM requests r LEFT JOIN staff st ON st.id = r.assignee_id
	LEFT JOIN request_departments d ON d.id = r.department_id LEFT JOIN staff ap ON ap.id = r.approved_by
	LEFT JOIN org_nodes pn ON r.project_path <> '' AND pn.path = r.project_path`

func scan(sc interface{ Scan(...any) error }) (*Request, error) {
	var r Request
	err := sc.Scan(&r.ID, &r.No, &r.MemberID, &r.NodePath, &r.ProjectPath, &r.ProjectName, &r.Kind, &r.Subkind, &r.Channel, &r.Text, &r.Status,
		&r.DepartmentID, &r.Department, &r.DepartmentEN, &r.AssigneeID, &r.Assignee,
		&r.RespondDueAt, &r.DueAt, &r.RespondedAt, &r.ResolvedAt, &r.PausedAt, &r.Escalation, &r.Reopened, &r.MergedInto,
		&r.Topic, &r.Rating, &r.Flagged, &r.ApprovedBy, &r.CopyFileID, &r.Version, &r.CreatedAt, &r.UpdatedAt, &r.ClosedAt, &r.textEnc)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("诉求", "request")
	}
	return &r, err
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// get reads a request with its own files (not its messages') and history, its text opened.
func (s *Service) get(ctx context.Context, tx *db.Tx, id int64) (*Request, error) {
	r, err := scan(tx.QueryRow(ctx, "SELECT "+requestColumns+requestFrom+" WHERE r.id = ?", id))
	if err != nil {
		return nil, err
	}
	if err := s.openText(r); err != nil {
		return nil, err
	}
	if r.Files, err = s.files(ctx, tx, id, false); err != nil {
		return nil, err
	}
	// The messages' files go with their messages (see messages).
	r.Files = slices.DeleteFunc(r.Files, func(f File) bool { return f.MessageID != nil })
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

// Get reads one request with its files, history and messages, internal
// notes included (oldest first). The caller checks that the staff member
// may see it.
func (s *Service) Get(ctx context.Context, id int64) (*Request, error) {
	var r *Request
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		if r, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		r.Messages, err = s.messages(ctx, tx, id, true)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get request: %w", err)
	}
	return r, nil
}

// GetForMember reads a member's own request with the replies to them; another
// member's request is not found.
func (s *Service) GetForMember(ctx context.Context, id, memberID int64) (*Request, error) {
	var r *Request
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		if r, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		if r.MemberID != memberID {
			return apperr.NotFoundf("诉求", "request")
		}
		r.Messages, err = s.messages(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get request: %w", err)
	}
	return r, nil
}

// messages reads a request's messages, opened; internal notes only if internal.
func (s *Service) messages(ctx context.Context, tx *db.Tx, id int64, internal bool) ([]Message, error) {
	q := `SELECT m.id, m.author_kind, COALESCE(st.name, ''), m.internal, m.body_enc, m.created_at FROM request_messages m
		LEFT JOIN staff st ON m.author_kind = 'staff' AND st.id = m.author_id WHERE m.request_id = ?`
	if !internal {
		q += " AND NOT m.internal"
	}
	rows, err := tx.Query(ctx, q+" ORDER BY m.id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		var m Message
		var enc []byte
		if err := rows.Scan(&m.ID, &m.AuthorKind, &m.Author, &m.Internal, &enc, &m.At); err != nil {
			return nil, err
		}
		if m.Body, err = s.Keys.Open(enc, messageAAD(m.ID)); err != nil {
			return nil, fmt.Errorf("open message %d: %w", m.ID, err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	all, err := s.files(ctx, tx, id, internal)
	if err != nil {
		return nil, err
	}
	for _, f := range all {
		for i := range out {
			if f.MessageID != nil && *f.MessageID == out[i].ID {
				out[i].Files = append(out[i].Files, f)
			}
		}
	}
	return out, nil
}

func textAAD(id int64) string { return pii.AAD("requests.text", id) }

// OpenText is a request's text from its columns: the sealed one, or the
// clear one of a row written before texts were sealed.
func OpenText(keys *pii.Keys, id int64, text string, enc []byte) (string, error) {
	if enc == nil {
		return text, nil
	}
	return keys.Open(enc, textAAD(id))
}

func (s *Service) openText(r *Request) (err error) {
	r.Text, err = OpenText(s.Keys, r.ID, r.Text, r.textEnc)
	r.textEnc = nil
	return err
}

// ForMember lists a member's requests, newest first, without files and
// history.
func (s *Service) ForMember(ctx context.Context, memberID int64, offset, limit int) ([]Request, int, error) {
	return s.list(ctx, " WHERE r.member_id = ?", []any{memberID}, offset, limit)
}

// Filter selects requests for staff.
type Filter struct {
	Scope   *Scope // where the caller may see requests; nil: everywhere
	Status  Status
	Kind    Kind
	Subkind Subkind
	Channel Channel
	// Assignee keeps the requests of one staff member ("mine").
	Assignee int64
	// Departments keeps the requests of these departments ("my department").
	Departments []int64
	// Overdue keeps requests past their first-response or resolution due time.
	Overdue bool
	Flagged bool   // rated 1–2
	No      string // a request number, or part of one
	Offset  int
	Limit   int
}

// List returns the requests matching f, newest first, without files and
// history, and their total count.
func (s *Service) List(ctx context.Context, f Filter) ([]Request, int, error) {
	var conds []string
	var args []any
	if f.Scope != nil {
		c, a := f.Scope.where()
		conds, args = append(conds, c), append(args, a...)
	}
	if f.Status != "" {
		conds, args = append(conds, "r.status = ?"), append(args, f.Status)
	}
	if f.Kind != "" {
		conds, args = append(conds, "r.kind = ?"), append(args, f.Kind)
	}
	if f.Subkind != "" {
		conds, args = append(conds, "r.subkind = ?"), append(args, f.Subkind)
	}
	if f.Channel != "" {
		conds, args = append(conds, "r.channel = ?"), append(args, f.Channel)
	}
	if f.Assignee != 0 {
		conds, args = append(conds, "r.assignee_id = ?"), append(args, f.Assignee)
	}
	if f.Departments != nil {
		if len(f.Departments) == 0 {
			conds = append(conds, "1 = 0")
		} else {
			conds = append(conds, "r.department_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.Departments)), ", ")+")")
			for _, d := range f.Departments {
				args = append(args, d)
			}
		}
	}
	if f.Overdue {
		now := s.DB.Clock().UTC()
		conds = append(conds, OverdueSQL)
		args = append(args, now, now)
	}
	if f.Flagged {
		conds = append(conds, "r.flagged")
	}
	if f.No != "" {
		conds, args = append(conds, "r.no LIKE ? ESCAPE '\\'"), append(args, "%"+db.Like(strings.ToUpper(f.No))+"%")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	return s.list(ctx, where, args, f.Offset, f.Limit)
}

// OverdueSQL keeps requests r past a due time; its two arguments are now.
const OverdueSQL = `r.status IN ('open', 'assigned', 'in_progress') AND
	((r.responded_at IS NULL AND r.respond_due_at < ?) OR r.due_at < ?)`

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
			if err := s.openText(r); err != nil {
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

// LastReplies is the time of the latest reply to the member (from staff or
// the system, never an internal note) of each of the requests ids that has
// one.
func (s *Service) LastReplies(ctx context.Context, ids []int64) (map[int64]time.Time, error) {
	out := map[int64]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		// The newest message's own row, so that its time keeps its type
		// (SQLite's MAX of a time column is a string).
		rows, err := tx.Query(ctx, `SELECT m.request_id, m.created_at FROM request_messages m WHERE m.id IN
			(SELECT MAX(id) FROM request_messages WHERE request_id IN (`+in+`) AND NOT internal AND author_kind <> 'member'
			GROUP BY request_id)`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				return err
			}
			out[id] = at
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("last replies: %w", err)
	}
	return out, nil
}
