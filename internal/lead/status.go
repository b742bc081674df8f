package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/validate"
)

// Update lists what a change of a lead may set; nil leaves a field as it
// is. Fields are merged into the lead's own fields ("" removes one).
type Update struct {
	Status     *Status           `json:"status,omitempty"`
	Surname    *string           `json:"surname,omitempty"`
	Name       *string           `json:"name,omitempty"`
	Gender     *string           `json:"gender,omitempty"`
	Media      *string           `json:"media,omitempty"`
	LostReason *string           `json:"lost_reason,omitempty"`
	Fields     map[string]string `json:"fields,omitempty"`
	Reason     string            `json:"reason,omitempty"` // why, for the history
}

// value is a field of a lead for the required-fields check.
func (l *Lead) value(f string) string {
	switch f {
	case FieldSurname:
		return l.Surname
	case FieldName:
		return l.Name
	case FieldGender:
		return l.Gender
	case FieldMobile:
		return l.Mobile
	case FieldMedia:
		return l.Media
	case FieldLostReason:
		return l.LostReason
	case FieldReferrer:
		if l.ReferrerMemberID != nil {
			return fmt.Sprint(*l.ReferrerMemberID)
		}
		return ""
	}
	return l.Fields[f]
}

// checkRequired refuses a lead that lacks a field its status needs. It is
// the one check of required fields: registration (console, phone, API and
// import), every change of a lead and a deal call it with the lead as it
// would be stored. The error names the first missing field (the form marks
// it) and lists them all.
func (c *Config) checkRequired(l *Lead, st Status) error {
	var missing []string
	for _, f := range c.Required[st] {
		if strings.TrimSpace(l.value(f)) == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	zh, en := make([]string, len(missing)), make([]string, len(missing))
	for i, f := range missing {
		zh[i], en[i] = c.fieldLabel(f, "zh-CN"), c.fieldLabel(f, "en")
	}
	return apperr.Field(missing[0], "「"+st.Label("zh-CN")+"」须填写"+strings.Join(zh, "、"),
		st.Label("en")+" needs "+strings.Join(en, ", "))
}

// ChangeStatus moves a lead to another status (意向级别), with the fields
// that status needs in u. A missing required field refuses the change and
// names the field; the status's next action is set with its due day.
func (s *Service) ChangeStatus(ctx context.Context, id int64, to Status, u Update) (*Lead, error) {
	u.Status = &to
	return s.Update(ctx, id, u)
}

// Update changes a lead's fields and perhaps its status; each change is
// kept in the history with the reason. Only the lead's owner or the
// project's sales manager may (mayWork).
func (s *Service) Update(ctx context.Context, id int64, u Update) (*Lead, error) {
	var out *Lead
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := mayWork(ctx, tx, r); err != nil {
			return err
		}
		cfg, err := configFor(ctx, tx, r.NodePath)
		if err != nil {
			return err
		}
		old := r.Lead
		old.Fields = maps.Clone(r.Fields)
		next, err := cfg.apply(&r.Lead, u)
		if err != nil {
			return err
		}
		if next == Won && old.Status != Won {
			return apperr.Field("status", "成交须通过登记认购或签约录入", "deals are recorded by a subscription or contract")
		}
		if old.Status == Won && next != Won {
			return &apperr.Error{Code: apperr.Conflict, Field: "status", ZH: "已成交的线索不能改回其他状态", EN: "a lead with a deal cannot go back"}
		}
		if err := cfg.checkRequired(&r.Lead, next); err != nil {
			return err
		}
		if err := s.writeChange(ctx, tx, cfg, &old, r, next, u.Reason); err != nil {
			return err
		}
		if r, err = s.load(ctx, tx, id, false); err != nil {
			return err
		}
		out = &r.Lead
		return audit.Record(ctx, tx, audit.Change{Action: "lead.update", ObjectType: "lead", ObjectID: id, NodePath: r.NodePath,
			Summary: "修改线索 " + r.Surname + " " + r.Mobile, Before: &old, After: out})
	})
	if err != nil {
		return nil, fmt.Errorf("update lead: %w", err)
	}
	return out, nil
}

