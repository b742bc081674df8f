package member

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// Update lists the fields a change may set; nil leaves a field as it is.
// Staff correct a profile (客服协助修正); members edit their own (信息自助修改).
type Update struct {
	Name       *string         `json:"name,omitempty"`
	Gender     *string         `json:"gender,omitempty"`
	Mobile     *string         `json:"mobile,omitempty"`
	IDNumber   *string         `json:"id_number,omitempty"`
	Birthday   *string         `json:"birthday,omitempty"`
	Address    *string         `json:"address,omitempty"`
	Email      *string         `json:"email,omitempty"`
	WeChat     *string         `json:"wechat,omitempty"`
	Occupation *string         `json:"occupation,omitempty"`
	Family     *[]FamilyMember `json:"family,omitempty"`
	Tags       *[]string       `json:"tags,omitempty"`
	Consent    *Consent        `json:"consent,omitempty"`
}

// asUpdate turns an application's filled-in fields into an update.
func (p *profile) asUpdate() Update {
	var u Update
	set := func(dst **string, v string) {
		if v != "" {
			*dst = &v
		}
	}
	set(&u.Name, p.name)
	set(&u.Gender, p.gender)
	set(&u.IDNumber, p.idNumber)
	set(&u.Birthday, p.birthday.String())
	set(&u.Address, p.address)
	set(&u.Email, p.email)
	set(&u.WeChat, p.wechat)
	set(&u.Occupation, p.occupation)
	if len(p.family) > 0 {
		u.Family = &p.family
	}
	if len(p.tags) > 0 {
		u.Tags = &p.tags
	}
	if p.consent.At != nil {
		u.Consent = &p.consent
	}
	return u
}

// Update changes a member's profile; every changed field is kept in the
// history (personal data masked there).
func (s *Service) Update(ctx context.Context, id int64, u Update) (*Member, error) {
	var m *Member
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := s.loadRow(ctx, tx, "m.id = ?"+tx.ForUpdateOf("m"), id)
		if err != nil {
			return err
		}
		changed, err := s.update(ctx, tx, old, u, source(tx))
		if err != nil || !changed {
			m = &old.Member
			return err
		}
		r, err := s.loadRow(ctx, tx, "m.id = ?", id)
		if err != nil {
			return err
		}
		m = &r.Member
		return audit.Record(ctx, tx, audit.Change{Action: "member.update", ObjectType: "member", ObjectID: id,
			NodePath: r.NodePath, Summary: "修改会员资料 " + pii.MaskName(r.Name), Before: &old.Member, After: m})
	})
	if err != nil {
		return nil, fmt.Errorf("update member: %w", err)
	}
	return m, nil
}

