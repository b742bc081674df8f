package lead

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// aad binds a lead's mobile ciphertext to its column and blind index.
func aad(mobileIdx string) string { return "lead.mobile:" + mobileIdx }

const leadColumns = `l.id, l.project_id, n.code, n.name, l.node_path, l.mobile_enc, l.mobile_idx, l.surname, l.name, l.gender,
	l.source, l.media, l.lost_reason, l.status, l.fields, l.owner_id, COALESCE(o.name, ''), l.in_pool, l.assigned_at, l.touched_at,
	l.protected_until, l.referrer_member_id, l.member_id, l.next_action, l.next_due, l.status_at, l.registered_by, l.created_at, l.updated_at`

const leadFrom = ` FROM leads l JOIN org_nodes n ON n.id = l.project_id LEFT JOIN staff o ON o.id = l.owner_id`

// row is a lead as stored, with its sealed mobile.
type row struct {
	Lead
	mobileEnc []byte
	mobileIdx string
}

func scanLead(sc interface{ Scan(...any) error }) (*row, error) {
	var r row
	l := &r.Lead
	var fields string
	err := sc.Scan(&l.ID, &l.ProjectID, &l.ProjectCode, &l.ProjectName, &l.NodePath, &r.mobileEnc, &r.mobileIdx, &l.Surname, &l.Name, &l.Gender,
		&l.Source, &l.Media, &l.LostReason, &l.Status, &fields, &l.OwnerID, &l.OwnerName, &l.InPool, &l.AssignedAt, &l.TouchedAt,
		&l.ProtectedUntil, &l.ReferrerMemberID, &l.MemberID, &l.NextAction, &l.NextDue, &l.StatusAt, &l.RegisteredBy, &l.CreatedAt, &l.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("线索", "lead")
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(fields), &l.Fields); err != nil {
		return nil, fmt.Errorf("lead %d fields: %w", l.ID, err)
	}
	if l.Fields == nil {
		l.Fields = map[string]string{}
	}
	return &r, nil
}

// mask fills the displayed mobile.
func (s *Service) mask(r *row) error {
	m, err := s.Keys.Open(r.mobileEnc, aad(r.mobileIdx))
	if err != nil {
		return fmt.Errorf("lead %d: decrypt mobile: %w", r.ID, err)
	}
	r.Mobile = pii.MaskMobile(m)
	return nil
}

// mobileOf decrypts a lead's mobile, for enrolling the member.
func (s *Service) mobileOf(r *row) (string, error) {
	return s.Keys.Open(r.mobileEnc, aad(r.mobileIdx))
}

// load reads one lead; lock takes its row lock for a change.
func (s *Service) load(ctx context.Context, tx *db.Tx, id int64, lock bool) (*row, error) {
	q := "SELECT " + leadColumns + leadFrom + " WHERE l.id = ?"
	if lock {
		q += tx.ForUpdateOf("l")
	}
	r, err := scanLead(tx.QueryRow(ctx, q, id))
	if err != nil {
		return nil, err
	}
	return r, s.mask(r)
}

// Get reads one lead, mobile masked.
func (s *Service) Get(ctx context.Context, id int64) (*Lead, error) {
	var l *Lead
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		r, err := s.load(ctx, tx, id, false)
		if err == nil {
			l = &r.Lead
		}
		return err
	})
	return l, err
}

// Reveal returns a lead's mobile in clear for a role that may see it; the
// caller logs the reveal (as member reveals are).
func (s *Service) Reveal(ctx context.Context, id int64) (string, error) {
	var m string
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		r, err := s.load(ctx, tx, id, false)
		if err == nil {
			m, err = s.mobileOf(r)
		}
		return err
	})
	return m, err
}

// Change is one line of a lead's history.
type Change struct {
	At         time.Time `json:"at"`
	ActorKind  string    `json:"actor_kind"`
	ActorID    *int64    `json:"actor_id,omitempty"`
	ActorLogin string    `json:"actor_login"`
	Action     string    `json:"action"` // registered, status, owner, pool, follow_up, visit, claim, deal, member, fields
	Old        string    `json:"old"`
	New        string    `json:"new"`
	Reason     string    `json:"reason"`
}

