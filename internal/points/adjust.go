package points

import (
	"context"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
)

// AdjustmentStatus is where an adjustment stands.
type AdjustmentStatus string

// The adjustment statuses.
const (
	AdjustmentPending  AdjustmentStatus = "pending"  // 待审批
	AdjustmentApproved AdjustmentStatus = "approved" // 已批准，已记账
	AdjustmentRejected AdjustmentStatus = "rejected" // 已驳回
)

// Adjustment is a correction of a member's points (积分调整): a specialist
// proposes it with a reason, someone else (the supervisor) approves or
// rejects it, and only an approved one posts — through the ledger, with
// source adjustment, in the transaction that approves it.
type Adjustment struct {
	ID            int64            `json:"id"`
	MemberID      int64            `json:"member_id"`
	NodePath      string           `json:"-"` // the member's, for scope
	Kind          Kind             `json:"kind"`
	Region        string           `json:"region,omitempty"` // "": the region the member joined in
	Amount        int64            `json:"amount"`           // ±
	Reason        string           `json:"reason"`
	Status        AdjustmentStatus `json:"status"`
	ProposedBy    string           `json:"proposed_by"`
	ProposedAt    time.Time        `json:"proposed_at"`
	DecidedBy     string           `json:"decided_by,omitempty"`
	DecidedAt     *time.Time       `json:"decided_at,omitempty"`
	DecisionNote  string           `json:"decision_note,omitempty"`
	TransactionID *int64           `json:"transaction_id,omitempty"`
}

// AdjustmentInput is a proposed adjustment.
type AdjustmentInput struct {
	MemberID int64  `json:"member_id"`
	Kind     Kind   `json:"kind"`
	Region   string `json:"region,omitempty"`
	Amount   int64  `json:"amount"`
	Reason   string `json:"reason"`
}

// AdjustmentFilter selects adjustments.
type AdjustmentFilter struct {
	Within   []string         // org paths of the members the caller may see; nil: everywhere
	Status   AdjustmentStatus // "": any
	MemberID int64            // 0: any
	Offset   int
	Limit    int // default 50, at most 500
}

// ProposeAdjustment proposes an adjustment (申请积分调整); nothing posts yet.
func (s *Service) ProposeAdjustment(ctx context.Context, in AdjustmentInput) (*Adjustment, error) {
	e, err := Entry{MemberID: in.MemberID, Kind: in.Kind, Region: in.Region, Amount: in.Amount, Source: FromAdjustment,
		Reason: in.Reason, IdempotencyKey: "adjustment"}.normalize()
	if err != nil {
		return nil, err
	}
	var out *Adjustment
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		m, err := readMember(ctx, tx, e.MemberID)
		if err != nil {
			return err
		}
		if m.status == member.Closed {
			return &apperr.Error{Code: apperr.Conflict, Field: "member_id", ZH: "会员已注销，不能调整积分", EN: "the member is closed: no adjustments"}
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		a := &Adjustment{MemberID: m.id, NodePath: m.path, Kind: e.Kind, Region: e.Region, Amount: e.Amount, Reason: e.Reason,
			Status: AdjustmentPending, ProposedBy: by, ProposedAt: tx.Now}
		a.ID, err = tx.InsertID(ctx, `INSERT INTO point_adjustments (member_id, node_path, kind, region_path, amount, reason, status, proposed_by, proposed_at)
			VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)`, a.MemberID, a.NodePath, a.Kind, a.Region, a.Amount, a.Reason, by, tx.Now)
		if err != nil {
			return err
		}
		out = a
		return audit.Record(ctx, tx, audit.Change{Action: "points.adjust.propose", ObjectType: "point_adjustment", ObjectID: a.ID,
			NodePath: a.NodePath, Summary: fmt.Sprintf("申请调整会员 %d 的%s %+d：%s", a.MemberID, a.Kind.Label("zh-CN"), a.Amount, a.Reason), After: a})
	})
	if err != nil {
		return nil, fmt.Errorf("propose adjustment: %w", err)
	}
	return out, nil
}

