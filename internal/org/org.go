// Package org keeps the organisation tree (组织架构): group (集团) → region
// (事业部) → city company (城市公司) → project (项目). Every member, lead, event,
// merchant, budget and point plan belongs to a node, and every staff role is
// held at one, reaching the whole subtree below it.
package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Kind is the level of a node in the tree.
type Kind string

// The four levels, top down.
const (
	Group   Kind = "group"   // 集团
	Region  Kind = "region"  // 事业部 / 区域
	City    Kind = "city"    // 城市公司
	Project Kind = "project" // 项目 / 楼盘
)

// Kinds lists the levels top down.
var Kinds = []Kind{Group, Region, City, Project}

// Label is the kind's name in lang.
func (k Kind) Label(lang string) string {
	zh := map[Kind]string{Group: "集团", Region: "事业部", City: "城市公司", Project: "项目"}
	en := map[Kind]string{Group: "Group", Region: "Region", City: "City company", Project: "Project"}
	if lang == "en" {
		return en[k]
	}
	return zh[k]
}

// childKind is the only kind a node of kind k may have below it.
func (k Kind) childKind() (Kind, bool) {
	for i, kk := range Kinds {
		if kk == k && i+1 < len(Kinds) {
			return Kinds[i+1], true
		}
	}
	return "", false
}

// ParseKind checks a kind given by a user.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", apperr.Field("kind", "层级必须是 region、city 或 project 之一", "kind must be one of region, city, project")
}

// Node is one node of the org tree.
type Node struct {
	ID        int64     `json:"id"`
	ParentID  *int64    `json:"parent_id,omitempty"`
	Kind      Kind      `json:"kind"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Path      string    `json:"-"` // "/1/4/9/": ids from the root down, for scope checks
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Depth is 0 for the group, 1 for a region, and so on.
func (n *Node) Depth() int { return strings.Count(n.Path, "/") - 2 }

// Within reports whether n is path or below it.
func (n *Node) Within(path string) bool { return strings.HasPrefix(n.Path, path) }

// RootID is the id of the group node every database starts with.
const RootID = 1

// Service reads and changes the tree.
type Service struct{ DB *db.DB }

// NewNode is the input of Create.
type NewNode struct {
	ParentCode string
	Kind       Kind
	Code       string
	Name       string
}

var codePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,31}$`)

// NormalizeCode upper-cases and trims a node code.
func NormalizeCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

func validateName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", apperr.Field("name", "名称不能为空", "name is required")
	}
	if utf8.RuneCountInString(name) > 64 {
		return "", apperr.Field("name", "名称不能超过 64 个字", "name must be at most 64 characters")
	}
	return name, nil
}

