package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
)

// Config is the lead rules (线索规则) of a project. Each node of the org tree
// may have its own; a project uses the deepest node on its path that has
// one (the project's, else its city's, region's or the group's), else
// DefaultConfig.
type Config struct {
	// Required lists the fields a lead must have to be in a status, e.g.
	// no intent: surname, gender, mobile, media, lost_reason.
	Required map[Status][]string `json:"required"`
	// NextActions is what follows a change into a status, and on which day
	// (e.g. C: invite to the site on day 3).
	NextActions map[Status]NextAction `json:"next_actions"`
	// Questionnaires are the questions a follow-up answers in each status.
	Questionnaires map[Status][]Question `json:"questionnaires"`
	// ExtraFields are the project's own lead fields (budget, area …).
	ExtraFields []FieldDef `json:"extra_fields"`
	// Media are the choices of 认知媒体 and LostReasons of 丢失原因; empty
	// lists take any text.
	Media       []string `json:"media"`
	LostReasons []string `json:"lost_reasons"`
	// PoolReturnDays: a lead with no valid follow-up for this many days
	// goes back to the project's pool.
	PoolReturnDays int `json:"pool_return_days"`
	// ClaimCap is how many leads a consultant may claim from the pool per
	// day; 0 closes the pool to claims.
	ClaimCap int `json:"claim_cap"`
	// ProtectVisitDays and ProtectReferralDays: a visit, or a referred
	// registration, keeps the owner's protection (保护期) this long.
	ProtectVisitDays    int `json:"protect_visit_days"`
	ProtectReferralDays int `json:"protect_referral_days"`
	// StuckDays: a lead whose status has not moved for this long is stuck.
	StuckDays int `json:"stuck_days"`
	// Rotation is the consultants of the round-robin (轮岗), in order.
	Rotation []int64 `json:"rotation"`
	// Rules assign new leads by how they came; the first match wins.
	Rules []AssignRule `json:"rules"`
}

// NextAction is the next step after a status change, due Days later.
type NextAction struct {
	Action string `json:"action"`
	Days   int    `json:"days"`
}

// Question is one question of a stage's questionnaire (跟进问卷).
type Question struct {
	Key      string   `json:"key"`
	Text     string   `json:"text"`
	Options  []string `json:"options,omitempty"` // empty: free text
	Required bool     `json:"required"`
}

// FieldDef is a project's own lead field.
type FieldDef struct {
	Key string `json:"key"`
	ZH  string `json:"zh"`
	EN  string `json:"en"`
}

// AssignRule gives new leads that came by Source (any if "") and heard of
// the project through Media (any if "") to a consultant.
type AssignRule struct {
	Source  Source `json:"source,omitempty"`
	Media   string `json:"media,omitempty"`
	StaffID int64  `json:"staff_id"`
}

// The lead's own fields that Required may name.
const (
	FieldSurname    = "surname"
	FieldName       = "name"
	FieldGender     = "gender"
	FieldMobile     = "mobile"
	FieldMedia      = "media"
	FieldLostReason = "lost_reason"
	FieldReferrer   = "referrer"
)

var builtinFields = []string{FieldSurname, FieldName, FieldGender, FieldMobile, FieldMedia, FieldLostReason, FieldReferrer}

// fieldLabels name the built-in fields in messages.
var fieldLabels = map[string][2]string{
	FieldSurname: {"姓氏", "surname"}, FieldName: {"姓名", "name"}, FieldGender: {"性别", "gender"}, FieldMobile: {"手机号码", "mobile"},
	FieldMedia: {"认知媒体", "how they heard of the project"}, FieldLostReason: {"丢失原因", "why lost"}, FieldReferrer: {"推荐人", "referrer"},
}

