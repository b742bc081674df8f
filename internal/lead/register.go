package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/validate"
)

// Registration is a walk-in (来人) or call-in (来电) registered by the
// sales site. Only the project, the source and the mobile are required
// unless the status asks for more. Without a surname, the surname a
// Chinese full name begins with is taken (张三: 张); nothing is guessed
// from other names (先生, Tom).
type Registration struct {
	ProjectCode      string            `json:"project"`
	Source           Source            `json:"source"`
	Mobile           string            `json:"mobile"`
	Surname          string            `json:"surname"`
	Name             string            `json:"name"`
	Gender           string            `json:"gender"`
	Media            string            `json:"media"`
	Status           Status            `json:"status"` // "": C
	LostReason       string            `json:"lost_reason"`
	Fields           map[string]string `json:"fields"`
	ReferrerMemberID *int64            `json:"referrer_member_id,omitempty"`
	// OwnerID is the consultant who received the customer; with Assign
	// empty and no OwnerID the lead waits for the sales manager.
	OwnerID *int64     `json:"owner_id,omitempty"`
	Assign  AssignMode `json:"assign,omitempty"`
	// At is when the contact happened; zero is now. Imports give the
	// day of the paper sheet.
	At time.Time `json:"at"`
}

// Ownership is what the group already knows of a mobile number (判客): the
// lead and who owns it until when, and the member it belongs to.
type Ownership struct {
	Lead   *Lead          `json:"lead,omitempty"`
	Member *member.Member `json:"member,omitempty"`
}

// Known reports whether the number belongs to a lead or a member.
func (o *Ownership) Known() bool { return o != nil && (o.Lead != nil || o.Member != nil) }

// RegisterResult is what a registration did.
type RegisterResult struct {
	Lead    *Lead `json:"lead"`
	Created bool  `json:"created"`
	// Existing is set when the mobile was known. A known lead makes no new
	// lead: Lead is then that lead, whose owner keeps the customer.
	Existing *Ownership `json:"existing,omitempty"`
	// MemberError says why the new lead could not be enrolled as a default
	// member; EnsureMember tries again.
	MemberError *apperr.Error `json:"member_error,omitempty"`
}

// Check looks a mobile number up among the group's leads and members (判客)
// before anything is registered.
func (s *Service) Check(ctx context.Context, mobile string) (*Ownership, error) {
	norm, err := validate.Mobile(FieldMobile, mobile)
	if err != nil {
		return nil, err
	}
	o := &Ownership{}
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		r, err := s.byIndex(ctx, tx, s.Keys.Index(pii.KindMobile, norm))
		if err == nil {
			o.Lead = &r.Lead
		} else if !apperr.Is(err, apperr.NotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if o.Member, err = s.memberByMobile(ctx, norm); err != nil {
		return nil, err
	}
	return o, nil
}

func (s *Service) memberByMobile(ctx context.Context, norm string) (*member.Member, error) {
	if s.Members == nil {
		return nil, nil
	}
	m, err := s.Members.ByMobile(ctx, norm)
	if apperr.Is(err, apperr.NotFound) {
		return nil, nil
	}
	return m, err
}

func (s *Service) byIndex(ctx context.Context, tx *db.Tx, idx string) (*row, error) {
	r, err := scanLead(tx.QueryRow(ctx, "SELECT "+leadColumns+leadFrom+" WHERE l.group_id = ? AND l.mobile_idx = ?", org.RootID, idx))
	if err != nil {
		return nil, err
	}
	return r, s.mask(r)
}

// regInput is a registration after validation.
type regInput struct {
	Registration
	mobile, idx, last4 string
	enc                []byte
}

func (s *Service) prepare(in Registration) (*regInput, error) {
	p := &regInput{Registration: in}
	var err error
	if p.mobile, err = validate.Mobile(FieldMobile, in.Mobile); err != nil {
		return nil, err
	}
	if in.Source != Imported {
		if p.Source, err = ParseSource("source", string(in.Source)); err != nil {
			return nil, err
		}
	}
	if p.Status == "" {
		p.Status = C
	} else if p.Status, err = ParseStatus("status", string(in.Status)); err != nil {
		return nil, err
	}
	if p.Status == Won {
		return nil, apperr.Field("status", "成交须通过登记认购或签约录入", "deals are recorded by a subscription or contract")
	}
	if p.Surname, err = optName(FieldSurname, in.Surname, 10); err != nil {
		return nil, err
	}
	if p.Name, err = optName(FieldName, in.Name, 40); err != nil {
		return nil, err
	}
	if p.Gender, err = validate.Gender(FieldGender, in.Gender); err != nil {
		return nil, err
	}
	if p.Surname == "" {
		p.Surname = surnameOf(p.Name)
	}
	p.Media, p.LostReason = strings.TrimSpace(in.Media), strings.TrimSpace(in.LostReason)
	p.idx = s.Keys.Index(pii.KindMobile, p.mobile)
	p.last4 = s.Keys.Last4Index(pii.KindMobile, p.mobile[len(p.mobile)-4:])
	if p.enc, err = s.Keys.Seal(p.mobile, aad(p.idx)); err != nil {
		return nil, err
	}
	return p, nil
}

func optName(field, s string, max int) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	n, err := validate.Name(field, s)
	if err == nil && len([]rune(n)) > max {
		err = apperr.Field(field, fmt.Sprintf("最多 %d 字", max), fmt.Sprintf("at most %d characters", max))
	}
	return n, err
}

