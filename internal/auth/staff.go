package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

// Service manages staff, sessions and tokens.
type Service struct {
	DB *db.DB
	// IdleTimeout ends a session not used for this long; MaxAge ends any.
	IdleTimeout time.Duration
	MaxAge      time.Duration
}

// NewService returns a Service with the default session lifetimes.
func NewService(d *db.DB) *Service {
	return &Service{DB: d, IdleTimeout: 2 * time.Hour, MaxAge: 12 * time.Hour}
}

// Staff is a staff account (员工账号).
type Staff struct {
	ID                int64     `json:"id"`
	Login             string    `json:"login"`
	Name              string    `json:"name"`
	Email             string    `json:"email"`
	NodeID            int64     `json:"node_id"`
	NodeCode          string    `json:"node_code"`
	NodeName          string    `json:"node_name"`
	NodePath          string    `json:"-"`
	Locale            string    `json:"locale"`
	Active            bool      `json:"active"`
	PasswordChangedAt time.Time `json:"password_changed_at"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	Grants            []Grant   `json:"roles"`
	passwordHash      string
}

// NewStaff is the input of CreateStaff.
type NewStaff struct {
	Login    string
	Name     string
	Email    string
	NodeCode string // the staff member's home node
	Password string
	Locale   string
	Grants   []NewGrant
}

// NewGrant names a role at a node by its code.
type NewGrant struct {
	Role     Role
	NodeCode string
}

var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// NormalizeLogin lower-cases and trims a login.
func NormalizeLogin(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func validateStaffName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.Field("name", "姓名不能为空", "name is required")
	}
	if utf8.RuneCountInString(name) > 64 {
		return "", apperr.Field("name", "姓名不能超过 64 个字", "name must be at most 64 characters")
	}
	return name, nil
}

func validateEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email {
		return "", apperr.Field("email", "邮箱格式不正确", "email address is not valid")
	}
	return email, nil
}

// ValidLocale checks a UI language.
func ValidLocale(l string) error {
	if l != "zh-CN" && l != "en" {
		return apperr.Field("locale", "语言须为 zh-CN 或 en", "locale must be zh-CN or en")
	}
	return nil
}

// CreateStaff adds a staff account with its roles in one transaction.
func (s *Service) CreateStaff(ctx context.Context, in NewStaff) (*Staff, error) {
	login := NormalizeLogin(in.Login)
	if !loginPattern.MatchString(login) {
		return nil, apperr.Field("login", "登录名须为 2–32 位小写字母、数字、点、- 或 _", "login must be 2–32 lower-case letters, digits, '.', '-' or '_'")
	}
	name, err := validateStaffName(in.Name)
	if err != nil {
		return nil, err
	}
	email, err := validateEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if in.Locale == "" {
		in.Locale = "zh-CN"
	}
	if err := ValidLocale(in.Locale); err != nil {
		return nil, err
	}
	if err := ValidatePassword(in.Password); err != nil {
		return nil, err
	}
	for _, g := range in.Grants {
		if !g.Role.Valid() {
			return nil, apperr.Field("role", "未知角色 "+string(g.Role), "unknown role "+string(g.Role))
		}
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	var st *Staff
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		home, err := nodeByCode(ctx, tx, in.NodeCode, "org")
		if err != nil {
			return err
		}
		id, err := tx.InsertID(ctx, `INSERT INTO staff (login, name, email, node_id, password_hash, locale, active, password_changed_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?)`, login, name, email, home.ID, hash, in.Locale, tx.Now, tx.Now, tx.Now)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Field: "login", ZH: "登录名 " + login + " 已被使用", EN: "login " + login + " is already taken"}
		}
		if err != nil {
			return err
		}
		for _, g := range in.Grants {
			if _, err := grantRole(ctx, tx, id, g); err != nil {
				return err
			}
		}
		if st, err = staffByID(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "staff.create", ObjectType: "staff", ObjectID: id,
			NodePath: st.NodePath, Summary: "新建员工 " + login, After: st})
	})
	if err != nil {
		return nil, fmt.Errorf("create staff: %w", err)
	}
	return st, nil
}

func nodeByCode(ctx context.Context, tx *db.Tx, code, field string) (*org.Node, error) {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM org_nodes WHERE code = ?", org.NormalizeCode(code)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.Field(field, "组织节点 "+code+" 不存在", "org node "+code+" does not exist")
	}
	if err != nil {
		return nil, err
	}
	return org.ByID(ctx, tx, id)
}

func grantRole(ctx context.Context, tx *db.Tx, staffID int64, g NewGrant) (*org.Node, error) {
	if !g.Role.Valid() {
		return nil, apperr.Field("role", "未知角色 "+string(g.Role), "unknown role "+string(g.Role))
	}
	n, err := nodeByCode(ctx, tx, g.NodeCode, "org")
	if err != nil {
		return nil, err
	}
	_, err = tx.Exec(ctx, "INSERT INTO staff_roles (staff_id, role, node_id, created_at) VALUES (?, ?, ?, ?)", staffID, g.Role, n.ID, tx.Now)
	if db.IsUniqueViolation(err) {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "role", ZH: "该员工在此节点已有此角色", EN: "the staff member already holds this role at this node"}
	}
	return n, err
}

const staffColumns = `s.id, s.login, s.name, s.email, s.node_id, n.code, n.name, n.path, s.locale, s.active,
	s.password_changed_at, s.created_at, s.updated_at, s.password_hash`

func scanStaff(row interface{ Scan(...any) error }) (*Staff, error) {
	var st Staff
	err := row.Scan(&st.ID, &st.Login, &st.Name, &st.Email, &st.NodeID, &st.NodeCode, &st.NodeName, &st.NodePath,
		&st.Locale, &st.Active, &st.PasswordChangedAt, &st.CreatedAt, &st.UpdatedAt, &st.passwordHash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("员工", "staff member")
	}
	return &st, err
}

func staffByID(ctx context.Context, tx *db.Tx, id int64) (*Staff, error) {
	st, err := scanStaff(tx.QueryRow(ctx, "SELECT "+staffColumns+" FROM staff s JOIN org_nodes n ON n.id = s.node_id WHERE s.id = ?", id))
	if err != nil {
		return nil, err
	}
	st.Grants, err = grantsOf(ctx, tx, st.ID)
	return st, err
}

func grantsOf(ctx context.Context, tx *db.Tx, staffID int64) ([]Grant, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.role, r.node_id, n.code, n.name, n.path FROM staff_roles r
		JOIN org_nodes n ON n.id = r.node_id WHERE r.staff_id = ? ORDER BY n.path, r.role`, staffID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	grants := []Grant{}
	for rows.Next() {
		var g Grant
		if err := rows.Scan(&g.ID, &g.Role, &g.NodeID, &g.NodeCode, &g.NodeName, &g.NodePath); err != nil {
			return nil, err
		}
		grants = append(grants, g)
	}
	return grants, rows.Err()
}

