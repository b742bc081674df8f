package request

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// The settings of request handling: departments per org node with their
// staff, the routing rules, the due times per kind and the days after which
// a resolved request closes by itself.

var codePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// DepartmentInput sets up or changes a department.
type DepartmentInput struct {
	NodeID   int64   `json:"node_id"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	NameEN   string  `json:"name_en"`
	Active   *bool   `json:"active,omitempty"` // nil: active
	StaffIDs []int64 `json:"staff_ids"`
}

func (in *DepartmentInput) validate() error {
	in.Code = strings.TrimSpace(in.Code)
	in.Name = strings.TrimSpace(in.Name)
	in.NameEN = strings.TrimSpace(in.NameEN)
	if in.Name == "" && in.Code != "" {
		in.Name = DepartmentLabel(in.Code, "")
		if in.NameEN == "" {
			in.NameEN = DepartmentLabel(in.Code, "en")
		}
	}
	switch {
	case !codePattern.MatchString(in.Code):
		return apperr.Field("code", "部门代码须为 2–40 个小写字母、数字或下划线，以字母开头", "the department code is 2–40 lower-case letters, digits or underscores, starting with a letter")
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 40:
		return apperr.Field("name", "请填写部门名称（不超过 40 个字）", "enter the department's name (at most 40 characters)")
	case utf8.RuneCountInString(in.NameEN) > 60:
		return apperr.Field("name_en", "英文名称不能超过 60 个字符", "the English name has at most 60 characters")
	}
	return nil
}

// SaveDepartment creates a department at a node (id 0) or changes one, with
// its staff. within is the caller's scope (nil: everywhere): a department
// outside it is not found, and its node must lie in it.
func (s *Service) SaveDepartment(ctx context.Context, id int64, in DepartmentInput, within []string) (*Department, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	var out *Department
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var before *Department
		if id != 0 {
			// A department outside the caller's scope does not exist for them,
			// whatever the form says.
			old, err := department(ctx, tx, id)
			if err != nil {
				return err
			}
			if within != nil && !inPaths(old.NodePath, within) {
				return apperr.NotFoundf("部门", "department")
			}
			before = old
		}
		var path string
		if err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE id = ?", in.NodeID).Scan(&path); err != nil {
			if isNoRows(err) {
				return apperr.Field("node_id", "请选择部门所属的组织节点", "choose the department's org node")
			}
			return err
		}
		if within != nil && !inPaths(path, within) {
			return apperr.Field("node_id", "该组织节点不在您的管理范围内", "that org node is outside your scope")
		}
		active := in.Active == nil || *in.Active
		if id == 0 {
			nid, err := tx.InsertID(ctx, `INSERT INTO request_departments (node_id, node_path, code, name, name_en, active, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, in.NodeID, path, in.Code, in.Name, in.NameEN, active, tx.Now, tx.Now)
			if db.IsUniqueViolation(err) {
				return apperr.Field("code", "该节点已有代码为 "+in.Code+" 的部门", "this node already has a department with code "+in.Code)
			}
			if err != nil {
				return err
			}
			id = nid
		} else {
			_, err := tx.Exec(ctx, `UPDATE request_departments SET node_id = ?, node_path = ?, code = ?, name = ?, name_en = ?, active = ?, updated_at = ?
				WHERE id = ?`, in.NodeID, path, in.Code, in.Name, in.NameEN, active, tx.Now, id)
			if db.IsUniqueViolation(err) {
				return apperr.Field("code", "该节点已有代码为 "+in.Code+" 的部门", "this node already has a department with code "+in.Code)
			}
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM request_department_staff WHERE department_id = ?", id); err != nil {
				return err
			}
		}
		ids := slices.Clone(in.StaffIDs)
		slices.Sort(ids)
		for _, sid := range slices.Compact(ids) {
			n, err := tx.Count(ctx, "SELECT count(*) FROM staff WHERE id = ?", sid)
			if err != nil {
				return err
			}
			if n == 0 {
				return apperr.Field("staff_ids", "员工 "+strconv.FormatInt(sid, 10)+" 不存在", "staff member "+strconv.FormatInt(sid, 10)+" does not exist")
			}
			if _, err := tx.Exec(ctx, "INSERT INTO request_department_staff (department_id, staff_id) VALUES (?, ?)", id, sid); err != nil {
				return err
			}
		}
		var err error
		if out, err = department(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request.department_save", ObjectType: "request_department", ObjectID: id,
			NodePath: path, Summary: "设置诉求责任部门 " + out.Name, Before: before, After: out})
	})
	if err != nil {
		return nil, fmt.Errorf("save department: %w", err)
	}
	return out, nil
}

