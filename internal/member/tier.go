package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// Tier is a membership tier (会员等级) with the upgrade points that reach it
// and its benefits; the group supervisor edits them.
type Tier struct {
	Code             string    `json:"code"` // regular 普籍, silver 银籍, gold 金籍, platinum 白金
	Rank             int       `json:"rank"`
	NameZH           string    `json:"name_zh"`
	NameEN           string    `json:"name_en"`
	Threshold        int64     `json:"threshold"`
	RequiresApproval bool      `json:"requires_approval"`
	Benefits         string    `json:"benefits"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// Name is the tier's name in lang.
func (t Tier) Name(lang string) string {
	if lang == "en" {
		return t.NameEN
	}
	return t.NameZH
}

// Evaluate decides what upgrade points mean for a member of tier current:
// auto is the tier reached without approval (promotion up to 金籍 is
// automatic), review the higher tier the points reach that needs a
// supervisor's approval (白金). Either is "" when nothing changes; points
// never demote.
func Evaluate(tiers []Tier, current string, points int64) (auto, review string) {
	rank := -1
	for _, t := range tiers {
		if t.Code == current {
			rank = t.Rank
		}
	}
	best := rank
	for _, t := range tiers { // tiers are ordered by rank
		if t.Rank <= rank || points < t.Threshold {
			continue
		}
		if t.RequiresApproval {
			review = t.Code
			break
		}
		if t.Rank > best {
			best, auto = t.Rank, t.Code
		}
	}
	return auto, review
}

// Tiers lists the tiers by rank.
func (s *Service) Tiers(ctx context.Context) ([]Tier, error) {
	var out []Tier
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		out, err = tiers(ctx, tx)
		return err
	})
	return out, err
}

func tiers(ctx context.Context, tx *db.Tx) ([]Tier, error) {
	rows, err := tx.Query(ctx, `SELECT code, rank, name_zh, name_en, threshold, requires_approval, benefits, updated_at FROM tiers ORDER BY rank`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Tier
	for rows.Next() {
		var t Tier
		if err := rows.Scan(&t.Code, &t.Rank, &t.NameZH, &t.NameEN, &t.Threshold, &t.RequiresApproval, &t.Benefits, &t.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// TierUpdate lists what a supervisor may change of a tier.
type TierUpdate struct {
	Threshold *int64  `json:"threshold,omitempty"`
	Benefits  *string `json:"benefits,omitempty"`
}

// UpdateTier changes a tier's threshold or benefits. Thresholds must rise
// with the rank; 普籍 stays at 0.
func (s *Service) UpdateTier(ctx context.Context, code string, u TierUpdate) (*Tier, error) {
	var out *Tier
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		all, err := tiers(ctx, tx)
		if err != nil {
			return err
		}
		i := -1
		for k, t := range all {
			if t.Code == code {
				i = k
			}
		}
		if i < 0 {
			return apperr.NotFoundf("会员等级", "tier")
		}
		old := all[i]
		t := old
		if u.Threshold != nil {
			t.Threshold = *u.Threshold
			if i == 0 && t.Threshold != 0 {
				return apperr.Field("threshold", "普籍的门槛固定为 0", "the regular tier's threshold is 0")
			}
			if t.Threshold < 0 || t.Threshold > 100_000_000 {
				return apperr.Field("threshold", "门槛须为 0–100000000 的整数", "threshold must be 0–100000000")
			}
			if i > 0 && t.Threshold <= all[i-1].Threshold {
				return apperr.Field("threshold", "门槛须高于"+all[i-1].NameZH+"（"+fmt.Sprint(all[i-1].Threshold)+"）",
					"threshold must be above "+all[i-1].NameEN+" ("+fmt.Sprint(all[i-1].Threshold)+")")
			}
			if i+1 < len(all) && t.Threshold >= all[i+1].Threshold {
				return apperr.Field("threshold", "门槛须低于"+all[i+1].NameZH+"（"+fmt.Sprint(all[i+1].Threshold)+"）",
					"threshold must be below "+all[i+1].NameEN+" ("+fmt.Sprint(all[i+1].Threshold)+")")
			}
		}
		if u.Benefits != nil {
			t.Benefits = strings.TrimSpace(*u.Benefits)
			if utf8.RuneCountInString(t.Benefits) > 1000 {
				return apperr.Field("benefits", "权益说明最多 1000 字", "benefits: at most 1000 characters")
			}
		}
		t.UpdatedAt = tx.Now
		if _, err := tx.Exec(ctx, "UPDATE tiers SET threshold = ?, benefits = ?, updated_at = ? WHERE code = ?", t.Threshold, t.Benefits, t.UpdatedAt, code); err != nil {
			return err
		}
		out = &t
		return audit.Record(ctx, tx, audit.Change{Action: "tier.update", ObjectType: "tier", ObjectID: code, NodePath: "/1/",
			Summary: "修改会员等级 " + t.NameZH, Before: old, After: t})
	})
	return out, err
}

// TierChange is a change of a member's tier, automatic or awaiting or
// given a supervisor's decision.
type TierChange struct {
	ID           int64      `json:"id"`
	MemberID     int64      `json:"member_id"`
	MemberName   string     `json:"member_name,omitempty"`
	From         string     `json:"from"`
	To           string     `json:"to"`
	Reason       string     `json:"reason"`
	Status       string     `json:"status"` // pending, approved, rejected, automatic
	RequestedBy  string     `json:"requested_by"`
	RequestedAt  time.Time  `json:"requested_at"`
	DecidedBy    string     `json:"decided_by,omitempty"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	DecisionNote string     `json:"decision_note,omitempty"`
}