// DefaultConfig is the rules a project has until someone sets its own.
func DefaultConfig() Config {
	return Config{
		Required: map[Status][]string{
			NoIntent: {FieldSurname, FieldGender, FieldMobile, FieldMedia, FieldLostReason},
			C:        {FieldMobile},
			B:        {FieldSurname, FieldGender, FieldMobile, FieldMedia},
			A:        {FieldSurname, FieldGender, FieldMobile, FieldMedia},
			Won:      {FieldName, FieldGender, FieldMobile, FieldMedia},
		},
		NextActions: map[Status]NextAction{
			C: {"邀约到访", 3}, B: {"电话回访", 2}, A: {"邀约认购", 1}, Won: {"签约及资料完善", 7},
		},
		Questionnaires: map[Status][]Question{},
		Media:          []string{"网络", "朋友介绍", "老带新", "户外广告", "报纸", "短信", "路过", "其他"},
		LostReasons:    []string{"价格", "位置", "户型", "已购其他楼盘", "暂缓购房", "其他"},
		PoolReturnDays: 15, ClaimCap: 5, ProtectVisitDays: 30, ProtectReferralDays: 90, StuckDays: 30,
	}
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// known reports whether f is a field of the lead or one of the project's.
func (c *Config) known(f string) bool {
	return slices.Contains(builtinFields, f) || slices.ContainsFunc(c.ExtraFields, func(d FieldDef) bool { return d.Key == f })
}

// fieldLabel names a field in lang.
func (c *Config) fieldLabel(f, lang string) string {
	if l, ok := fieldLabels[f]; ok {
		return label(fieldLabels, f, lang)
	} else if i := slices.IndexFunc(c.ExtraFields, func(d FieldDef) bool { return d.Key == f }); i >= 0 {
		l = [2]string{c.ExtraFields[i].ZH, c.ExtraFields[i].EN}
		if lang == "en" {
			return l[1]
		}
		return l[0]
	}
	return f
}

func days(field string, n, lo, hi int) error {
	if n < lo || n > hi {
		return apperr.Field(field, fmt.Sprintf("天数应在 %d 到 %d 之间", lo, hi), fmt.Sprintf("days must be between %d and %d", lo, hi))
	}
	return nil
}

// validate checks the rules that need no database.
func (c *Config) validate() error {
	for _, d := range c.ExtraFields {
		if !keyPattern.MatchString(d.Key) || slices.Contains(builtinFields, d.Key) {
			return apperr.Field("extra_fields", "自定义字段代码 "+d.Key+" 不正确或与系统字段重名", "field key "+d.Key+" is invalid or taken")
		}
		if d.ZH == "" || utf8.RuneCountInString(d.ZH) > 20 {
			return apperr.Field("extra_fields", "自定义字段须有 20 字以内的名称", "a field needs a name of at most 20 characters")
		}
	}
	for st, fields := range c.Required {
		if _, err := ParseStatus("required", string(st)); err != nil {
			return err
		}
		for _, f := range fields {
			if !c.known(f) {
				return apperr.Field("required."+string(st), "未知字段 "+f, "unknown field "+f)
			}
		}
	}
	for st, na := range c.NextActions {
		if _, err := ParseStatus("next_actions", string(st)); err != nil {
			return err
		}
		if err := days("next_actions."+string(st), na.Days, 0, 365); err != nil {
			return err
		}
		if na.Action == "" || utf8.RuneCountInString(na.Action) > 40 {
			return apperr.Field("next_actions."+string(st), "下一步动作须为 1–40 字", "the next action needs 1–40 characters")
		}
	}
	for st, qs := range c.Questionnaires {
		seen := map[string]bool{}
		for _, q := range qs {
			if !keyPattern.MatchString(q.Key) || seen[q.Key] || q.Text == "" {
				return apperr.Field("questionnaires."+string(st), "问题 "+q.Key+" 的代码重复、不正确或没有题目", "question "+q.Key+": duplicate or invalid key, or no text")
			}
			seen[q.Key] = true
		}
	}
	checks := []struct {
		field     string
		n, lo, hi int
	}{
		{"pool_return_days", c.PoolReturnDays, 1, 365}, {"claim_cap", c.ClaimCap, 0, 100},
		{"protect_visit_days", c.ProtectVisitDays, 0, 365}, {"protect_referral_days", c.ProtectReferralDays, 0, 365},
		{"stuck_days", c.StuckDays, 1, 365},
	}
	for _, k := range checks {
		if err := days(k.field, k.n, k.lo, k.hi); err != nil {
			return err
		}
	}
	seen := map[int64]bool{}
	for _, id := range c.Rotation {
		if seen[id] {
			return apperr.Field("rotation", "轮岗名单中有重复的置业顾问", "a consultant appears twice in the rotation")
		}
		seen[id] = true
	}
	for i, r := range c.Rules {
		if r.Source != "" && r.Source != Visit && r.Source != Call {
			return apperr.Field("rules."+strconv.Itoa(i), "分配规则的来源应为 来人 或 来电", "a rule's source must be visit or call")
		}
	}
	return nil
}

// configFor is the rules of the project at path.
func configFor(ctx context.Context, tx *db.Tx, path string) (*Config, error) {
	var raw string
	err := tx.QueryRow(ctx, `SELECT s.config FROM lead_settings s JOIN org_nodes n ON n.id = s.node_id
		WHERE ? LIKE n.path || '%' ORDER BY length(n.path) DESC LIMIT 1`, path).Scan(&raw)
	if isNoRows(err) {
		c := DefaultConfig()
		return &c, nil
	}
	if err != nil {
		return nil, err
	}
	var c Config
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return nil, fmt.Errorf("lead settings: %w", err)
	}
	return &c, nil
}