// Register records a walk-in or call-in. A mobile number the group already
// has as a lead creates nothing: the result shows that lead, its owner and
// protection, even when many register the same number at once (one lead
// per mobile per group is a unique index). A new lead becomes a default
// member (默认会员) of the project.
func (s *Service) Register(ctx context.Context, in Registration) (*RegisterResult, error) {
	p, err := s.prepare(in)
	if err != nil {
		return nil, err
	}
	res := &RegisterResult{}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		res.Lead, res.Created, err = s.registerTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("register lead: %w", err)
	}
	m, err := s.memberByMobile(ctx, p.mobile)
	if err != nil {
		return nil, err
	}
	if !res.Created || m != nil {
		res.Existing = &Ownership{Member: m}
		if !res.Created {
			res.Existing.Lead = res.Lead
		}
	}
	if res.Created {
		if err := s.ensureMember(ctx, res.Lead.ID); err != nil {
			res.MemberError = apperr.As(err)
		} else if res.Lead, err = s.Get(ctx, res.Lead.ID); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// registerTx inserts the lead unless its mobile is known, in which case it
// returns the known lead unchanged.
func (s *Service) registerTx(ctx context.Context, tx *db.Tx, p *regInput) (*Lead, bool, error) {
	// A known customer is shown as they are, whatever this registration
	// says: the ownership check comes before the rules.
	if r, err := s.byIndex(ctx, tx, p.idx); err == nil {
		return &r.Lead, false, nil
	} else if !apperr.Is(err, apperr.NotFound) {
		return nil, false, err
	}
	proj, err := projectByCode(ctx, tx, p.ProjectCode)
	if err != nil {
		return nil, false, err
	}
	cfg, err := configFor(ctx, tx, proj.Path)
	if err != nil {
		return nil, false, err
	}
	if err := s.checkInput(ctx, tx, cfg, p); err != nil {
		return nil, false, err
	}
	at := p.At
	if at.IsZero() || at.After(tx.Now) {
		at = tx.Now
	}
	fields, _ := json.Marshal(nonNilMap(p.Fields))
	na := cfg.NextActions[p.Status]
	var due db.Date
	if na.Action != "" {
		due = addDays(dayOf(at), na.Days)
	}
	// ON CONFLICT DO NOTHING: a concurrent registration of the same mobile
	// waits for the first to commit, then inserts nothing and reads it.
	id, err := tx.InsertID(ctx, `INSERT INTO leads (group_id, project_id, node_path, mobile_enc, mobile_idx, mobile_last4_idx, surname, name, gender,
		source, media, lost_reason, status, fields, in_pool, touched_at, referrer_member_id, next_action, next_due, status_at, registered_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (group_id, mobile_idx) DO NOTHING`,
		org.RootID, proj.ID, proj.Path, p.enc, p.idx, p.last4, p.Surname, p.Name, p.Gender,
		p.Source, p.Media, p.LostReason, p.Status, string(fields), at, p.ReferrerMemberID, na.Action, due, at, tx.Actor.Login, tx.Now, tx.Now)
	if isNoRows(err) {
		r, err := s.byIndex(ctx, tx, p.idx)
		if err != nil {
			return nil, false, err
		}
		return &r.Lead, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	r, err := s.load(ctx, tx, id, true)
	if err != nil {
		return nil, false, err
	}
	what := p.Source.Label("zh-CN") + "登记"
	if err := record(ctx, tx, id, "registered", "", string(p.Status), what); err != nil {
		return nil, false, err
	}
	if err := s.assignNew(ctx, tx, cfg, r, p); err != nil {
		return nil, false, err
	}
	if p.Source == Visit || p.Source == Call {
		if err := addContact(ctx, tx, r, p.Source, r.OwnerID, true, at); err != nil {
			return nil, false, err
		}
	}
	if r.OwnerID != nil {
		if err := protectOnContact(ctx, tx, cfg, r, p.Source, p.ReferrerMemberID != nil, at); err != nil {
			return nil, false, err
		}
	}
	if r, err = s.load(ctx, tx, id, false); err != nil {
		return nil, false, err
	}
	err = audit.Record(ctx, tx, audit.Change{Action: "lead.register", ObjectType: "lead", ObjectID: id, NodePath: proj.Path,
		Summary: what + " " + p.Surname + " " + pii.MaskMobile(p.mobile), After: &r.Lead})
	return &r.Lead, true, err
}

// checkInput checks a registration against the project's rules.
func (s *Service) checkInput(ctx context.Context, tx *db.Tx, cfg *Config, p *regInput) error {
	if p.Media != "" && !inList(cfg.Media, p.Media) {
		return apperr.Field(FieldMedia, "认知媒体应为："+strings.Join(cfg.Media, "、"), "media must be one of the project's choices")
	}
	if p.LostReason != "" && !inList(cfg.LostReasons, p.LostReason) {
		return apperr.Field(FieldLostReason, "丢失原因应为："+strings.Join(cfg.LostReasons, "、"), "the reason must be one of the project's choices")
	}
	for k := range p.Fields {
		if !cfg.known(k) || isBuiltin(k) {
			return apperr.Field(k, "项目没有字段 "+k, "the project has no field "+k)
		}
	}
	if p.ReferrerMemberID != nil {
		n, err := tx.Count(ctx, "SELECT count(*) FROM members WHERE id = ?", *p.ReferrerMemberID)
		if err != nil {
			return err
		}
		if n == 0 {
			return apperr.Field(FieldReferrer, "推荐人会员不存在", "the referring member does not exist")
		}
	}
	l := Lead{Surname: p.Surname, Name: p.Name, Gender: p.Gender, Mobile: p.mobile, Media: p.Media, LostReason: p.LostReason,
		Fields: p.Fields, ReferrerMemberID: p.ReferrerMemberID}
	return cfg.checkRequired(&l, p.Status)
}

// addContact records a visit or call of a lead, unless its day is signed off.
func addContact(ctx context.Context, tx *db.Tx, r *row, kind Source, consultant *int64, first bool, at time.Time) error {
	day := dayOf(at)
	if err := unsigned(ctx, tx, r.ProjectID, day); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO lead_contacts (lead_id, project_id, consultant_id, kind, first, media, day, at, recorded_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.ProjectID, consultant, kind, first, r.Media, day, at, tx.Actor.Login); err != nil {
		return err
	}
	if first {
		return nil
	}
	return record(ctx, tx, r.ID, string(kind), "", day.String(), kind.Label("zh-CN"))
}

// ensureMember enrols a lead as a default member of its project (销售现场
// channel, the owner as recruiter) and links the two; a lead already
// linked is left alone.
func (s *Service) ensureMember(ctx context.Context, leadID int64) error {
	var r *row
	if err := s.DB.View(ctx, func(tx *db.Tx) (err error) { r, err = s.load(ctx, tx, leadID, false); return err }); err != nil {
		return err
	}
	if r.MemberID != nil {
		return nil
	}
	mobile, err := s.mobileOf(r)
	if err != nil {
		return err
	}
	name := r.Name
	if name == "" {
		name = r.Surname
	}
	m, _, err := s.Members.Enrol(ctx, member.Application{NodeCode: r.ProjectCode, Channel: member.SalesSite, RecruiterID: r.OwnerID,
		Name: name, Gender: r.Gender, Mobile: mobile})
	if err != nil {
		return fmt.Errorf("enrol lead %d: %w", leadID, err)
	}
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE leads SET member_id = ?, updated_at = ? WHERE id = ? AND member_id IS NULL", m.ID, tx.Now, leadID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return record(ctx, tx, leadID, "member", "", fmt.Sprintf("#%d", m.ID), "默认会员")
	})
}

// EnsureMember enrols a lead as a default member if a registration could
// not (RegisterResult.MemberError).
func (s *Service) EnsureMember(ctx context.Context, leadID int64) (*Lead, error) {
	if err := s.ensureMember(ctx, leadID); err != nil {
		return nil, err
	}
	return s.Get(ctx, leadID)
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func isBuiltin(k string) bool {
	for _, f := range builtinFields {
		if f == k {
			return true
		}
	}
	return false
}