// Create adds a node below the parent. The kind must be the level right
// below the parent's; the code must be new.
func (s *Service) Create(ctx context.Context, in NewNode) (*Node, error) {
	code := NormalizeCode(in.Code)
	if !codePattern.MatchString(code) {
		return nil, apperr.Field("code", "代码须为 2–32 位字母、数字、- 或 _，以字母或数字开头", "code must be 2–32 letters, digits, - or _, starting with a letter or digit")
	}
	name, err := validateName(in.Name)
	if err != nil {
		return nil, err
	}
	var n *Node
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		parent, err := byCode(ctx, tx, NormalizeCode(in.ParentCode))
		if err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return apperr.Field("parent", "上级节点 "+in.ParentCode+" 不存在", "parent node "+in.ParentCode+" does not exist")
			}
			return err
		}
		want, ok := parent.Kind.childKind()
		if !ok || want != in.Kind {
			if !ok {
				return apperr.Field("kind", "项目下不能再建节点", "a project cannot have nodes below it")
			}
			return apperr.Field("kind", parent.Kind.Label("zh-CN")+"下只能建"+want.Label("zh-CN"),
				"below a "+string(parent.Kind)+" only a "+string(want)+" can be added")
		}
		id, err := tx.InsertID(ctx, `INSERT INTO org_nodes (parent_id, kind, code, name, path, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, parent.ID, in.Kind, code, name, "new:"+code, tx.Now, tx.Now)
		if db.IsUniqueViolation(err) {
			return &apperr.Error{Code: apperr.Conflict, Field: "code", ZH: "代码 " + code + " 已被使用", EN: "code " + code + " is already used"}
		}
		if err != nil {
			return err
		}
		path := fmt.Sprintf("%s%d/", parent.Path, id)
		if _, err := tx.Exec(ctx, "UPDATE org_nodes SET path = ? WHERE id = ?", path, id); err != nil {
			return err
		}
		n = &Node{ID: id, ParentID: &parent.ID, Kind: in.Kind, Code: code, Name: name, Path: path, CreatedAt: tx.Now, UpdatedAt: tx.Now}
		return audit.Record(ctx, tx, audit.Change{
			Action: "org.create", ObjectType: "org_node", ObjectID: code, NodePath: path,
			Summary: "新建" + in.Kind.Label("zh-CN") + " " + name, After: n,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("create org node: %w", err)
	}
	return n, nil
}

// Update lists the fields a change may set; nil leaves a field as it is.
type Update struct {
	Name *string
}

// Update changes a node.
func (s *Service) Update(ctx context.Context, code string, upd Update) (*Node, error) {
	var n *Node
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := byCode(ctx, tx, NormalizeCode(code))
		if err != nil {
			return err
		}
		nn := *old
		if upd.Name != nil {
			if nn.Name, err = validateName(*upd.Name); err != nil {
				return err
			}
		}
		if nn == *old {
			n = old
			return nil
		}
		nn.UpdatedAt = tx.Now
		if _, err := tx.Exec(ctx, "UPDATE org_nodes SET name = ?, updated_at = ? WHERE id = ?", nn.Name, nn.UpdatedAt, nn.ID); err != nil {
			return err
		}
		n = &nn
		return audit.Record(ctx, tx, audit.Change{
			Action: "org.update", ObjectType: "org_node", ObjectID: nn.Code, NodePath: nn.Path,
			Summary: "修改节点 " + nn.Name, Before: old, After: n,
		})
	})
	if err != nil {
		return nil, fmt.Errorf("update org node: %w", err)
	}
	return n, nil
}

// ByCode finds a node by its code.
func (s *Service) ByCode(ctx context.Context, code string) (*Node, error) {
	var n *Node
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		n, err = byCode(ctx, tx, NormalizeCode(code))
		return err
	})
	return n, err
}

// ByID finds a node by its id.
func (s *Service) ByID(ctx context.Context, id int64) (*Node, error) {
	var n *Node
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		n, err = ByID(ctx, tx, id)
		return err
	})
	return n, err
}

const nodeColumns = "id, parent_id, kind, code, name, path, created_at, updated_at"

func scanNode(row interface{ Scan(...any) error }) (*Node, error) {
	var n Node
	err := row.Scan(&n.ID, &n.ParentID, &n.Kind, &n.Code, &n.Name, &n.Path, &n.CreatedAt, &n.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("组织节点", "org node")
	}
	return &n, err
}

func byCode(ctx context.Context, tx *db.Tx, code string) (*Node, error) {
	return scanNode(tx.QueryRow(ctx, "SELECT "+nodeColumns+" FROM org_nodes WHERE code = ?", code))
}

// ByID reads a node inside a transaction of another area.
func ByID(ctx context.Context, tx *db.Tx, id int64) (*Node, error) {
	return scanNode(tx.QueryRow(ctx, "SELECT "+nodeColumns+" FROM org_nodes WHERE id = ?", id))
}

// Filter selects nodes.
type Filter struct {
	// Within limits the list to these subtrees (org paths); nil means no
	// limit, an empty non-nil slice means nothing.
	Within []string
	Kind   Kind
	Query  string // substring of code or name
	Offset int
	Limit  int // 0: all
}

// List returns the matching nodes in tree order (each node before its children).
func (s *Service) List(ctx context.Context, f Filter) ([]Node, int, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.Kind != "" {
		conds, args = append(conds, "kind = ?"), append(args, f.Kind)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		// lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not.
		conds = append(conds, `(code LIKE ? ESCAPE '\' OR lower(name) LIKE ? ESCAPE '\')`)
		args = append(args, "%"+db.Like(strings.ToUpper(q))+"%", "%"+db.Like(strings.ToLower(q))+"%")
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	var out []Node
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM org_nodes"+where, args...); err != nil {
			return err
		}
		// Tree order needs byte order: '/' sorts before digits only then.
		order := " ORDER BY path"
		if tx.Dialect() == db.Postgres {
			order = ` ORDER BY path COLLATE "C"`
		}
		q := "SELECT " + nodeColumns + " FROM org_nodes" + where + order
		if f.Limit > 0 {
			q += fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, max(f.Offset, 0))
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			n, err := scanNode(rows)
			if err != nil {
				return err
			}
			out = append(out, *n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list org nodes: %w", err)
	}
	return out, total, nil
}
