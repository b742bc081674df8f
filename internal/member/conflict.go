package member

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// An import never overwrites who a member is. A row whose mobile belongs to
// a member but whose name, gender, ID number or birthday says otherwise
// (a mistyped or recycled number, another person) leaves the member as it
// is; the row is kept as a Conflict for a supervisor to apply or dismiss.
// Blank fields of the member are still filled in by rows that agree.

// Conflicted is the outcome of an import row held back as a Conflict.
const Conflicted Outcome = "conflict"

// ConflictStatus is where an import conflict stands.
type ConflictStatus string

// Conflict statuses.
const (
	ConflictPending   ConflictStatus = "pending"   // 待处理
	ConflictApplied   ConflictStatus = "applied"   // 已采用导入值
	ConflictDismissed ConflictStatus = "dismissed" // 已驳回，保留会员原值
)

// Diff is one field on which an import row disagrees with a member: the
// member's value and the row's, names and ID numbers masked.
type Diff struct {
	Field string `json:"field"` // name, gender, id_number or birthday
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Conflict is an import row that disagreed with the member who has its
// mobile (导入冲突).
type Conflict struct {
	ID         int64          `json:"id"`
	JobID      *int64         `json:"job_id,omitempty"`
	File       string         `json:"file"`
	Row        int            `json:"row"`
	MemberID   int64          `json:"member_id"`
	MemberNo   string         `json:"member_no,omitempty"`
	MemberName string         `json:"member_name"` // the member's name now, masked
	NodeName   string         `json:"org_name"`
	NodePath   string         `json:"-"`
	Diffs      []Diff         `json:"diffs"`
	Status     ConflictStatus `json:"status"`
	DecidedBy  string         `json:"decided_by,omitempty"`
	DecidedAt  *time.Time     `json:"decided_at,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
}

// identityFields are the fields an import may fill but never change.
var identityFields = []string{"name", "id_number", "gender", "birthday"}

// clash is an import row's disagreement with a member, values in clear.
type clash struct {
	memberID int64
	nodePath string
	fields   []fieldValue
}

type fieldValue struct{ field, old, new string }

// rowClash is the clash of a batch's application i.
type rowClash struct {
	i int
	clash
}

// identityClash compares an import row with the member who has its mobile.
// Name stands alone; the ID number, gender and birthday go together (the
// ID number holds the other two), so when one of them disagrees, every one
// the row would change is held back with it.
func identityClash(old *row, oldID string, p *profile) []fieldValue {
	var out []fieldValue
	differs := func(f fieldValue) bool { return f.new != "" && f.old != "" && f.new != f.old }
	if name := (fieldValue{"name", old.Name, p.name}); differs(name) {
		out = append(out, name)
	}
	group := []fieldValue{{"id_number", oldID, p.idNumber}, {"gender", old.Gender, p.gender}, {"birthday", old.Birthday.String(), p.birthday.String()}}
	for _, f := range group {
		if differs(f) {
			for _, f := range group {
				if f.new != "" && f.new != f.old {
					out = append(out, f)
				}
			}
			break
		}
	}
	return out
}

// checkIdentity is the import's check before a merge into old: it says
// whether the row disagrees, recording the disagreement in o.clash.
func (s *Service) checkIdentity(old *row, p *profile, o submitOpts) (bool, error) {
	oldID := ""
	if p.idNumber != "" {
		var err error
		if oldID, err = s.Keys.Open(old.idEnc, aad("id_number", old.mobileIdx)); err != nil {
			return false, fmt.Errorf("member %d: decrypt id number: %w", old.ID, err)
		}
	}
	fields := identityClash(old, oldID, p)
	if len(fields) == 0 {
		return false, nil
	}
	*o.clash = clash{memberID: old.ID, nodePath: old.NodePath, fields: fields}
	return true, nil
}

// masked is a field's value as a conflict shows it.
func masked(field, v string) string {
	switch field {
	case "name":
		if v == "" {
			return ""
		}
		return pii.MaskName(v)
	case "id_number":
		return pii.MaskIDNumber(v)
	}
	return v
}

// fieldLabels name the identity fields in audit summaries.
var fieldLabels = map[string]string{"name": "姓名", "gender": "性别", "id_number": "身份证号", "birthday": "生日"}

// shown is a value as an audit summary shows it: masked, genders in words,
// blanks as 空.
func shown(field, v string) string {
	switch {
	case v == "":
		return "空"
	case field == "gender":
		return map[string]string{"male": "男", "female": "女"}[v]
	}
	return masked(field, v)
}

func (c *clash) diffs() []Diff {
	out := make([]Diff, len(c.fields))
	for i, f := range c.fields {
		out[i] = Diff{Field: f.field, Old: masked(f.field, f.old), New: masked(f.field, f.new)}
	}
	return out
}

func conflictAAD(memberID int64) string { return pii.AAD("member_import_conflicts.incoming", memberID) }

// storeConflicts writes a batch's conflicts: the row's values sealed, the
// differences masked. The same row imported again while its conflict is
// pending moves that conflict to the newer import instead of adding one.
func (s *Service) storeConflicts(ctx context.Context, tx *db.Tx, o BatchOptions, clashes []rowClash) error {
	var rows [][]any
	seen := map[string]bool{}
	var job *int64
	if o.Job != 0 {
		job = &o.Job
	}
	for _, rc := range clashes {
		i, c := rc.i, rc.clash
		in := map[string]string{}
		names := make([]string, len(c.fields))
		for k, f := range c.fields {
			in[f.field] = f.new
			names[k] = f.field
		}
		plain, _ := json.Marshal(in) // map keys come out sorted: the digest is stable
		digest := s.Keys.Index("import_conflict", fmt.Sprintf("%d|%s", c.memberID, plain))
		if seen[digest] {
			continue
		}
		seen[digest] = true
		enc, err := s.Keys.Seal(string(plain), conflictAAD(c.memberID))
		if err != nil {
			return err
		}
		diffs, _ := json.Marshal(c.diffs())
		row := 0
		if i < len(o.Rows) {
			row = o.Rows[i]
		}
		rows = append(rows, []any{job, o.File, row, c.memberID, c.nodePath, strings.Join(names, ","), string(diffs), enc, digest, ConflictPending, tx.Now})
	}
	return tx.InsertMany(ctx, "member_import_conflicts",
		[]string{"job_id", "file", "row_num", "member_id", "node_path", "fields", "diffs", "incoming_enc", "digest", "status", "created_at"}, rows,
		"ON CONFLICT (member_id, digest) WHERE status = 'pending' DO UPDATE SET job_id = excluded.job_id, file = excluded.file, row_num = excluded.row_num", nil)
}

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
