package request

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// The admin's edits of the catalogue: each is one transaction, recorded as
// request.kind_edit, and clears this server's copy of the catalogue.

// KindNames renames a kind.
type KindNames struct {
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// SubkindInput is a new subkind. Code may be left empty: it is then made
// from the English name.
type SubkindInput struct {
	Code   Subkind `json:"code"`
	Name   string  `json:"name"`
	NameEN string  `json:"name_en"`
}

// SubkindUpdate changes a subkind; nil fields stay as they are.
type SubkindUpdate struct {
	Code    *Subkind `json:"code,omitempty"` // only while no request or routing rule has it
	Name    *string  `json:"name,omitempty"`
	NameEN  *string  `json:"name_en,omitempty"`
	Retired *bool    `json:"retired,omitempty"`
}

// checkNames trims and checks a pair of names: both are required.
func checkNames(zh, en *string) error {
	*zh, *en = strings.TrimSpace(*zh), strings.TrimSpace(*en)
	shown := func(s string) bool {
		return utf8.ValidString(s) && strings.IndexFunc(s, unicode.IsControl) < 0
	}
	switch {
	case *zh == "" || utf8.RuneCountInString(*zh) > 20 || !shown(*zh):
		return apperr.Field("name", "请填写中文名称（不超过 20 个字）", "enter the Chinese name (at most 20 characters)")
	case *en == "" || utf8.RuneCountInString(*en) > 40 || !shown(*en):
		return apperr.Field("name_en", "请填写英文名称（不超过 40 个字符）", "enter the English name (at most 40 characters)")
	}
	return nil
}

func checkKind(k Kind) error {
	if !slices.Contains(Kinds, k) {
		return apperr.Field("kind", "请选择诉求类型", "choose the kind of request")
	}
	return nil
}

func checkCode(c Subkind) error {
	if !codePattern.MatchString(string(c)) {
		return apperr.Field("code", "类别代码须为 2–40 个小写英文字母、数字或下划线，以字母开头",
			"the subkind code is 2–40 lower-case ASCII letters, digits or underscores, starting with a letter")
	}
	return nil
}

// RenameKind names a kind in both languages.
func (s *Service) RenameKind(ctx context.Context, k Kind, in KindNames) (*KindDef, error) {
	if err := checkKind(k); err != nil {
		return nil, err
	}
	if err := checkNames(&in.Name, &in.NameEN); err != nil {
		return nil, err
	}
	var out KindDef
	err := s.editCatalogue(ctx, func(tx *db.Tx, c *Catalogue) error {
		kd := c.Kind(k)
		if _, err := tx.Exec(ctx, "UPDATE request_kind_labels SET name_zh = ?, name_en = ?, updated_at = ? WHERE kind = ?",
			in.Name, in.NameEN, tx.Now, k); err != nil {
			return err
		}
		out = KindDef{Kind: k, Name: in.Name, NameEN: in.NameEN, Subkinds: kd.Subkinds}
		names := func(d KindDef) map[string]any { return map[string]any{"kind": k, "name": d.Name, "name_en": d.NameEN} }
		return recordKindEdit(ctx, tx, "诉求类型“"+kd.Name+"”改名为“"+in.Name+"”", names(kd), names(out))
	})
	if err != nil {
		return nil, fmt.Errorf("rename request kind: %w", err)
	}
	return &out, nil
}

// AddSubkind adds a subkind at the end of a kind's list.
func (s *Service) AddSubkind(ctx context.Context, k Kind, in SubkindInput) (*SubkindDef, error) {
	if err := checkKind(k); err != nil {
		return nil, err
	}
	in.Code = Subkind(strings.TrimSpace(string(in.Code)))
	if in.Code != "" {
		if err := checkCode(in.Code); err != nil {
			return nil, err
		}
	}
	if err := checkNames(&in.Name, &in.NameEN); err != nil {
		return nil, err
	}
	var out SubkindDef
	err := s.editCatalogue(ctx, func(tx *db.Tx, c *Catalogue) error {
		kd := c.Kind(k)
		code := in.Code
		if code == "" {
			code = newCode(kd, in.NameEN)
		} else if _, ok := kd.Find(code); ok {
			return errCodeTaken(kd, code)
		}
		pos := 1
		if n := len(kd.Subkinds); n > 0 {
			pos = kd.Subkinds[n-1].Position + 1
		}
		out = SubkindDef{Kind: k, Code: code, Name: in.Name, NameEN: in.NameEN, Position: pos}
		_, err := tx.Exec(ctx, `INSERT INTO request_subkinds (kind, code, name_zh, name_en, position, retired, built_in, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, k, code, in.Name, in.NameEN, pos, false, false, tx.Now, tx.Now)
		if db.IsUniqueViolation(err) {
			return errCodeTaken(kd, code)
		}
		if err != nil {
			return err
		}
		return recordKindEdit(ctx, tx, "诉求类型“"+kd.Name+"”新增细类“"+in.Name+"”", nil, out)
	})
	if err != nil {
		return nil, fmt.Errorf("add request subkind: %w", err)
	}
	return &out, nil
}

func errCodeTaken(kd KindDef, code Subkind) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "code",
		ZH: "“" + kd.Name + "”下已有代码为 " + string(code) + " 的类别",
		EN: "“" + kd.NameEN + "” already has a subkind with code " + string(code)}
}

// newCode makes a free code from an English name: its words in lower
// case joined by underscores, else "sub"; then _2, _3 … until free.
func newCode(kd KindDef, nameEN string) Subkind {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(nameEN) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
		default:
			gap = true
		}
		if b.Len() >= 30 {
			break
		}
	}
	base := strings.TrimRight(b.String(), "_")
	if base == "" || !codePattern.MatchString(base) {
		base = "sub_" + base
		if !codePattern.MatchString(base) {
			base = "sub"
		}
	}
	taken := func(c Subkind) bool {
		return slices.ContainsFunc(kd.Subkinds, func(d SubkindDef) bool { return d.Code == c })
	}
	code := Subkind(base)
	for i := 2; taken(code); i++ {
		code = Subkind(base + "_" + strconv.Itoa(i))
	}
	return code
}

// UpdateSubkind renames, re-codes, retires or brings back a subkind. A
// built-in subkind is never retired nor re-coded; a code changes only
// while no request or routing rule has it; a kind keeps one subkind on
// offer at least.
func (s *Service) UpdateSubkind(ctx context.Context, k Kind, code Subkind, in SubkindUpdate) (*SubkindDef, error) {
	if err := checkKind(k); err != nil {
		return nil, err
	}
	var out SubkindDef
	err := s.editCatalogue(ctx, func(tx *db.Tx, c *Catalogue) error {
		kd := c.Kind(k)
		before, ok := c.Subkind(k, code)
		if !ok {
			return apperr.NotFoundf("诉求细类", "request subkind")
		}
		out = before
		if in.Name != nil {
			out.Name = *in.Name
		}
		if in.NameEN != nil {
			out.NameEN = *in.NameEN
		}
		if err := checkNames(&out.Name, &out.NameEN); err != nil {
			return err
		}
		if in.Retired != nil {
			out.Retired = *in.Retired
		}
		if out.Retired && !before.Retired {
			if before.BuiltIn {
				return apperr.Field("retired", "“"+before.Name+"”是个人信息保护法要求的类别，不能停用",
					"“"+before.NameEN+"” is required by the PIPL and cannot be retired")
			}
			if len(kd.Offered()) <= 1 {
				return apperr.Field("retired", "“"+kd.Name+"”至少要保留一个可选的类别", "“"+kd.NameEN+"” keeps at least one subkind on offer")
			}
		}
		if in.Code != nil && *in.Code != before.Code {
			if err := s.recode(ctx, tx, kd, before, *in.Code); err != nil {
				return err
			}
			out.Code = *in.Code
		}
		if _, err := tx.Exec(ctx, "UPDATE request_subkinds SET code = ?, name_zh = ?, name_en = ?, retired = ?, updated_at = ? WHERE kind = ? AND code = ?",
			out.Code, out.Name, out.NameEN, out.Retired, tx.Now, k, before.Code); err != nil {
			return err
		}
		what := "修改"
		switch {
		case out.Retired && !before.Retired:
			what = "停用"
		case !out.Retired && before.Retired:
			what = "恢复"
		}
		return recordKindEdit(ctx, tx, "诉求类型“"+kd.Name+"”"+what+"细类“"+out.Name+"”", before, out)
	})
	if err != nil {
		return nil, fmt.Errorf("update request subkind: %w", err)
	}
	return &out, nil
}

// recode checks that a subkind may take a new code.
func (s *Service) recode(ctx context.Context, tx *db.Tx, kd KindDef, d SubkindDef, to Subkind) error {
	if d.BuiltIn {
		return apperr.Field("code", "“"+d.Name+"”是内置类别，代码不能修改", "“"+d.NameEN+"” is built in: its code cannot change")
	}
	if err := checkCode(to); err != nil {
		return err
	}
	if _, ok := kd.Find(to); ok {
		return errCodeTaken(kd, to)
	}
	n, err := tx.Count(ctx, `SELECT (SELECT count(*) FROM requests WHERE kind = ? AND subkind = ?)
		+ (SELECT count(*) FROM request_routes WHERE kind = ? AND subkind = ?)`, kd.Kind, d.Code, kd.Kind, d.Code)
	if err != nil {
		return err
	}
	if n > 0 {
		return apperr.Field("code", "已有诉求或分派规则使用“"+d.Name+"”，代码不能再改", "requests or routing rules have “"+d.NameEN+"”: its code cannot change")
	}
	return nil
}

// ReorderSubkinds puts a kind's subkinds in the order of codes, which
// must name each of them once.
func (s *Service) ReorderSubkinds(ctx context.Context, k Kind, codes []Subkind) (*KindDef, error) {
	if err := checkKind(k); err != nil {
		return nil, err
	}
	var out KindDef
	err := s.editCatalogue(ctx, func(tx *db.Tx, c *Catalogue) error {
		kd := c.Kind(k)
		have := make([]Subkind, 0, len(kd.Subkinds))
		for _, d := range kd.Subkinds {
			have = append(have, d.Code)
		}
		want := slices.Clone(codes)
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			return apperr.Field("codes", "请按新的顺序列出“"+kd.Name+"”的全部类别，每个一次", "list every subkind of “"+kd.NameEN+"” once, in the new order")
		}
		for i, code := range codes {
			if _, err := tx.Exec(ctx, "UPDATE request_subkinds SET position = ?, updated_at = ? WHERE kind = ? AND code = ?",
				i+1, tx.Now, k, code); err != nil {
				return err
			}
		}
		before := map[string]any{"kind": k, "order": order(kd.Subkinds)}
		nc, err := loadCatalogue(ctx, tx)
		if err != nil {
			return err
		}
		out = nc.Kind(k)
		return recordKindEdit(ctx, tx, "调整诉求类型“"+kd.Name+"”的细类顺序", before, map[string]any{"kind": k, "order": order(out.Subkinds)})
	})
	if err != nil {
		return nil, fmt.Errorf("reorder request subkinds: %w", err)
	}
	return &out, nil
}

func order(ds []SubkindDef) string {
	codes := make([]string, 0, len(ds))
	for _, d := range ds {
		codes = append(codes, string(d.Code))
	}
	return strings.Join(codes, ", ")
}

// editCatalogue runs an edit in a transaction on the catalogue as it
// stands, then clears this server's copy.
func (s *Service) editCatalogue(ctx context.Context, edit func(tx *db.Tx, c *Catalogue) error) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, err := loadCatalogue(ctx, tx)
		if err != nil {
			return err
		}
		return edit(tx, c)
	})
	s.kinds.clear()
	return err
}

func recordKindEdit(ctx context.Context, tx *db.Tx, summary string, before, after any) error {
	return audit.Record(ctx, tx, audit.Change{Action: "request.kind_edit", ObjectType: "request_kind", NodePath: "/1/",
		Summary: summary, Before: before, After: after})
}

// checkSubkind refuses, in the transaction of a new request or routing
// rule, a subkind the kind does not offer: unknown or retired.
// It returns the catalogue it read.
func checkSubkind(ctx context.Context, tx *db.Tx, k Kind, sub Subkind) (*Catalogue, error) {
	c, err := loadCatalogue(ctx, tx)
	if err != nil {
		return nil, err
	}
	return c, subkindOffered(c, k, sub)
}

func subkindOffered(c *Catalogue, k Kind, sub Subkind) error {
	kd := c.Kind(k)
	d, ok := c.Subkind(k, sub)
	switch {
	case sub == "":
		return apperr.Field("subkind", "请选择“"+kd.Name+"”下的具体类别", "choose what the "+strings.ToLower(kd.NameEN)+" is about")
	case !ok:
		return apperr.Field("subkind", "“"+kd.Name+"”下没有类别“"+string(sub)+"”，请重新选择",
			"“"+kd.NameEN+"” has no subkind “"+string(sub)+"”; choose another")
	case d.Retired:
		return apperr.Field("subkind", "类别“"+d.Name+"”已停用，请选择其他类别", "the subkind “"+d.NameEN+"” is retired; choose another")
	}
	return nil
}