// StaffByID reads one account with its roles.
func (s *Service) StaffByID(ctx context.Context, id int64) (*Staff, error) {
	var st *Staff
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		st, err = staffByID(ctx, tx, id)
		return err
	})
	return st, err
}

// StaffByLogin reads one account by login.
func (s *Service) StaffByLogin(ctx context.Context, login string) (*Staff, error) {
	var st *Staff
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, "SELECT id FROM staff WHERE login = ?", NormalizeLogin(login)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("员工", "staff member")
		}
		if err != nil {
			return err
		}
		st, err = staffByID(ctx, tx, id)
		return err
	})
	return st, err
}

// StaffFilter selects staff accounts.
type StaffFilter struct {
	Within []string // org paths; nil: everywhere
	Query  string   // login or name substring
	Role   Role
	Active *bool
	Offset int
	Limit  int
}

// ListStaff returns matching accounts (with roles) ordered by login, and the total.
func (s *Service) ListStaff(ctx context.Context, f StaffFilter) ([]Staff, int, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("n.path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not.
		conds = append(conds, `(s.login LIKE ? ESCAPE '\' OR lower(s.name) LIKE ? ESCAPE '\')`)
		like := "%" + db.Like(strings.ToLower(q)) + "%"
		args = append(args, like, like)
	}
	if f.Role != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM staff_roles r WHERE r.staff_id = s.id AND r.role = ?)")
		args = append(args, f.Role)
	}
	if f.Active != nil {
		conds, args = append(conds, "s.active = ?"), append(args, *f.Active)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []Staff
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		from := " FROM staff s JOIN org_nodes n ON n.id = s.node_id"
		if total, err = tx.Count(ctx, "SELECT count(*)"+from+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+staffColumns+from+where+" ORDER BY s.login LIMIT ? OFFSET ?",
			append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		for rows.Next() {
			st, err := scanStaff(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, *st)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			if out[i].Grants, err = grantsOf(ctx, tx, out[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list staff: %w", err)
	}
	return out, total, nil
}

// StaffUpdate lists what UpdateStaff may change; nil leaves a field.
type StaffUpdate struct {
	Name   *string
	Email  *string
	Locale *string
	Active *bool
}

// UpdateStaff changes an account. Deactivating it ends its sessions and tokens.
func (s *Service) UpdateStaff(ctx context.Context, id int64, u StaffUpdate) (*Staff, error) {
	var st *Staff
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := staffByID(ctx, tx, id)
		if err != nil {
			return err
		}
		nu := *old
		if u.Name != nil {
			if nu.Name, err = validateStaffName(*u.Name); err != nil {
				return err
			}
		}
		if u.Email != nil {
			if nu.Email, err = validateEmail(*u.Email); err != nil {
				return err
			}
		}
		if u.Locale != nil {
			if err := ValidLocale(*u.Locale); err != nil {
				return err
			}
			nu.Locale = *u.Locale
		}
		if u.Active != nil {
			nu.Active = *u.Active
		}
		if nu.Name == old.Name && nu.Email == old.Email && nu.Locale == old.Locale && nu.Active == old.Active {
			st = old
			return nil
		}
		nu.UpdatedAt = tx.Now
		if _, err := tx.Exec(ctx, "UPDATE staff SET name = ?, email = ?, locale = ?, active = ?, updated_at = ? WHERE id = ?",
			nu.Name, nu.Email, nu.Locale, nu.Active, nu.UpdatedAt, id); err != nil {
			return err
		}
		if !nu.Active && old.Active {
			if err := endAccess(ctx, tx, id); err != nil {
				return err
			}
		}
		st = &nu
		action := "staff.update"
		if u.Locale != nil && nu.Locale != old.Locale && nu.Name == old.Name && nu.Email == old.Email && nu.Active == old.Active {
			action = "staff.locale"
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "staff", ObjectID: id,
			NodePath: nu.NodePath, Summary: "修改员工 " + nu.Login, Before: old, After: st})
	})
	if err != nil {
		return nil, fmt.Errorf("update staff: %w", err)
	}
	return st, nil
}

