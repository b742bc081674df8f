package lead

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// protectOnContact renews the owner's protection period (保护期) after a
// visit (ProtectVisitDays from it) or a referred registration
// (ProtectReferralDays); calls earn none. Protection only ever grows.
func protectOnContact(ctx context.Context, tx *db.Tx, cfg *Config, r *row, kind Source, referred bool, at time.Time) error {
	days, why := 0, ""
	if kind == Visit {
		days, why = cfg.ProtectVisitDays, "到访保护"
	}
	if referred && cfg.ProtectReferralDays > days {
		days, why = cfg.ProtectReferralDays, "推荐保护"
	}
	if days == 0 || r.OwnerID == nil {
		return nil
	}
	until := at.AddDate(0, 0, days)
	if r.ProtectedUntil != nil && !r.ProtectedUntil.Before(until) {
		return nil
	}
	if _, err := tx.Exec(ctx, "UPDATE leads SET protected_until = ?, updated_at = ? WHERE id = ?", until, tx.Now, r.ID); err != nil {
		return err
	}
	old := ""
	if r.ProtectedUntil != nil {
		old = dayOf(*r.ProtectedUntil).String()
	}
	r.ProtectedUntil = &until
	return record(ctx, tx, r.ID, "protect", old, dayOf(until).String(), why)
}

// visit records a return visit (复访) received by a consultant: the owner's
// visit renews the protection and counts as activity; anyone else's is a
// conflicting claim (撞单) for the sales manager to decide.
func (s *Service) visit(ctx context.Context, tx *db.Tx, cfg *Config, r *row, consultant int64, at time.Time) error {
	if err := addContact(ctx, tx, r, Visit, &consultant, false, at); err != nil {
		return err
	}
	switch {
	case r.OwnerID != nil && *r.OwnerID == consultant:
		if _, err := tx.Exec(ctx, "UPDATE leads SET touched_at = ? WHERE id = ?", at, r.ID); err != nil {
			return err
		}
		return protectOnContact(ctx, tx, cfg, r, Visit, false, at)
	case r.OwnerID != nil:
		_, err := fileClaim(ctx, tx, r, consultant, "客户到访，由本人接待")
		return err
	}
	return nil
}

// RecordContact records a known lead's return visit or call, received by the
// acting consultant (a registration of a known mobile creates nothing, so
// the consultant records the contact on the lead it showed).
func (s *Service) RecordContact(ctx context.Context, leadID int64, kind Source) (*Lead, error) {
	if _, err := ParseSource("kind", string(kind)); err != nil {
		return nil, err
	}
	var out *Lead
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		staff, err := actorStaff(tx)
		if err != nil {
			return err
		}
		r, err := s.load(ctx, tx, leadID, true)
		if err != nil {
			return err
		}
		cfg, err := configFor(ctx, tx, r.NodePath)
		if err != nil {
			return err
		}
		if kind == Visit {
			err = s.visit(ctx, tx, cfg, r, staff, tx.Now)
		} else {
			err = addContact(ctx, tx, r, Call, &staff, false, tx.Now)
		}
		if err != nil {
			return err
		}
		r, err = s.load(ctx, tx, leadID, false)
		if err == nil {
			out = &r.Lead
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record contact: %w", err)
	}
	return out, nil
}

// ClaimStatus is where a conflicting claim stands.
type ClaimStatus string

// Claim statuses.
const (
	ClaimOpen     ClaimStatus = "open"
	ClaimGranted  ClaimStatus = "granted"
	ClaimRejected ClaimStatus = "rejected"
)