// update applies u to the stored member old inside tx.
func (s *Service) update(ctx context.Context, tx *db.Tx, old *row, u Update, src string) (bool, error) {
	cur, err := s.open(old)
	if err != nil {
		return false, err
	}
	a := Application{Name: old.Name, Gender: old.Gender, Mobile: cur.Mobile, IDNumber: cur.IDNumber, Birthday: old.Birthday.String(),
		Address: cur.Address, Email: old.Email, WeChat: old.WeChat, Occupation: old.Occupation, Family: old.Family,
		Tags: old.Tags, Consent: old.Consent}
	pick := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	pick(&a.Name, u.Name)
	pick(&a.Mobile, u.Mobile)
	pick(&a.Email, u.Email)
	pick(&a.WeChat, u.WeChat)
	pick(&a.Occupation, u.Occupation)
	pick(&a.Address, u.Address)
	if u.IDNumber != nil {
		a.IDNumber = *u.IDNumber
		// A new ID number brings its own birthday and gender.
		if u.Birthday == nil {
			a.Birthday = ""
		}
		if u.Gender == nil {
			a.Gender = ""
		}
	}
	pick(&a.Gender, u.Gender)
	pick(&a.Birthday, u.Birthday)
	if u.Family != nil {
		a.Family = *u.Family
	}
	if u.Tags != nil {
		a.Tags = *u.Tags
	}
	consentChanged := u.Consent != nil && (u.Consent.SMS != old.Consent.SMS || u.Consent.Email != old.Consent.Email || u.Consent.Post != old.Consent.Post)
	if consentChanged {
		a.Consent = *u.Consent
	}
	p, err := a.validate(tx.Now, old.Name != "" || u.Name != nil)
	if err != nil {
		return false, err
	}
	if !consentChanged {
		p.consent = old.Consent // unchanged consent keeps when and how it was given
	} else if u.Consent.How != "" {
		p.consent.How = u.Consent.How
	}
	sl, err := s.seal(p.mobile, p.idNumber, p.address)
	if err != nil {
		return false, err
	}
	if sl.mobileIdx != old.mobileIdx {
		var other int64
		if err := tx.QueryRow(ctx, "SELECT id FROM members WHERE mobile_idx = ?", sl.mobileIdx).Scan(&other); err == nil {
			return false, &apperr.Error{Code: apperr.Conflict, Field: "mobile", ZH: "该手机号已是另一位会员", EN: "this mobile number belongs to another member"}
		} else if !isNoRows(err) {
			return false, err
		}
	}
	if sl.idIdx != nil {
		if err := checkIDFree(ctx, tx, *sl.idIdx, old.ID); err != nil {
			return false, err
		}
	}
	type diff struct{ field, old, new string }
	famOld, _ := json.Marshal(old.Family)
	famNew, _ := json.Marshal(nonNil(p.family))
	diffs := []diff{
		{"name", old.Name, p.name}, {"gender", old.Gender, p.gender},
		{"mobile", pii.MaskMobile(cur.Mobile), pii.MaskMobile(p.mobile)},
		{"id_number", pii.MaskIDNumber(cur.IDNumber), pii.MaskIDNumber(p.idNumber)},
		{"address", pii.MaskAddress(cur.Address), pii.MaskAddress(p.address)},
		{"birthday", old.Birthday.String(), p.birthday.String()}, {"email", old.Email, p.email},
		{"wechat", old.WeChat, p.wechat}, {"occupation", old.Occupation, p.occupation},
		{"family", string(famOld), string(famNew)},
		{"tags", strings.Join(sortedCopy(old.Tags), "、"), strings.Join(p.tags, "、")},
		{"consent", consentText(old.Consent), consentText(p.consent)},
	}
	// Personal data can change while its mask stays the same.
	piiChanged := cur.Mobile != p.mobile || cur.IDNumber != p.idNumber || cur.Address != p.address
	changed := piiChanged
	for _, d := range diffs {
		if d.old != d.new {
			changed = true
		}
	}
	if !changed {
		return false, nil
	}
	for _, d := range diffs {
		if err := recordChange(ctx, tx, old.ID, src, d.field, d.old, d.new); err != nil {
			return false, err
		}
	}
	if piiChanged && pii.MaskMobile(cur.Mobile) == pii.MaskMobile(p.mobile) && cur.Mobile != p.mobile {
		if err := recordChange(ctx, tx, old.ID, src, "mobile", "(已修改)", pii.MaskMobile(p.mobile)); err != nil {
			return false, err
		}
	}
	full, initials := namePinyin(p.name)
	_, err = tx.Exec(ctx, `UPDATE members SET name = ?, name_pinyin = ?, name_initials = ?, gender = ?, mobile_enc = ?, mobile_idx = ?,
		mobile_last4_idx = ?, id_enc = ?, id_idx = ?, address_enc = ?, birthday = ?, email = ?, wechat = ?, occupation = ?, family = ?,
		consent_sms = ?, consent_email = ?, consent_post = ?, consent_at = ?, consent_how = ?, updated_at = ? WHERE id = ?`,
		p.name, full, initials, p.gender, sl.mobile, sl.mobileIdx, sl.last4Idx, sl.id, sl.idIdx, sl.address, p.birthday,
		p.email, p.wechat, p.occupation, string(famNew), p.consent.SMS, p.consent.Email, p.consent.Post, p.consent.At,
		p.consent.How, tx.Now, old.ID)
	if db.IsUniqueViolation(err) {
		return false, &apperr.Error{Code: apperr.Conflict, Field: "mobile", ZH: "手机号或身份证号已属于另一位会员", EN: "the mobile or ID number belongs to another member"}
	}
	if err != nil {
		return false, err
	}
	if p.name != old.Name {
		if err := addNameTokens(ctx, tx, p.name); err != nil {
			return false, err
		}
	}
	if !slices.Equal(sortedCopy(old.Tags), p.tags) {
		if err := setTags(ctx, tx, old.ID, p.tags); err != nil {
			return false, err
		}
	}
	return true, nil
}

func consentText(c Consent) string {
	var parts []string
	if c.SMS {
		parts = append(parts, "短信")
	}
	if c.Email {
		parts = append(parts, "邮件")
	}
	if c.Post {
		parts = append(parts, "邮寄")
	}
	if len(parts) == 0 {
		return "不接收"
	}
	return strings.Join(parts, "、")
}

// Reveal returns a member's personal data in clear and writes the reveal to
// the audit log. Callers check member.reveal_pii first.
func (s *Service) Reveal(ctx context.Context, id int64, why string) (*PII, error) {
	var out *PII
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		r, err := s.loadRow(ctx, tx, "m.id = ?", id)
		if err != nil {
			return err
		}
		if out, err = s.open(r); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "member.reveal", ObjectType: "member", ObjectID: id,
			NodePath: r.NodePath, Summary: "查看会员 " + pii.MaskName(r.Name) + " 的完整个人信息 " + strings.TrimSpace(why)})
	})
	return out, err
}

// RevealPage puts the personal data of a page of members (an export, say)
// in clear, in place, writing one audit entry for the page. Callers check
// member.reveal_pii first.
func (s *Service) RevealPage(ctx context.Context, members []Member, why string) error {
	if len(members) == 0 {
		return nil
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		ids := make([]string, 0, len(members))
		for i := range members {
			r, err := s.loadRow(ctx, tx, "m.id = ?", members[i].ID)
			if err != nil {
				return err
			}
			p, err := s.open(r)
			if err != nil {
				return err
			}
			members[i].Mobile, members[i].IDNumber, members[i].Address = p.Mobile, p.IDNumber, p.Address
			if len(ids) < 50 {
				ids = append(ids, fmt.Sprint(members[i].ID))
			}
		}
		more := ""
		if len(members) > len(ids) {
			more = fmt.Sprintf(" 等 %d 人", len(members))
		}
		return audit.Record(ctx, tx, audit.Change{Action: "member.reveal", ObjectType: "member", ObjectID: strings.Join(ids, ","),
			NodePath: "/1/", Summary: "批量查看会员完整个人信息（" + strings.TrimSpace(why) + "）：" + strings.Join(ids, ",") + more})
	})
}

// sortedCopy orders tags by bytes, whatever the database's collation.
func sortedCopy(xs []string) []string {
	out := slices.Clone(xs)
	slices.Sort(out)
	return out
}
