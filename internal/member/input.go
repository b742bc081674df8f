package member

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/validate"
)

// Application is a membership application (入会申请表), from a form, the
// API, the portal or an import row. Only Mobile is required for a default
// member; an application also needs a name.
type Application struct {
	NodeCode    string          `json:"org"` // the city company or project joined
	Channel     Channel         `json:"channel"`
	RecruiterID *int64          `json:"recruiter_id,omitempty"`
	Name        string          `json:"name"`
	Gender      string          `json:"gender"`
	Mobile      string          `json:"mobile"`
	IDNumber    string          `json:"id_number"`
	Birthday    string          `json:"birthday"`
	Address     string          `json:"address"`
	Email       string          `json:"email"`
	WeChat      string          `json:"wechat"`
	Occupation  string          `json:"occupation"`
	Family      []FamilyMember  `json:"family"`
	Tags        []string        `json:"tags"`
	Consent     Consent         `json:"consent"`
	Properties  []PropertyInput `json:"properties,omitempty"`
	// MergeWithin limits which existing members this application may merge
	// into (the caller's org scope); nil: any.
	MergeWithin []string `json:"-"`
}

// profile is an application after validation and normalisation.
type profile struct {
	name, gender, mobile, idNumber, address, email, wechat, occupation string
	birthday                                                           db.Date
	family                                                             []FamilyMember
	tags                                                               []string
	consent                                                            Consent
	properties                                                         []propertyRow
	// Worked out ahead by the bulk path (prepareAll), on every core.
	pinyin, initials string
	tokens           []string
}

type propertyRow struct {
	project, building, unit string
	contract, payment, hand db.Date
}

func (a *Application) validate(now time.Time, requireName bool) (*profile, error) {
	var p profile
	var err error
	if p.mobile, err = validate.Mobile("mobile", a.Mobile); err != nil {
		return nil, err
	}
	if strings.TrimSpace(a.Name) != "" || requireName {
		if p.name, err = validate.Name("name", a.Name); err != nil {
			return nil, err
		}
	}
	if p.gender, err = validate.Gender("gender", a.Gender); err != nil {
		return nil, err
	}
	if strings.TrimSpace(a.IDNumber) != "" {
		id, err := validate.IDNumber("id_number", a.IDNumber)
		if err != nil {
			return nil, err
		}
		p.idNumber = id.Number
		// The ID number knows the birthday and gender; a form that says
		// otherwise is wrong somewhere, so say so rather than guess.
		if p.gender != "" && p.gender != id.Gender {
			return nil, apperr.Field("gender", "性别与身份证号不符", "gender does not match the ID number")
		}
		p.gender = id.Gender
		p.birthday = db.Date{Time: id.Birthday}
	}
	if strings.TrimSpace(a.Birthday) != "" {
		bd, err := validate.DateIn("birthday", a.Birthday, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), now)
		if err != nil {
			return nil, err
		}
		if p.birthday.Valid() && !p.birthday.Equal(bd) {
			return nil, apperr.Field("birthday", "生日与身份证号不符", "birthday does not match the ID number")
		}
		p.birthday = db.Date{Time: bd}
	}
	if p.email, err = validate.Email("email", a.Email); err != nil {
		return nil, err
	}
	p.address, err = text("address", a.Address, 200)
	if err == nil {
		p.wechat, err = text("wechat", a.WeChat, 64)
	}
	if err == nil {
		p.occupation, err = text("occupation", a.Occupation, 64)
	}
	if err != nil {
		return nil, err
	}
	for _, f := range a.Family {
		if strings.TrimSpace(f.Relation) == "" && strings.TrimSpace(f.Name) == "" {
			continue
		}
		if _, err := text("family", f.Relation+f.Name, 80); err != nil {
			return nil, err
		}
		p.family = append(p.family, FamilyMember{Relation: strings.TrimSpace(f.Relation), Name: strings.TrimSpace(f.Name), Birthday: strings.TrimSpace(f.Birthday)})
	}
	p.tags = normalizeTags(a.Tags)
	if len(p.tags) > 30 {
		return nil, apperr.Field("tags", "兴趣标签最多 30 个", "at most 30 interest tags")
	}
	for _, in := range a.Properties {
		var pr propertyRow
		pr.project = strings.TrimSpace(in.ProjectCode)
		if pr.building, err = text("building", in.Building, 32); err != nil {
			return nil, err
		}
		if pr.unit, err = text("unit", in.Unit, 32); err != nil {
			return nil, err
		}
		if pr.contract, pr.payment, pr.hand, err = in.dates(); err != nil {
			return nil, err
		}
		p.properties = append(p.properties, pr)
	}
	p.consent = a.Consent
	if p.consent.SMS || p.consent.Email || p.consent.Post {
		at := now
		p.consent.At = &at
		if p.consent.How == "" {
			p.consent.How = "入会申请"
		}
	} else {
		p.consent = Consent{}
	}
	return &p, nil
}

// text trims a free-text field and checks its length.
func text(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > max {
		return "", apperr.Field(field, "内容过长（最多 "+strconv.Itoa(max)+" 字）", "too long (at most "+strconv.Itoa(max)+" characters)")
	}
	for _, r := range s {
		if r < ' ' && r != '\t' {
			return "", apperr.Field(field, "包含不可见的控制字符", "contains control characters")
		}
	}
	return s, nil
}

// normalizeTags splits, trims, de-duplicates and sorts interest tags.
func normalizeTags(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range in {
		for _, part := range strings.FieldsFunc(t, func(r rune) bool { return strings.ContainsRune(",，;；、/ ", r) }) {
			part = validate.Halfwidth(strings.TrimSpace(part))
			if part != "" && !seen[part] && utf8.RuneCountInString(part) <= 20 {
				seen[part] = true
				out = append(out, part)
			}
		}
	}
	slices.Sort(out)
	return out
}