func inPaths(path string, within []string) bool {
	for _, w := range within {
		if strings.HasPrefix(path, w) {
			return true
		}
	}
	return false
}

const departmentColumns = `d.id, d.node_id, n.code, n.name, d.node_path, d.code, d.name, d.name_en, d.active`

func scanDepartment(sc interface{ Scan(...any) error }) (*Department, error) {
	var d Department
	err := sc.Scan(&d.ID, &d.NodeID, &d.NodeCode, &d.NodeName, &d.NodePath, &d.Code, &d.Name, &d.NameEN, &d.Active)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("部门", "department")
	}
	return &d, err
}

func department(ctx context.Context, tx *db.Tx, id int64) (*Department, error) {
	d, err := scanDepartment(tx.QueryRow(ctx, "SELECT "+departmentColumns+
		" FROM request_departments d JOIN org_nodes n ON n.id = d.node_id WHERE d.id = ?", id))
	if err != nil {
		return nil, err
	}
	d.Staff, err = departmentStaff(ctx, tx, id)
	return d, err
}

func departmentStaff(ctx context.Context, tx *db.Tx, id int64) ([]StaffRef, error) {
	rows, err := tx.Query(ctx, `SELECT s.id, s.login, s.name FROM request_department_staff ds JOIN staff s ON s.id = ds.staff_id
		WHERE ds.department_id = ? ORDER BY s.name, s.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []StaffRef{}
	for rows.Next() {
		var r StaffRef
		if err := rows.Scan(&r.ID, &r.Login, &r.Name); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Department reads one department with its staff.
func (s *Service) Department(ctx context.Context, id int64) (*Department, error) {
	var d *Department
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		d, err = department(ctx, tx, id)
		return err
	})
	return d, err
}

// Departments lists the departments set up within the paths (nil: all),
// and those above them that serve them, with their staff.
func (s *Service) Departments(ctx context.Context, within []string) ([]Department, error) {
	out := []Department{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		q := "SELECT " + departmentColumns + " FROM request_departments d JOIN org_nodes n ON n.id = d.node_id"
		var args []any
		if within != nil {
			c, a := db.PathsWhere("d.node_path", within)
			q, args = q+" WHERE "+c, a
		}
		rows, err := tx.Query(ctx, q+" ORDER BY d.node_path, d.code", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDepartment(rows)
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for i := range out {
			if out[i].Staff, err = departmentStaff(ctx, tx, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// StaffDepartments lists the ids of the departments a staff member works in.
func (s *Service) StaffDepartments(ctx context.Context, staffID int64) ([]int64, error) {
	var ids []int64
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		ids, err = tx.IDs(ctx, "SELECT department_id FROM request_department_staff WHERE staff_id = ? ORDER BY department_id", staffID)
		return err
	})
	return ids, err
}

// Rule is a routing rule: a kind (and subkind, "" any) at an org node goes
// to a department.
type Rule struct {
	ID           int64   `json:"id"`
	NodeID       int64   `json:"node_id"`
	NodeCode     string  `json:"node_code"`
	NodeName     string  `json:"node_name"`
	NodePath     string  `json:"-"`
	Kind         Kind    `json:"kind"`
	Subkind      Subkind `json:"subkind,omitempty"`
	DepartmentID int64   `json:"department_id"`
	Department   string  `json:"department"`
	DepartmentEN string  `json:"department_en"`
}

// RuleInput is a new routing rule.
type RuleInput struct {
	NodeID       int64   `json:"node_id"`
	Kind         Kind    `json:"kind"`
	Subkind      Subkind `json:"subkind"`
	DepartmentID int64   `json:"department_id"`
}

// SaveRule adds a routing rule, or replaces the one for the same node, kind
// and subkind. The department must serve the node: set up at it or above it.
func (s *Service) SaveRule(ctx context.Context, in RuleInput, within []string) (*Rule, error) {
	if !slices.Contains(Kinds, in.Kind) {
		return nil, apperr.Field("kind", "请选择诉求类型", "choose the kind of request")
	}
	var out *Rule
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		cat, err := loadCatalogue(ctx, tx)
		if err != nil {
			return err
		}
		if in.Subkind != "" {
			if err := subkindOffered(cat, in.Kind, in.Subkind); err != nil {
				return err
			}
		}
		var path string
		if err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE id = ?", in.NodeID).Scan(&path); err != nil {
			if isNoRows(err) {
				return apperr.Field("node_id", "请选择规则适用的组织节点", "choose the rule's org node")
			}
			return err
		}
		if within != nil && !inPaths(path, within) {
			return apperr.Field("node_id", "该组织节点不在您的管理范围内", "that org node is outside your scope")
		}
		d, err := department(ctx, tx, in.DepartmentID)
		if err != nil {
			return apperr.Field("department_id", "请选择责任部门", "choose the department")
		}
		if !strings.HasPrefix(path, d.NodePath) {
			return apperr.Field("department_id", "“"+d.Name+"”不负责该组织节点，请选择该节点或其上级的部门", "“"+d.Label("en")+"” does not serve that node; choose a department of the node or above it")
		}
		if _, err := tx.Exec(ctx, "DELETE FROM request_routes WHERE node_id = ? AND kind = ? AND subkind = ?", in.NodeID, in.Kind, in.Subkind); err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO request_routes (node_id, node_path, kind, subkind, department_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, in.NodeID, path, in.Kind, in.Subkind, in.DepartmentID, tx.Now)
		if err != nil {
			return err
		}
		rules, err := rules(ctx, tx, "r.id = ?", id)
		if err != nil {
			return err
		}
		out = &rules[0]
		return audit.Record(ctx, tx, audit.Change{Action: "request.rule_save", ObjectType: "request_rule", ObjectID: id, NodePath: path,
			Summary: "诉求分派规则：" + cat.KindLabel(in.Kind, "") + " → " + d.Name, After: out})
	})
	if err != nil {
		return nil, fmt.Errorf("save routing rule: %w", err)
	}
	return out, nil
}

// DeleteRule removes a routing rule within the caller's scope.
func (s *Service) DeleteRule(ctx context.Context, id int64, within []string) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		rs, err := rules(ctx, tx, "r.id = ?", id)
		if err != nil {
			return err
		}
		if len(rs) == 0 || (within != nil && !inPaths(rs[0].NodePath, within)) {
			return apperr.NotFoundf("分派规则", "routing rule")
		}
		if _, err := tx.Exec(ctx, "DELETE FROM request_routes WHERE id = ?", id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request.rule_delete", ObjectType: "request_rule", ObjectID: id,
			NodePath: rs[0].NodePath, Summary: "删除诉求分派规则", Before: rs[0]})
	})
}

// Rules lists the routing rules within the paths (nil: all).
func (s *Service) Rules(ctx context.Context, within []string) ([]Rule, error) {
	var out []Rule
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		where, args := "1 = 1", []any(nil)
		if within != nil {
			where, args = db.PathsWhere("r.node_path", within)
		}
		out, err = rules(ctx, tx, where, args...)
		return err
	})
	return out, err
}

func rules(ctx context.Context, tx *db.Tx, where string, args ...any) ([]Rule, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.node_id, n.code, n.name, r.node_path, r.kind, r.subkind, r.department_id, d.name, d.name_en
		FROM request_routes r JOIN org_nodes n ON n.id = r.node_id JOIN request_departments d ON d.id = r.department_id
		WHERE `+where+` ORDER BY r.node_path, r.kind, r.subkind`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Rule{}
	for rows.Next() {
		var r Rule
		if err := rows.Scan(&r.ID, &r.NodeID, &r.NodeCode, &r.NodeName, &r.NodePath, &r.Kind, &r.Subkind, &r.DepartmentID, &r.Department, &r.DepartmentEN); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// route chooses the department for a request of kind/subkind about path:
// the rule at the deepest node above or at path, one naming the subkind
// before one for the whole kind. nil when no rule applies.
func route(ctx context.Context, tx *db.Tx, path string, k Kind, sub Subkind) (*int64, error) {
	rows, err := tx.Query(ctx, `SELECT r.node_path, r.subkind, r.department_id FROM request_routes r
		JOIN request_departments d ON d.id = r.department_id
		WHERE r.kind = ? AND (r.subkind = '' OR r.subkind = ?) AND d.active`, k, sub)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var best *int64
	bestLen, bestSub := -1, false
	for rows.Next() {
		var p, sk string
		var dept int64
		if err := rows.Scan(&p, &sk, &dept); err != nil {
			return nil, err
		}
		if !strings.HasPrefix(path, p) {
			continue
		}
		if len(p) > bestLen || (len(p) == bestLen && sk != "" && !bestSub) {
			best, bestLen, bestSub = &dept, len(p), sk != ""
		}
	}
	return best, rows.Err()
}

// SLA is the due times of one kind, in working hours.
type SLA struct {
	Kind          Kind `json:"kind"`
	RespondHours  int  `json:"respond_hours"`  // first response
	ResolveHours  int  `json:"resolve_hours"`  // resolution
	EscalateHours int  `json:"escalate_hours"` // past a due time, one level further up
}

// Limits of the settings.
const (
	MaxSLAHours       = 2000
	DefaultCloseAfter = 7
	MaxCloseAfter     = 60
	closeAfterKey     = "request.close_after_days"
)

// SLAs lists the due times of every kind.
func (s *Service) SLAs(ctx context.Context) ([]SLA, error) {
	var out []SLA
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		out, err = slas(ctx, tx)
		return err
	})
	return out, err
}

func slas(ctx context.Context, tx *db.Tx) ([]SLA, error) {
	rows, err := tx.Query(ctx, "SELECT kind, respond_hours, resolve_hours, escalate_hours FROM request_sla")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byKind := map[Kind]SLA{}
	for rows.Next() {
		var x SLA
		if err := rows.Scan(&x.Kind, &x.RespondHours, &x.ResolveHours, &x.EscalateHours); err != nil {
			return nil, err
		}
		byKind[x.Kind] = x
	}
	out := make([]SLA, 0, len(Kinds))
	for _, k := range Kinds {
		if x, ok := byKind[k]; ok {
			out = append(out, x)
		}
	}
	return out, rows.Err()
}

func slaOf(ctx context.Context, tx *db.Tx, k Kind) (SLA, error) {
	x := SLA{Kind: k}
	err := tx.QueryRow(ctx, "SELECT respond_hours, resolve_hours, escalate_hours FROM request_sla WHERE kind = ?", k).
		Scan(&x.RespondHours, &x.ResolveHours, &x.EscalateHours)
	return x, err
}

// SetSLAs changes the due times of the kinds given, all or none.
func (s *Service) SetSLAs(ctx context.Context, in []SLA) error {
	for i, x := range in {
		f := func(name string) string { return fmt.Sprintf("sla[%d].%s", i, name) }
		if !slices.Contains(Kinds, x.Kind) {
			return apperr.Field(f("kind"), "诉求类型不正确", "unknown kind of request")
		}
		for _, h := range []struct {
			name string
			v    int
			zh   string
		}{{"respond_hours", x.RespondHours, "首次响应时限"}, {"resolve_hours", x.ResolveHours, "办结时限"}, {"escalate_hours", x.EscalateHours, "再次升级时限"}} {
			if h.v <= 0 || h.v > MaxSLAHours {
				return apperr.Field(f(h.name), fmt.Sprintf("“%s”的%s须为 1–%d 个工作小时", x.Kind.Label(""), h.zh, MaxSLAHours),
					fmt.Sprintf("the %s time of “%s” must be 1–%d working hours", strings.ReplaceAll(h.name, "_hours", ""), x.Kind.Label("en"), MaxSLAHours))
			}
		}
		if x.RespondHours > x.ResolveHours {
			return apperr.Field(f("respond_hours"), "“"+x.Kind.Label("")+"”的首次响应时限不能长于办结时限", "the first response of “"+x.Kind.Label("en")+"” cannot take longer than its resolution")
		}
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		before, err := slas(ctx, tx)
		if err != nil {
			return err
		}
		for _, x := range in {
			if _, err := tx.Exec(ctx, `UPDATE request_sla SET respond_hours = ?, resolve_hours = ?, escalate_hours = ?, updated_at = ? WHERE kind = ?`,
				x.RespondHours, x.ResolveHours, x.EscalateHours, tx.Now, x.Kind); err != nil {
				return err
			}
		}
		after, err := slas(ctx, tx)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request.sla_save", ObjectType: "setting", Summary: "修改诉求办理时限",
			Before: before, After: after})
	})
}