// EvaluateTier is what the points ledger calls, inside its own transaction,
// after every posting of upgrade points: it promotes an active member
// automatically up to 金籍 and asks a supervisor about 白金.
func (s *Service) EvaluateTier(ctx context.Context, tx *db.Tx, memberID int64, upgradePoints int64) (*TierChange, error) {
	var status Status
	var current, path string
	err := tx.QueryRow(ctx, "SELECT status, tier, node_path FROM members WHERE id = ?"+tx.ForUpdate(), memberID).Scan(&status, &current, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFoundf("会员", "member")
	}
	if err != nil || status != Active {
		return nil, err // default members have no tier benefits yet
	}
	all, err := tiers(ctx, tx)
	if err != nil {
		return nil, err
	}
	auto, review := Evaluate(all, current, upgradePoints)
	var out *TierChange
	if auto != "" {
		reason := fmt.Sprintf("升级积分 %d 达到门槛", upgradePoints)
		if out, err = s.addTierChange(ctx, tx, memberID, current, auto, reason, "automatic"); err != nil {
			return nil, err
		}
		if err := setTier(ctx, tx, memberID, path, current, auto, reason); err != nil {
			return nil, err
		}
	}
	if review != "" {
		n, err := tx.Count(ctx, "SELECT count(*) FROM tier_changes WHERE member_id = ? AND to_tier = ? AND status = 'pending'", memberID, review)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			from := current
			if auto != "" {
				from = auto
			}
			if out, err = s.addTierChange(ctx, tx, memberID, from, review, fmt.Sprintf("升级积分 %d 达到门槛，待主管审批", upgradePoints), "pending"); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func (s *Service) addTierChange(ctx context.Context, tx *db.Tx, memberID int64, from, to, reason, status string) (*TierChange, error) {
	c := &TierChange{MemberID: memberID, From: from, To: to, Reason: reason, Status: status, RequestedBy: tx.Actor.Login, RequestedAt: tx.Now}
	var decidedAt *time.Time
	if status == "automatic" {
		decidedAt = &tx.Now
		c.DecidedAt, c.DecidedBy = decidedAt, "system"
	}
	id, err := tx.InsertID(ctx, `INSERT INTO tier_changes (member_id, from_tier, to_tier, reason, status, requested_by, requested_at, decided_by, decided_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, memberID, from, to, reason, status, c.RequestedBy, tx.Now, c.DecidedBy, decidedAt)
	c.ID = id
	return c, err
}

func setTier(ctx context.Context, tx *db.Tx, memberID int64, path, from, to, reason string) error {
	if _, err := tx.Exec(ctx, "UPDATE members SET tier = ?, updated_at = ? WHERE id = ?", to, tx.Now, memberID); err != nil {
		return err
	}
	if err := recordChange(ctx, tx, memberID, source(tx), "tier", from, to); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Change{Action: "member.tier", ObjectType: "member", ObjectID: memberID, NodePath: path,
		Summary: "会员等级 " + from + " → " + to + "：" + reason})
}

// RequestTierChange asks a supervisor to set a member's tier by hand (any
// manual change, up or down, needs approval and a reason).
func (s *Service) RequestTierChange(ctx context.Context, memberID int64, to, reason string) (*TierChange, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, apperr.Field("reason", "调整等级须填写原因", "a tier change needs a reason")
	}
	var out *TierChange
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var status Status
		var current, path string
		err := tx.QueryRow(ctx, "SELECT status, tier, node_path FROM members WHERE id = ?"+tx.ForUpdate(), memberID).Scan(&status, &current, &path)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.NotFoundf("会员", "member")
		}
		if err != nil {
			return err
		}
		if status != Active {
			return &apperr.Error{Code: apperr.Conflict, ZH: "只有正式会员才有等级", EN: "only approved members have a tier"}
		}
		all, err := tiers(ctx, tx)
		if err != nil {
			return err
		}
		known := false
		for _, t := range all {
			known = known || t.Code == to
		}
		if !known {
			return apperr.Field("tier", "会员等级不存在", "unknown tier")
		}
		if to == current {
			return apperr.Field("tier", "会员已是该等级", "the member already has this tier")
		}
		if out, err = s.addTierChange(ctx, tx, memberID, current, to, reason, "pending"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "member.tier.request", ObjectType: "member", ObjectID: memberID,
			NodePath: path, Summary: "申请调整会员等级 " + current + " → " + to + "：" + reason})
	})
	return out, err
}

// DecideTierChange approves or rejects a pending tier change. Whoever asked
// for a manual change cannot approve it.
func (s *Service) DecideTierChange(ctx context.Context, changeID int64, approve bool, note string) (*TierChange, error) {
	var out *TierChange
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		c, path, err := tierChange(ctx, tx, changeID)
		if err != nil {
			return err
		}
		if c.Status != "pending" {
			return &apperr.Error{Code: apperr.Conflict, ZH: "该等级调整已处理", EN: "this tier change was already decided"}
		}
		if approve && c.RequestedBy == tx.Actor.Login && tx.Actor.Kind == "staff" {
			return &apperr.Error{Code: apperr.Forbidden, ZH: "申请人不能审批自己的申请", EN: "you cannot approve your own request"}
		}
		status := "rejected"
		if approve {
			status = "approved"
		}
		if _, err := tx.Exec(ctx, "UPDATE tier_changes SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ?",
			status, tx.Actor.Login, tx.Now, strings.TrimSpace(note), changeID); err != nil {
			return err
		}
		if approve {
			var current string
			if err := tx.QueryRow(ctx, "SELECT tier FROM members WHERE id = ?", c.MemberID).Scan(&current); err != nil {
				return err
			}
			if err := setTier(ctx, tx, c.MemberID, path, current, c.To, c.Reason); err != nil {
				return err
			}
		}
		c.Status, c.DecidedBy, c.DecidedAt, c.DecisionNote = status, tx.Actor.Login, &tx.Now, strings.TrimSpace(note)
		out = c
		return audit.Record(ctx, tx, audit.Change{Action: "member.tier." + status, ObjectType: "tier_change", ObjectID: changeID,
			NodePath: path, Summary: "等级调整 " + c.From + " → " + c.To + " " + status})
	})
	return out, err
}

// TierChangeByID reads one tier change with the org path of its member.
func (s *Service) TierChangeByID(ctx context.Context, id int64) (*TierChange, string, error) {
	var c *TierChange
	var path string
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		c, path, err = tierChange(ctx, tx, id)
		return err
	})
	return c, path, err
}

const tierChangeColumns = `c.id, c.member_id, m.name, c.from_tier, c.to_tier, c.reason, c.status, c.requested_by, c.requested_at,
	c.decided_by, c.decided_at, c.decision_note, m.node_path`

func scanTierChange(sc interface{ Scan(...any) error }) (*TierChange, string, error) {
	var c TierChange
	var path string
	err := sc.Scan(&c.ID, &c.MemberID, &c.MemberName, &c.From, &c.To, &c.Reason, &c.Status, &c.RequestedBy, &c.RequestedAt,
		&c.DecidedBy, &c.DecidedAt, &c.DecisionNote, &path)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", apperr.NotFoundf("等级调整", "tier change")
	}
	return &c, path, err
}

func tierChange(ctx context.Context, tx *db.Tx, id int64) (*TierChange, string, error) {
	return scanTierChange(tx.QueryRow(ctx, "SELECT "+tierChangeColumns+" FROM tier_changes c JOIN members m ON m.id = c.member_id WHERE c.id = ?", id))
}

// TierChanges lists tier changes: of one member (memberID > 0), or the
// pending ones within the org paths.
func (s *Service) TierChanges(ctx context.Context, memberID int64, within []string) ([]TierChange, error) {
	q := "SELECT " + tierChangeColumns + " FROM tier_changes c JOIN members m ON m.id = c.member_id"
	var args []any
	if memberID > 0 {
		q += " WHERE c.member_id = ?"
		args = append(args, memberID)
	} else {
		c, a := db.PathsWhere("m.node_path", within)
		q += " WHERE c.status = 'pending' AND " + c
		args = a
	}
	var out []TierChange
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, q+" ORDER BY c.id DESC LIMIT 500", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c, _, err := scanTierChange(rows)
			if err != nil {
				return err
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	return out, err
}