// record appends one line to a lead's history, as the transaction's actor.
func record(ctx context.Context, tx *db.Tx, leadID int64, action, old, new, reason string) error {
	_, err := tx.Exec(ctx, `INSERT INTO lead_history (lead_id, at, actor_kind, actor_id, actor_login, action, old_value, new_value, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, leadID, tx.Now, tx.Actor.Kind, nullID(tx.Actor.ID), tx.Actor.Login, action, old, new, reason)
	return err
}

// History returns a lead's changes, oldest first.
func (s *Service) History(ctx context.Context, id int64) ([]Change, error) {
	out := []Change{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT at, actor_kind, actor_id, actor_login, action, old_value, new_value, reason
			FROM lead_history WHERE lead_id = ? ORDER BY id`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Change
			if err := rows.Scan(&c.At, &c.ActorKind, &c.ActorID, &c.ActorLogin, &c.Action, &c.Old, &c.New, &c.Reason); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// consultantAt checks that a staff member may own leads of the project at
// path: active, and a sales consultant or manager at or above it. It
// returns the staff member's name.
func consultantAt(ctx context.Context, tx *db.Tx, staffID int64, path, field string) (string, error) {
	var name string
	var active bool
	err := tx.QueryRow(ctx, "SELECT name, active FROM staff WHERE id = ?", staffID).Scan(&name, &active)
	if isNoRows(err) {
		return "", apperr.Field(field, "员工不存在", "no such staff member")
	}
	if err != nil {
		return "", err
	}
	if !active {
		return "", apperr.Field(field, name+" 的账号已停用，不能接手线索", name+" is inactive and cannot own leads")
	}
	n, err := tx.Count(ctx, `SELECT count(*) FROM staff_roles r JOIN org_nodes n ON n.id = r.node_id
		WHERE r.staff_id = ? AND r.role IN (?, ?) AND ? LIKE n.path || '%'`,
		staffID, string(auth.SalesConsultant), string(auth.SalesManager), path)
	if err != nil {
		return "", err
	}
	if n == 0 {
		return "", apperr.Field(field, name+" 不是该项目的置业顾问", name+" is not a sales consultant of the project")
	}
	return name, nil
}

// errNotYourLead refuses an action on a colleague's lead.
var errNotYourLead = &apperr.Error{Code: apperr.Forbidden, ZH: "只有线索的负责顾问或项目的销售经理可以操作该线索",
	EN: "only the lead's own consultant or the project's sales manager may act on this lead"}

// mayWork checks that the acting staff member may work the lead (follow
// it up, change it, record its deal). A consultant works their own leads;
// the project's sales manager (a sales_manager at or above the project)
// works any, and hands a lead to someone else by assigning it, which makes
// them its owner. A colleague's visit or call is recorded (RecordContact)
// and becomes a conflicting claim for the manager, never a change of
// another's lead. The system (jobs, imports) may always.
func mayWork(ctx context.Context, tx *db.Tx, r *row) error {
	a := tx.Actor
	if a.Kind == "system" {
		return nil
	}
	if a.Kind != "staff" || a.ID == 0 {
		return apperr.ForbiddenErr()
	}
	if r.OwnerID != nil && *r.OwnerID == a.ID {
		return nil
	}
	n, err := tx.Count(ctx, `SELECT count(*) FROM staff_roles sr JOIN org_nodes n ON n.id = sr.node_id
		WHERE sr.staff_id = ? AND sr.role = ? AND ? LIKE n.path || '%'`, a.ID, string(auth.SalesManager), r.NodePath)
	if err != nil {
		return err
	}
	if n == 0 {
		return errNotYourLead
	}
	return nil
}

// setOwner gives a lead to a staff member (or to nobody, into the pool when
// pool is set) and records it with the reason.
func setOwner(ctx context.Context, tx *db.Tx, r *row, to *int64, toName string, pool bool, action, reason string) error {
	var assigned *time.Time
	if to != nil {
		assigned = &tx.Now
	}
	// Protection belongs to the owner who earned it; a new owner starts
	// without one until their own visit.
	if _, err := tx.Exec(ctx, `UPDATE leads SET owner_id = ?, in_pool = ?, assigned_at = ?, touched_at = ?, protected_until = NULL, updated_at = ?
		WHERE id = ?`, to, pool, assigned, tx.Now, tx.Now, r.ID); err != nil {
		return err
	}
	old := ownerLabel(r.OwnerID, r.OwnerName, r.InPool)
	if err := record(ctx, tx, r.ID, action, old, ownerLabel(to, toName, pool), reason); err != nil {
		return err
	}
	r.OwnerID, r.OwnerName, r.InPool, r.AssignedAt, r.TouchedAt, r.ProtectedUntil = to, toName, pool, assigned, tx.Now, nil
	return nil
}

// ownerLabel is how the history shows an owner: "#12 王芳", "公共池", "未分配".
func ownerLabel(id *int64, name string, pool bool) string {
	switch {
	case id != nil:
		return fmt.Sprintf("#%d %s", *id, name)
	case pool:
		return "公共池"
	}
	return "未分配"
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// actorStaff is the staff member acting, or an error naming field.
func actorStaff(tx *db.Tx) (int64, error) {
	if tx.Actor.Kind != "staff" || tx.Actor.ID == 0 {
		return 0, apperr.ForbiddenErr()
	}
	return tx.Actor.ID, nil
}

// inList reports whether s is one of the choices; an empty list takes anything.
func inList(list []string, s string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
