package member

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// Blind-index kinds: lookups by mobile or ID number go through these HMACs.
const (
	idxMobile = "mobile"
	idxID     = "id_number"
)

// aad binds a ciphertext to its column and to the member's row key (the
// mobile's index), so a ciphertext copied elsewhere does not open.
func aad(column, mobileIdx string) string { return "member." + column + ":" + mobileIdx }

// sealed holds the stored forms of a member's personal data.
type sealed struct {
	mobileIdx, last4Idx string
	mobile, id, address []byte
	idIdx               *string
}

func (s *Service) seal(mobile, idNumber, address string) (*sealed, error) {
	out := &sealed{mobileIdx: s.Keys.Index(idxMobile, mobile), last4Idx: s.Keys.Last4Index(idxMobile, mobile[len(mobile)-4:])}
	var err error
	if out.mobile, err = s.Keys.Seal(mobile, aad("mobile", out.mobileIdx)); err != nil {
		return nil, err
	}
	if idNumber != "" {
		idx := s.Keys.Index(idxID, idNumber)
		out.idIdx = &idx
		if out.id, err = s.Keys.Seal(idNumber, aad("id_number", out.mobileIdx)); err != nil {
			return nil, err
		}
	}
	if address != "" {
		if out.address, err = s.Keys.Seal(address, aad("address", out.mobileIdx)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// row is a members row as stored.
type row struct {
	Member
	mobileIdx                 string
	mobileEnc, idEnc, addrEnc []byte
	family                    string
}

const memberColumns = `m.id, COALESCE(m.member_no, ''), m.node_id, n.code, n.name, m.node_path, m.status, m.tier, m.name, m.gender,
	m.mobile_enc, m.mobile_idx, m.id_enc, m.address_enc, m.birthday, m.email, m.wechat, m.occupation, m.family,
	m.consent_sms, m.consent_email, m.consent_post, m.consent_at, m.consent_how, m.channel, m.recruiter_id,
	COALESCE(r.name, ''), m.return_reason, m.joined_at, m.created_at, m.updated_at`

const memberFrom = ` FROM members m` + memberJoins

// memberJoins are the tables memberColumns reads besides members m.
const memberJoins = ` JOIN org_nodes n ON n.id = m.node_id LEFT JOIN staff r ON r.id = m.recruiter_id`

func scanRow(sc interface{ Scan(...any) error }) (*row, error) {
	var r row
	m := &r.Member
	err := sc.Scan(&m.ID, &m.MemberNo, &m.NodeID, &m.NodeCode, &m.NodeName, &m.NodePath, &m.Status, &m.Tier, &m.Name, &m.Gender,
		&r.mobileEnc, &r.mobileIdx, &r.idEnc, &r.addrEnc, &m.Birthday, &m.Email, &m.WeChat, &m.Occupation, &r.family,
		&m.Consent.SMS, &m.Consent.Email, &m.Consent.Post, &m.Consent.At, &m.Consent.How, &m.Channel, &m.RecruiterID,
		&m.RecruiterName, &m.ReturnReason, &m.JoinedAt, &m.CreatedAt, &m.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("会员", "member")
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(r.family), &m.Family); err != nil {
		return nil, fmt.Errorf("member %d family: %w", m.ID, err)
	}
	if m.Family == nil {
		m.Family = []FamilyMember{}
	}
	return &r, nil
}

// open decrypts a row's personal data.
func (s *Service) open(r *row) (*PII, error) {
	var p PII
	var err error
	if p.Mobile, err = s.Keys.Open(r.mobileEnc, aad("mobile", r.mobileIdx)); err != nil {
		return nil, fmt.Errorf("member %d: decrypt mobile: %w", r.ID, err)
	}
	if p.IDNumber, err = s.Keys.Open(r.idEnc, aad("id_number", r.mobileIdx)); err != nil {
		return nil, fmt.Errorf("member %d: decrypt id number: %w", r.ID, err)
	}
	if p.Address, err = s.Keys.Open(r.addrEnc, aad("address", r.mobileIdx)); err != nil {
		return nil, fmt.Errorf("member %d: decrypt address: %w", r.ID, err)
	}
	return &p, nil
}

// mask fills the member's displayed personal data, masked.
func (s *Service) mask(r *row) error {
	p, err := s.open(r)
	if err != nil {
		return err
	}
	r.Mobile = pii.MaskMobile(p.Mobile)
	r.IDNumber = pii.MaskIDNumber(p.IDNumber)
	r.Address = pii.MaskAddress(p.Address)
	return nil
}

func (s *Service) loadRow(ctx context.Context, tx *db.Tx, where string, arg any) (*row, error) {
	r, err := scanRow(tx.QueryRow(ctx, "SELECT "+memberColumns+memberFrom+" WHERE "+where, arg))
	if err != nil {
		return nil, err
	}
	if r.Tags, err = tagsOf(ctx, tx, r.ID); err != nil {
		return nil, err
	}
	if r.Properties, err = propertiesOf(ctx, tx, r.ID); err != nil {
		return nil, err
	}
	return r, s.mask(r)
}

func tagsOf(ctx context.Context, tx *db.Tx, id int64) ([]string, error) {
	rows, err := tx.Query(ctx, "SELECT tag FROM member_tags WHERE member_id = ? ORDER BY tag", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tags := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	return tags, rows.Err()
}

func propertiesOf(ctx context.Context, tx *db.Tx, id int64) ([]Property, error) {
	rows, err := tx.Query(ctx, `SELECT p.id, p.project_id, n.code, n.name, p.building, p.unit, p.contract_date, p.payment_date, p.handover_date
		FROM member_properties p JOIN org_nodes n ON n.id = p.project_id WHERE p.member_id = ? ORDER BY p.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Property{}
	for rows.Next() {
		var p Property
		if err := rows.Scan(&p.ID, &p.ProjectID, &p.ProjectCode, &p.ProjectName, &p.Building, &p.Unit, &p.ContractDate, &p.PaymentDate, &p.HandoverDate); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Get reads one member, personal data masked.
func (s *Service) Get(ctx context.Context, id int64) (*Member, error) {
	var m *Member
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		r, err := s.loadRow(ctx, tx, "m.id = ?", id)
		if err == nil {
			m = &r.Member
		}
		return err
	})
	return m, err
}

// ByMobile finds the member with a mobile number (any accepted spelling).
func (s *Service) ByMobile(ctx context.Context, mobile string) (*Member, error) {
	norm, err := validateMobile(mobile)
	if err != nil {
		return nil, err
	}
	var m *Member
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		r, err := s.loadRow(ctx, tx, "m.mobile_idx = ?", s.Keys.Index(idxMobile, norm))
		if err == nil {
			m = &r.Member
		}
		return err
	})
	return m, err
}

// recordChange appends one line of a member's history.
func recordChange(ctx context.Context, tx *db.Tx, memberID int64, source, field, old, new string) error {
	if old == new {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO member_changes (member_id, at, actor_kind, actor_login, source, field, old_value, new_value)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, memberID, tx.Now, tx.Actor.Kind, tx.Actor.Login, source, field, old, new)
	return err
}

// Change is one line of a member's history.
type Change struct {
	At         time.Time `json:"at"`
	ActorKind  string    `json:"actor_kind"`
	ActorLogin string    `json:"actor_login"`
	Source     string    `json:"source"`
	Field      string    `json:"field"`
	Old        string    `json:"old"`
	New        string    `json:"new"`
}

// History returns a member's changes, newest first.
func (s *Service) History(ctx context.Context, id int64) ([]Change, error) {
	var out []Change
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, `SELECT at, actor_kind, actor_login, source, field, old_value, new_value
			FROM member_changes WHERE member_id = ? ORDER BY id DESC`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Change
			if err := rows.Scan(&c.At, &c.ActorKind, &c.ActorLogin, &c.Source, &c.Field, &c.Old, &c.New); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}
