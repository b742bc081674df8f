package member

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// ConflictFilter selects import conflicts.
type ConflictFilter struct {
	Within []string       // org paths of the members the caller may decide for (member.review)
	JobID  int64          // one import job; 0: any
	Status ConflictStatus // "": pending
	Offset int
	Limit  int // 0: 50
}

const conflictColumns = `c.id, c.job_id, c.file, c.row_num, c.member_id, COALESCE(m.member_no, ''), m.name, n.name, c.node_path,
	c.diffs, c.status, c.decided_login, c.decided_at, c.created_at`

const conflictFrom = ` FROM member_import_conflicts c JOIN members m ON m.id = c.member_id JOIN org_nodes n ON n.id = m.node_id`

// Conflicts lists import conflicts, oldest first, with their total.
func (s *Service) Conflicts(ctx context.Context, f ConflictFilter) ([]Conflict, int, error) {
	if f.Status == "" {
		f.Status = ConflictPending
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	where, args := db.PathsWhere("c.node_path", f.Within)
	where = " WHERE c.status = ? AND " + where
	args = append([]any{f.Status}, args...)
	if f.JobID != 0 {
		where += " AND c.job_id = ?"
		args = append(args, f.JobID)
	}
	var out []Conflict
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM member_import_conflicts c"+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+conflictColumns+conflictFrom+where+" ORDER BY c.id LIMIT ? OFFSET ?", append(args, f.Limit, f.Offset)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanConflict(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list import conflicts: %w", err)
	}
	return out, total, nil
}

func scanConflict(sc interface{ Scan(...any) error }) (*Conflict, error) {
	var c Conflict
	var diffs string
	if err := sc.Scan(&c.ID, &c.JobID, &c.File, &c.Row, &c.MemberID, &c.MemberNo, &c.MemberName, &c.NodeName, &c.NodePath,
		&diffs, &c.Status, &c.DecidedBy, &c.DecidedAt, &c.CreatedAt); err != nil {
		return nil, err
	}
	c.MemberName = masked("name", c.MemberName)
	if err := json.Unmarshal([]byte(diffs), &c.Diffs); err != nil {
		return nil, fmt.Errorf("import conflict %d: %w", c.ID, err)
	}
	return &c, nil
}

// ConflictDecision applies or dismisses import conflicts.
type ConflictDecision struct {
	IDs    []int64
	Apply  bool     // apply the row's values; false dismisses them
	Within []string // org paths where the decider holds member.review; others are not found
}

// DecideConflicts applies (the member takes the import row's values, kept
// in the history and the audit log like any profile correction) or
// dismisses the conflicts in one transaction. It returns the error of
// each conflict that could not be decided; the others are decided.
func (s *Service) DecideConflicts(ctx context.Context, d ConflictDecision) (map[int64]error, error) {
	failed := map[int64]error{}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		seen := map[int64]bool{}
		for _, id := range d.IDs {
			if seen[id] {
				continue
			}
			seen[id] = true
			if _, err := tx.Exec(ctx, "SAVEPOINT conflict"); err != nil {
				return err
			}
			if err := s.decideConflict(ctx, tx, id, d); err != nil {
				if apperr.As(err).Code == apperr.Internal {
					return err
				}
				if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT conflict"); rerr != nil {
					return rerr
				}
				failed[id] = err
				continue
			}
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT conflict"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("decide import conflicts: %w", err)
	}
	return failed, nil
}

func (s *Service) decideConflict(ctx context.Context, tx *db.Tx, id int64, d ConflictDecision) error {
	var memberID int64
	var path, fields string
	var status ConflictStatus
	var enc []byte
	err := tx.QueryRow(ctx, "SELECT member_id FROM member_import_conflicts WHERE id = ?", id).Scan(&memberID)
	if err == nil {
		// The member before its conflict, the order an import locks them
		// in (it holds the member while it records the conflict).
		_, err = tx.Exec(ctx, "SELECT id FROM members WHERE id = ?"+tx.ForUpdate(), memberID)
	}
	if err == nil {
		err = tx.QueryRow(ctx, "SELECT node_path, fields, status, incoming_enc FROM member_import_conflicts WHERE id = ?"+tx.ForUpdate(), id).
			Scan(&path, &fields, &status, &enc)
	}
	if isNoRows(err) || err == nil && !within(path, d.Within) {
		return apperr.NotFoundf("导入冲突", "import conflict")
	}
	if err != nil {
		return err
	}
	if status != ConflictPending {
		return &apperr.Error{Code: apperr.Conflict, ZH: "该导入冲突已处理", EN: "this import conflict has been decided already"}
	}
	var labels []string
	for _, f := range strings.Split(fields, ",") {
		labels = append(labels, fieldLabels[f])
	}
	to, action := ConflictDismissed, "member.conflict.dismiss"
	summary := fmt.Sprintf("驳回导入冲突 #%d，会员 %d 保留原有%s", id, memberID, strings.Join(labels, "、"))
	if d.Apply {
		to, action = ConflictApplied, "member.conflict.apply"
		if summary, err = s.applyConflict(ctx, tx, id, memberID, enc); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, "UPDATE member_import_conflicts SET status = ?, decided_by = ?, decided_login = ?, decided_at = ? WHERE id = ?",
		to, nullID(tx.Actor.ID), tx.Actor.Login, tx.Now, id); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "member", ObjectID: memberID, NodePath: path, Summary: summary})
}

// applyConflict gives the member the import row's values and says what
// changed, masked, for the audit log.
func (s *Service) applyConflict(ctx context.Context, tx *db.Tx, id, memberID int64, enc []byte) (string, error) {
	plain, err := s.Keys.Open(enc, conflictAAD(memberID))
	if err != nil {
		return "", err
	}
	var in map[string]string
	if err := json.Unmarshal([]byte(plain), &in); err != nil {
		return "", fmt.Errorf("import conflict %d: %w", id, err)
	}
	old, err := s.loadRow(ctx, tx, "m.id = ?"+tx.ForUpdateOf("m"), memberID)
	if err != nil {
		return "", err
	}
	cur, err := s.open(old)
	if err != nil {
		return "", err
	}
	var u Update
	var parts []string
	for _, f := range identityFields {
		v, ok := in[f]
		if !ok {
			continue
		}
		was := map[string]string{"name": old.Name, "gender": old.Gender, "id_number": cur.IDNumber, "birthday": old.Birthday.String()}[f]
		parts = append(parts, fieldLabels[f]+"："+shown(f, was)+" → "+shown(f, v))
		switch f {
		case "name":
			u.Name = &v
		case "gender":
			u.Gender = &v
		case "id_number":
			u.IDNumber = &v
		case "birthday":
			u.Birthday = &v
		}
	}
	if _, err := s.update(ctx, tx, old, u, source(tx)); err != nil {
		return "", err
	}
	return fmt.Sprintf("采用导入冲突 #%d 的导入值：%s", id, strings.Join(parts, "；")), nil
}