// Claim is a conflicting claim (撞单): a consultant says another's customer
// is theirs; the sales manager decides.
type Claim struct {
	ID           int64       `json:"id"`
	LeadID       int64       `json:"lead_id"`
	ClaimantID   int64       `json:"claimant_id"`
	ClaimantName string      `json:"claimant_name"`
	OwnerID      *int64      `json:"owner_id,omitempty"`
	OwnerName    string      `json:"owner_name"`
	Protected    bool        `json:"protected"` // the owner's protection ran when claimed
	Reason       string      `json:"reason"`
	Status       ClaimStatus `json:"status"`
	DecidedBy    string      `json:"decided_by,omitempty"`
	DecidedAt    *time.Time  `json:"decided_at,omitempty"`
	Note         string      `json:"note,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
}

// FileClaim records the acting consultant's claim to another's lead.
func (s *Service) FileClaim(ctx context.Context, leadID int64, reason string) (*Claim, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		return nil, apperr.Field("reason", "请说明理由（200 字以内）", "give a reason (at most 200 characters)")
	}
	var out *Claim
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		staff, err := actorStaff(tx)
		if err != nil {
			return err
		}
		r, err := s.load(ctx, tx, leadID, true)
		if err != nil {
			return err
		}
		if _, err := consultantAt(ctx, tx, staff, r.NodePath, "claimant"); err != nil {
			return err
		}
		id, err := fileClaim(ctx, tx, r, staff, reason)
		if err != nil {
			return err
		}
		out, err = claimByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("file claim: %w", err)
	}
	return out, nil
}

func fileClaim(ctx context.Context, tx *db.Tx, r *row, claimant int64, reason string) (int64, error) {
	if r.OwnerID == nil {
		return 0, apperr.Field("lead", "该线索没有归属顾问，请从公共池领取或由销售经理分配", "the lead has no owner: claim it from the pool or ask the manager")
	}
	if *r.OwnerID == claimant {
		return 0, &apperr.Error{Code: apperr.Conflict, Field: "lead", ZH: "该线索已归属于您", EN: "the lead is already yours"}
	}
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM lead_claims WHERE lead_id = ? AND claimant_id = ? AND status = 'open'", r.ID, claimant).Scan(&id)
	if err == nil {
		return id, nil // one open claim per consultant and lead
	}
	if !isNoRows(err) {
		return 0, err
	}
	id, err = tx.InsertID(ctx, `INSERT INTO lead_claims (lead_id, claimant_id, owner_id, protected, reason, status, created_at)
		VALUES (?, ?, ?, ?, ?, 'open', ?)`, r.ID, claimant, r.OwnerID, r.Protected(tx.Now), reason, tx.Now)
	if err != nil {
		return 0, err
	}
	return id, record(ctx, tx, r.ID, "claim", ownerLabel(r.OwnerID, r.OwnerName, false), fmt.Sprintf("#%d", claimant), reason)
}

// DecideClaim is the sales manager's decision on a claim: granted, the lead
// goes to the claimant with a fresh visit protection; rejected, it stays.
func (s *Service) DecideClaim(ctx context.Context, claimID int64, grant bool, note string) (*Claim, error) {
	note = strings.TrimSpace(note)
	if note == "" {
		return nil, apperr.Field("note", "请填写裁定意见", "a note on the decision is required")
	}
	var out *Claim
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, err := claimByID(ctx, tx, claimID)
		if err != nil {
			return err
		}
		if c.Status != ClaimOpen {
			return &apperr.Error{Code: apperr.Conflict, ZH: "该撞单已裁定", EN: "the claim is already decided"}
		}
		r, err := s.load(ctx, tx, c.LeadID, true)
		if err != nil {
			return err
		}
		status := ClaimRejected
		if grant {
			status = ClaimGranted
			name, err := consultantAt(ctx, tx, c.ClaimantID, r.NodePath, "claimant")
			if err != nil {
				return err
			}
			cfg, err := configFor(ctx, tx, r.NodePath)
			if err != nil {
				return err
			}
			if err := setOwner(ctx, tx, r, &c.ClaimantID, name, false, "owner", "撞单裁定："+note); err != nil {
				return err
			}
			if err := protectOnContact(ctx, tx, cfg, r, Visit, false, tx.Now); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, "UPDATE lead_claims SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ?",
			status, tx.Actor.Login, tx.Now, note, claimID); err != nil {
			return err
		}
		if err := record(ctx, tx, r.ID, "claim_decided", fmt.Sprintf("#%d", claimID), string(status), note); err != nil {
			return err
		}
		if out, err = claimByID(ctx, tx, claimID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "lead.claim." + string(status), ObjectType: "lead_claim", ObjectID: claimID,
			NodePath: r.NodePath, Summary: "撞单裁定 " + string(status) + "：" + note, After: out})
	})
	if err != nil {
		return nil, fmt.Errorf("decide claim: %w", err)
	}
	return out, nil
}

const claimSelect = `SELECT c.id, c.lead_id, c.claimant_id, cl.name, c.owner_id, COALESCE(o.name, ''), c.protected, c.reason, c.status,
	c.decided_by, c.decided_at, c.note, c.created_at
	FROM lead_claims c JOIN staff cl ON cl.id = c.claimant_id LEFT JOIN staff o ON o.id = c.owner_id JOIN leads l ON l.id = c.lead_id`

func scanClaim(sc interface{ Scan(...any) error }) (*Claim, error) {
	var c Claim
	err := sc.Scan(&c.ID, &c.LeadID, &c.ClaimantID, &c.ClaimantName, &c.OwnerID, &c.OwnerName, &c.Protected, &c.Reason, &c.Status,
		&c.DecidedBy, &c.DecidedAt, &c.Note, &c.CreatedAt)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("撞单记录", "claim")
	}
	return &c, err
}

func claimByID(ctx context.Context, tx *db.Tx, id int64) (*Claim, error) {
	return scanClaim(tx.QueryRow(ctx, claimSelect+" WHERE c.id = ?", id))
}

// Claims lists the claims on leads within the org paths, open ones first;
// status "" lists all.
func (s *Service) Claims(ctx context.Context, within []string, status ClaimStatus) ([]Claim, error) {
	out, _, err := s.ClaimPage(ctx, ClaimFilter{Within: within, Status: status})
	return out, err
}

// ClaimFilter selects conflicting claims.
type ClaimFilter struct {
	Within []string // the org subtrees of the claims' leads
	Status ClaimStatus
	ID     int64 // one claim
	Offset int
	Limit  int // 0: every claim
}

// ClaimPage lists the claims f selects, open ones first, then newest
// first, and how many match.
func (s *Service) ClaimPage(ctx context.Context, f ClaimFilter) ([]Claim, int, error) {
	where, args := db.PathsWhere("l.node_path", f.Within)
	if f.Status != "" {
		where += " AND c.status = ?"
		args = append(args, f.Status)
	}
	if f.ID != 0 {
		where += " AND c.id = ?"
		args = append(args, f.ID)
	}
	out := []Claim{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM lead_claims c JOIN leads l ON l.id = c.lead_id WHERE "+where, args...); err != nil {
			return err
		}
		q := claimSelect + " WHERE " + where + " ORDER BY CASE c.status WHEN 'open' THEN 0 ELSE 1 END, c.id DESC"
		if f.Limit > 0 {
			q += " LIMIT ? OFFSET ?"
			args = append(args, f.Limit, max(f.Offset, 0))
		}
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanClaim(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	return out, total, err
}