// CloseAfter is the days after which a resolved request the member has not
// confirmed closes by itself.
func (s *Service) CloseAfter(ctx context.Context) (int, error) {
	var n int
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		n, err = closeAfter(ctx, tx)
		return err
	})
	return n, err
}

func closeAfter(ctx context.Context, tx *db.Tx) (int, error) {
	var v string
	err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", closeAfterKey).Scan(&v)
	if isNoRows(err) {
		return DefaultCloseAfter, nil
	}
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return DefaultCloseAfter, nil
	}
	return n, nil
}

// SetCloseAfter changes the days after which a resolved request closes.
func (s *Service) SetCloseAfter(ctx context.Context, days int) error {
	if days < 1 || days > MaxCloseAfter {
		return apperr.Field("close_after_days", fmt.Sprintf("自动关闭天数须为 1–%d 天", MaxCloseAfter), fmt.Sprintf("the days before closing must be 1–%d", MaxCloseAfter))
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := closeAfter(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM settings WHERE key = ?", closeAfterKey); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)", closeAfterKey, strconv.Itoa(days), tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request.sla_save", ObjectType: "setting", Summary: "修改诉求自动关闭天数",
			Before: map[string]int{"close_after_days": old}, After: map[string]int{"close_after_days": days}})
	})
}