// DecideAdjustment approves or rejects a pending adjustment (审批积分调整).
// Approval posts it; its proposer cannot approve it, and a debit larger
// than the balance fails with apperr.InsufficientPoints, leaving it
// pending. A rejection needs a note and posts nothing.
func (s *Service) DecideAdjustment(ctx context.Context, id int64, approve bool, note string) (*Adjustment, error) {
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return nil, apperr.Field("note", "驳回须填写原因", "a rejection needs a note")
	}
	months, err := s.months(ctx, approve)
	if err != nil {
		return nil, err
	}
	var out *Adjustment
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		a, err := loadAdjustment(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if a.Status != AdjustmentPending {
			return &apperr.Error{Code: apperr.Conflict, ZH: "该积分调整已处理", EN: "this adjustment was already decided"}
		}
		by, err := actorLogin(tx)
		if err != nil {
			return err
		}
		a.Status = AdjustmentRejected
		if approve {
			if by == a.ProposedBy {
				return &apperr.Error{Code: apperr.Forbidden, ZH: "申请人不能审批自己的积分调整", EN: "you cannot approve an adjustment you proposed"}
			}
			key := "adjustment:" + itoa(a.ID)
			t, err := s.postWithin(ctx, tx, Entry{MemberID: a.MemberID, Kind: a.Kind, Region: a.Region, Amount: a.Amount,
				Source: FromAdjustment, Reason: a.Reason, Ref: key, IdempotencyKey: key}, months)
			if err != nil {
				return err
			}
			a.Status, a.TransactionID = AdjustmentApproved, &t.ID
		}
		a.DecidedBy, a.DecidedAt, a.DecisionNote = by, &tx.Now, note
		if _, err := tx.Exec(ctx, "UPDATE point_adjustments SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?, transaction_id = ? WHERE id = ?",
			a.Status, by, tx.Now, note, a.TransactionID, a.ID); err != nil {
			return err
		}
		out = a
		return audit.Record(ctx, tx, audit.Change{Action: "points.adjust." + string(a.Status), ObjectType: "point_adjustment", ObjectID: a.ID,
			NodePath: a.NodePath, Summary: fmt.Sprintf("积分调整 %d（%+d）%s", a.ID, a.Amount, a.Status), After: a})
	})
	if err != nil {
		return nil, fmt.Errorf("decide adjustment: %w", err)
	}
	return out, nil
}

// Adjustment returns one adjustment.
func (s *Service) Adjustment(ctx context.Context, id int64) (*Adjustment, error) {
	var out *Adjustment
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		out, err = loadAdjustment(ctx, tx, id, false)
		return err
	})
	return out, err
}

// Adjustments lists adjustments, newest first, and how many match f.
func (s *Service) Adjustments(ctx context.Context, f AdjustmentFilter) ([]Adjustment, int, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("node_path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	if f.Status != "" {
		conds, args = append(conds, "status = ?"), append(args, f.Status)
	}
	if f.MemberID != 0 {
		conds, args = append(conds, "member_id = ?"), append(args, f.MemberID)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []Adjustment{}
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM point_adjustments"+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+adjustmentColumns+" FROM point_adjustments"+where+" ORDER BY id DESC LIMIT ? OFFSET ?",
			append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAdjustment(rows)
			if err != nil {
				return err
			}
			out = append(out, *a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list adjustments: %w", err)
	}
	return out, total, nil
}

const adjustmentColumns = `id, member_id, node_path, kind, region_path, amount, reason, status, proposed_by, proposed_at,
	decided_by, decided_at, decision_note, transaction_id`

func scanAdjustment(sc interface{ Scan(...any) error }) (*Adjustment, error) {
	var a Adjustment
	var decidedBy *string
	err := sc.Scan(&a.ID, &a.MemberID, &a.NodePath, &a.Kind, &a.Region, &a.Amount, &a.Reason, &a.Status, &a.ProposedBy, &a.ProposedAt,
		&decidedBy, &a.DecidedAt, &a.DecisionNote, &a.TransactionID)
	a.DecidedBy = deref(decidedBy)
	return &a, err
}

func loadAdjustment(ctx context.Context, tx *db.Tx, id int64, lock bool) (*Adjustment, error) {
	q := "SELECT " + adjustmentColumns + " FROM point_adjustments WHERE id = ?"
	if lock {
		q += tx.ForUpdate()
	}
	a, err := scanAdjustment(tx.QueryRow(ctx, q, id))
	if err != nil {
		return nil, notFound(err, "积分调整", "point adjustment")
	}
	return a, nil
}
