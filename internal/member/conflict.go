package member

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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