// endAccess ends every session and revokes every token of an account.
func endAccess(ctx context.Context, tx *db.Tx, staffID int64) error {
	if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE staff_id = ?", staffID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE api_tokens SET revoked_at = ? WHERE staff_id = ? AND revoked_at IS NULL", tx.Now, staffID)
	return err
}

// GrantRole gives an account a role at a node.
func (s *Service) GrantRole(ctx context.Context, staffID int64, g NewGrant) (*Staff, error) {
	var st *Staff
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := staffByID(ctx, tx, staffID)
		if err != nil {
			return err
		}
		n, err := grantRole(ctx, tx, staffID, g)
		if err != nil {
			return err
		}
		if st, err = staffByID(ctx, tx, staffID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "staff.role.grant", ObjectType: "staff", ObjectID: staffID,
			NodePath: old.NodePath, Summary: fmt.Sprintf("授予 %s 角色 %s @ %s", old.Login, g.Role.Label("zh-CN"), n.Code),
			Before: old.Grants, After: st.Grants})
	})
	if err != nil {
		return nil, fmt.Errorf("grant role: %w", err)
	}
	return st, nil
}

// GrantByID reads one grant of an account (to check the actor's scope before revoking it).
func (s *Service) GrantByID(ctx context.Context, staffID, grantID int64) (*Grant, error) {
	st, err := s.StaffByID(ctx, staffID)
	if err != nil {
		return nil, err
	}
	for _, g := range st.Grants {
		if g.ID == grantID {
			return &g, nil
		}
	}
	return nil, apperr.NotFoundf("角色授权", "role grant")
}

// RevokeRole takes a grant away.
func (s *Service) RevokeRole(ctx context.Context, staffID, grantID int64) (*Staff, error) {
	var st *Staff
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := staffByID(ctx, tx, staffID)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, "DELETE FROM staff_roles WHERE id = ? AND staff_id = ?", grantID, staffID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFoundf("角色授权", "role grant")
		}
		if st, err = staffByID(ctx, tx, staffID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "staff.role.revoke", ObjectType: "staff", ObjectID: staffID,
			NodePath: old.NodePath, Summary: "撤销 " + old.Login + " 的角色", Before: old.Grants, After: st.Grants})
	})
	if err != nil {
		return nil, fmt.Errorf("revoke role: %w", err)
	}
	return st, nil
}

// SetPassword replaces a password (by an administrator, or after the old
// one was checked) and ends the account's other sessions.
func (s *Service) SetPassword(ctx context.Context, staffID int64, pw string, keepSessionHash string) error {
	if err := ValidatePassword(pw); err != nil {
		return err
	}
	hash, err := HashPassword(pw)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		st, err := staffByID(ctx, tx, staffID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE staff SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?",
			hash, tx.Now, tx.Now, staffID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE staff_id = ? AND id_hash <> ?", staffID, keepSessionHash); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "staff.password", ObjectType: "staff", ObjectID: staffID,
			NodePath: st.NodePath, Summary: "修改 " + st.Login + " 的密码"})
	})
}

// ChangePassword checks the current password, then sets the new one.
func (s *Service) ChangePassword(ctx context.Context, staffID int64, current, next, keepSessionHash string) error {
	st, err := s.StaffByID(ctx, staffID)
	if err != nil {
		return err
	}
	if !CheckPassword(st.passwordHash, current) {
		return apperr.Field("current_password", "当前密码不正确", "the current password is wrong")
	}
	if current == next {
		return apperr.Field("new_password", "新密码不能与当前密码相同", "the new password must differ from the current one")
	}
	return s.SetPassword(ctx, staffID, next, keepSessionHash)
}