// Config returns the rules in force at an org node (a project, or the node
// whose defaults are edited).
func (s *Service) Config(ctx context.Context, nodeCode string) (*Config, error) {
	var c *Config
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		n, err := nodeByCode(ctx, tx, nodeCode)
		if err != nil {
			return err
		}
		c, err = configFor(ctx, tx, n.Path)
		return err
	})
	return c, err
}

// SetConfig stores the rules of an org node: at the group they are every
// project's defaults, at a project its own. The consultants of the rotation
// and of the rules must be active and work at the node.
func (s *Service) SetConfig(ctx context.Context, nodeCode string, c Config) (*Config, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		n, err := nodeByCode(ctx, tx, nodeCode)
		if err != nil {
			return err
		}
		for _, id := range c.Rotation {
			if _, err := consultantAt(ctx, tx, id, n.Path, "rotation"); err != nil {
				return err
			}
		}
		for i, r := range c.Rules {
			if _, err := consultantAt(ctx, tx, r.StaffID, n.Path, "rules."+strconv.Itoa(i)); err != nil {
				return err
			}
		}
		old, err := configFor(ctx, tx, n.Path)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM lead_settings WHERE node_id = ?", n.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO lead_settings (node_id, config, updated_by, updated_at) VALUES (?, ?, ?, ?)",
			n.ID, string(raw), tx.Actor.Login, tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "lead.config", ObjectType: "lead_settings", ObjectID: n.Code, NodePath: n.Path,
			Summary: "修改线索规则 " + n.Name, Before: old, After: c})
	})
	if err != nil {
		return nil, fmt.Errorf("set lead config: %w", err)
	}
	return &c, nil
}

// nodeByCode finds an org node.
func nodeByCode(ctx context.Context, tx *db.Tx, code string) (*org.Node, error) {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM org_nodes WHERE code = ?", org.NormalizeCode(code)).Scan(&id)
	if isNoRows(err) {
		return nil, apperr.Field("project", "组织 "+code+" 不存在", "org node "+code+" does not exist")
	}
	if err != nil {
		return nil, err
	}
	return org.ByID(ctx, tx, id)
}

// projectByCode finds a project.
func projectByCode(ctx context.Context, tx *db.Tx, code string) (*org.Node, error) {
	n, err := nodeByCode(ctx, tx, code)
	if err != nil {
		return nil, err
	}
	if n.Kind != org.Project {
		return nil, apperr.Field("project", n.Name+" 不是项目", n.Code+" is not a project")
	}
	return n, nil
}