// apply validates u and applies it to l, returning the status l will have.
func (c *Config) apply(l *Lead, u Update) (Status, error) {
	next := l.Status
	var err error
	if u.Status != nil {
		if next, err = ParseStatus("status", string(*u.Status)); err != nil {
			return "", err
		}
	}
	if u.Surname != nil {
		if l.Surname, err = optName(FieldSurname, *u.Surname, 10); err != nil {
			return "", err
		}
	}
	if u.Name != nil {
		if l.Name, err = optName(FieldName, *u.Name, 40); err != nil {
			return "", err
		}
	}
	if u.Gender != nil {
		if l.Gender, err = validate.Gender(FieldGender, *u.Gender); err != nil {
			return "", err
		}
	}
	if u.Media != nil {
		l.Media = strings.TrimSpace(*u.Media)
		if l.Media != "" && !inList(c.Media, l.Media) {
			return "", apperr.Field(FieldMedia, "认知媒体应为："+strings.Join(c.Media, "、"), "media must be one of the project's choices")
		}
	}
	if u.LostReason != nil {
		l.LostReason = strings.TrimSpace(*u.LostReason)
		if l.LostReason != "" && !inList(c.LostReasons, l.LostReason) {
			return "", apperr.Field(FieldLostReason, "丢失原因应为："+strings.Join(c.LostReasons, "、"), "the reason must be one of the project's choices")
		}
	}
	fillSurname(l)
	for k, v := range u.Fields {
		if !c.known(k) || isBuiltin(k) {
			return "", apperr.Field(k, "项目没有字段 "+k, "the project has no field "+k)
		}
		if v = strings.TrimSpace(v); v == "" {
			delete(l.Fields, k)
		} else if len([]rune(v)) > 200 {
			return "", apperr.Field(k, "最多 200 字", "at most 200 characters")
		} else {
			l.Fields[k] = v
		}
	}
	return next, nil
}

// writeChange stores a lead's new values and a history line per change.
func (s *Service) writeChange(ctx context.Context, tx *db.Tx, cfg *Config, old *Lead, r *row, next Status, reason string) error {
	l := &r.Lead
	fields, _ := json.Marshal(l.Fields)
	if _, err := tx.Exec(ctx, `UPDATE leads SET surname = ?, name = ?, gender = ?, media = ?, lost_reason = ?, fields = ?, updated_at = ? WHERE id = ?`,
		l.Surname, l.Name, l.Gender, l.Media, l.LostReason, string(fields), tx.Now, l.ID); err != nil {
		return err
	}
	for _, f := range []string{FieldSurname, FieldName, FieldGender, FieldMedia, FieldLostReason} {
		if o, n := old.value(f), l.value(f); o != n {
			if err := record(ctx, tx, l.ID, "field:"+f, o, n, reason); err != nil {
				return err
			}
		}
	}
	keys := slices.Sorted(maps.Keys(l.Fields))
	for k := range old.Fields {
		if _, ok := l.Fields[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		if o, n := old.Fields[k], l.Fields[k]; o != n {
			if err := record(ctx, tx, l.ID, "field:"+k, o, n, reason); err != nil {
				return err
			}
		}
	}
	if next == old.Status {
		return nil
	}
	return setStatus(ctx, tx, cfg, r, next, reason)
}

// setStatus moves a lead to a status and sets the status's next action.
func setStatus(ctx context.Context, tx *db.Tx, cfg *Config, r *row, next Status, reason string) error {
	na := cfg.NextActions[next]
	var due db.Date
	if na.Action != "" {
		due = addDays(dayOf(tx.Now), na.Days)
	}
	if _, err := tx.Exec(ctx, "UPDATE leads SET status = ?, status_at = ?, next_action = ?, next_due = ?, updated_at = ? WHERE id = ?",
		next, tx.Now, na.Action, due, tx.Now, r.ID); err != nil {
		return err
	}
	if err := record(ctx, tx, r.ID, "status", string(r.Status), string(next), reason); err != nil {
		return err
	}
	r.Status, r.StatusAt, r.NextAction, r.NextDue = next, tx.Now, na.Action, due
	return nil
}
