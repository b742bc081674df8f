package lead

import (
	"context"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/points"
	"estateclub/internal/validate"
)

// DealKind is the kind of a deal.
type DealKind string

// The deal kinds.
const (
	Subscription DealKind = "subscription" // 认购
	Contract     DealKind = "contract"     // 签约
)

var dealLabels = map[DealKind][2]string{Subscription: {"认购", "Subscription"}, Contract: {"签约", "Contract"}}

// Label is the kind's name in lang.
func (k DealKind) Label(lang string) string { return label(dealLabels, k, lang) }

// DealInput is a subscription or contract for a unit.
type DealInput struct {
	Kind        DealKind `json:"kind"`
	ProjectCode string   `json:"project"` // "": the lead's project
	Building    string   `json:"building"`
	Unit        string   `json:"unit"`
	Date        string   `json:"date"` // YYYY-MM-DD; "": today
}

// Deal is a recorded deal (成交) with the points it fired.
type Deal struct {
	ID          int64        `json:"id"`
	LeadID      int64        `json:"lead_id"`
	ProjectID   int64        `json:"project_id"`
	ProjectCode string       `json:"project_code"`
	Building    string       `json:"building"`
	Unit        string       `json:"unit"`
	Kind        DealKind     `json:"kind"`
	Date        db.Date      `json:"date"`
	StaffID     *int64       `json:"staff_id,omitempty"` // the consultant credited
	MemberID    *int64       `json:"member_id,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	Points      []DealPoints `json:"points"`
	// Replayed is set when the deal had been recorded before.
	Replayed bool `json:"replayed,omitempty"`
}

// DealPoints is a points event a deal fires: contract signed (按时签约) for
// the buyer, referral purchase (推荐购房) for the member who referred them.
type DealPoints struct {
	EventType points.EventType `json:"event_type"`
	MemberID  int64            `json:"member_id"`
	Ref       string           `json:"ref"`
	Status    string           `json:"status"` // waiting, posted
	EventID   *int64           `json:"event_id,omitempty"`
	Error     string           `json:"error,omitempty"` // why it still waits
}

// RecordDeal records a subscription (认购) or contract (签约) of a lead for a
// unit: the lead becomes a deal, the customer a member (created or merged
// by mobile) with the home among their properties, and a contract fires
// the points events through the points service, with the unit as the
// event's ref. Recording the same deal again changes nothing and posts
// nothing twice, but completes what an interrupted attempt left undone. A
// unit already sold to another lead is a conflict.
//
// Points follow the contract only: a subscription can still be withdrawn.
// An event the points service refuses for now (the buyer is a default
// member, not yet approved) waits; PostWaitingPoints posts it later.
func (s *Service) RecordDeal(ctx context.Context, leadID int64, in DealInput) (*Deal, error) {
	if in.Kind != Subscription && in.Kind != Contract {
		return nil, apperr.Field("kind", "成交类型应为 认购 或 签约", "kind must be subscription or contract")
	}
	building, err := validate.Required("building", in.Building)
	if err != nil {
		return nil, err
	}
	unit, err := validate.Required("unit", in.Unit)
	if err != nil {
		return nil, err
	}
	if len([]rune(building)) > 32 || len([]rune(unit)) > 32 {
		return nil, apperr.Field("unit", "楼栋、房号最多 32 字", "building and unit have at most 32 characters")
	}
	var date db.Date
	if strings.TrimSpace(in.Date) != "" {
		t, err := validate.Date("date", in.Date)
		if err != nil {
			return nil, err
		}
		date = db.Date{Time: t}
	}
	var d *Deal
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		d, err = s.dealTx(ctx, tx, leadID, in.Kind, in.ProjectCode, building, unit, date)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("record deal: %w", err)
	}
	if err := s.ensureMember(ctx, leadID); err != nil {
		return nil, fmt.Errorf("record deal: %w", err)
	}
	if err := s.dealMember(ctx, d); err != nil {
		return nil, fmt.Errorf("record deal: %w", err)
	}
	if d.Points, _, err = s.postDealPoints(ctx, d.ID); err != nil {
		return nil, fmt.Errorf("record deal: %w", err)
	}
	return d, nil
}

func (s *Service) dealTx(ctx context.Context, tx *db.Tx, leadID int64, kind DealKind, projectCode, building, unit string, date db.Date) (*Deal, error) {
	r, err := s.load(ctx, tx, leadID, true)
	if err != nil {
		return nil, err
	}
	if err := mayWork(ctx, tx, r); err != nil {
		return nil, err
	}
	proj := &org.Node{ID: r.ProjectID, Code: r.ProjectCode, Path: r.NodePath}
	if projectCode != "" {
		if proj, err = projectByCode(ctx, tx, projectCode); err != nil {
			return nil, err
		}
	}
	today := dayOf(tx.Now)
	if date.IsZero() {
		date = today
	}
	if date.After(today.Time) {
		return nil, apperr.Field("date", "成交日期不能晚于今天", "the deal cannot be in the future")
	}
	cfg, err := configFor(ctx, tx, r.NodePath)
	if err != nil {
		return nil, err
	}
	if err := cfg.checkRequired(&r.Lead, Won); err != nil {
		return nil, err
	}
	id, err := tx.InsertID(ctx, `INSERT INTO lead_deals (lead_id, project_id, building, unit, kind, deal_date, staff_id, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (project_id, building, unit, kind) DO NOTHING`,
		leadID, proj.ID, building, unit, kind, date, r.OwnerID, tx.Actor.Login, tx.Now)
	if isNoRows(err) {
		d, err := dealWhere(ctx, tx, "d.project_id = ? AND d.building = ? AND d.unit = ? AND d.kind = ?", proj.ID, building, unit, kind)
		if err != nil {
			return nil, err
		}
		if d.LeadID != leadID {
			return nil, &apperr.Error{Code: apperr.Conflict, Field: "unit", ZH: fmt.Sprintf("%s-%s 已由其他客户%s", building, unit, kind.Label("zh-CN")),
				EN: fmt.Sprintf("%s-%s has a %s of another customer", building, unit, kind)}
		}
		d.Replayed = true
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	what := fmt.Sprintf("%s %s %s-%s", kind.Label("zh-CN"), proj.Code, building, unit)
	if err := record(ctx, tx, leadID, "deal", "", what, date.String()); err != nil {
		return nil, err
	}
	if r.Status != Won {
		if err := setStatus(ctx, tx, cfg, r, Won, what); err != nil {
			return nil, err
		}
	}
	d, err := dealWhere(ctx, tx, "d.id = ?", id)
	if err != nil {
		return nil, err
	}
	return d, audit.Record(ctx, tx, audit.Change{Action: "lead.deal", ObjectType: "lead", ObjectID: leadID, NodePath: r.NodePath, Summary: what, After: d})
}

// dealMember records the home among the member's properties, links the
// deal to the member and queues the contract's points events.
func (s *Service) dealMember(ctx context.Context, d *Deal) error {
	l, err := s.Get(ctx, d.LeadID)
	if err != nil {
		return err
	}
	if l.MemberID == nil {
		return fmt.Errorf("lead %d has no member", d.LeadID)
	}
	m, err := s.Members.Get(ctx, *l.MemberID)
	if err != nil {
		return err
	}
	has := false
	for _, p := range m.Properties {
		has = has || (p.ProjectID == d.ProjectID && p.Building == d.Building && p.Unit == d.Unit)
	}
	if !has {
		in := member.PropertyInput{ProjectCode: d.ProjectCode, Building: d.Building, Unit: d.Unit}
		if d.Kind == Contract {
			in.ContractDate = d.Date.String()
		}
		if _, err := s.Members.AddProperty(ctx, m.ID, in); err != nil {
			return err
		}
	}
	d.MemberID = &m.ID
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE lead_deals SET member_id = ? WHERE id = ?", m.ID, d.ID); err != nil {
			return err
		}
		if d.Kind != Contract {
			return nil
		}
		ref := fmt.Sprintf("lead-deal:%s/%s/%s", d.ProjectCode, d.Building, d.Unit)
		events := []DealPoints{{EventType: points.EvContractSigned, MemberID: m.ID, Ref: ref}}
		if l.ReferrerMemberID != nil && *l.ReferrerMemberID != m.ID {
			events = append(events, DealPoints{EventType: points.EvReferralPurchase, MemberID: *l.ReferrerMemberID, Ref: ref})
		}
		for _, e := range events {
			if _, err := tx.Exec(ctx, `INSERT INTO lead_deal_points (deal_id, event_type, member_id, ref, status, updated_at)
				VALUES (?, ?, ?, ?, 'waiting', ?) ON CONFLICT (deal_id, event_type) DO NOTHING`, d.ID, e.EventType, e.MemberID, e.Ref, tx.Now); err != nil {
				return err
			}
		}
		return nil
	})
}

// postDealPoints records a deal's waiting points events. The points
// service knows each event by member, type and ref, so an event recorded
// before a crash is found again and posts nothing twice.
func (s *Service) postDealPoints(ctx context.Context, dealID int64) ([]DealPoints, int, error) {
	var d *Deal
	if err := s.DB.View(ctx, func(tx *db.Tx) (err error) { d, err = dealWhere(ctx, tx, "d.id = ?", dealID); return err }); err != nil {
		return nil, 0, err
	}
	posted := 0
	for i := range d.Points {
		e := &d.Points[i]
		if e.Status == "posted" {
			continue
		}
		in := points.EventInput{MemberID: e.MemberID, Type: e.EventType, Ref: e.Ref, Note: "成交 " + e.Ref}
		if day := dayOf(s.DB.Clock()); d.Date.Before(day.Time) {
			in.OccurredAt = startOf(d.Date).Add(12 * time.Hour)
		}
		ev, recErr := s.Points.RecordEvent(ctx, in)
		if recErr != nil && apperr.As(recErr).Code == apperr.Internal {
			return nil, posted, recErr
		}
		err := s.DB.Update(ctx, func(tx *db.Tx) error {
			if recErr != nil {
				e.Error = apperr.As(recErr).Message("zh-CN")
				_, err := tx.Exec(ctx, "UPDATE lead_deal_points SET error = ?, updated_at = ? WHERE deal_id = ? AND event_type = ?", e.Error, tx.Now, dealID, e.EventType)
				return err
			}
			e.Status, e.EventID, e.Error = "posted", &ev.ID, ""
			posted++
			if _, err := tx.Exec(ctx, "UPDATE lead_deal_points SET status = 'posted', event_id = ?, error = '', updated_at = ? WHERE deal_id = ? AND event_type = ?",
				ev.ID, tx.Now, dealID, e.EventType); err != nil {
				return err
			}
			return record(ctx, tx, d.LeadID, "points", "", string(e.EventType), e.Ref)
		})
		if err != nil {
			return nil, posted, err
		}
	}
	return d.Points, posted, nil
}

// PostWaitingPoints posts the points events of every deal that still wait
// (the buyer has been approved since, a plan's budget was raised …); it is
// safe to run at any time. It returns how many were posted.
func (s *Service) PostWaitingPoints(ctx context.Context) (int, error) {
	var ids []int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT DISTINCT deal_id FROM lead_deal_points WHERE status = 'waiting' ORDER BY deal_id")
		if err != nil {
			return err
		}
		ids, err = collectIDs(rows)
		return err
	})
	if err != nil {
		return 0, err
	}
	posted := 0
	for _, id := range ids {
		_, n, err := s.postDealPoints(ctx, id)
		posted += n
		if err != nil {
			return posted, err
		}
	}
	return posted, nil
}

// Deals lists a lead's deals.
func (s *Service) Deals(ctx context.Context, leadID int64) ([]Deal, error) {
	out := []Deal{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id FROM lead_deals WHERE lead_id = ? ORDER BY id", leadID)
		if err != nil {
			return err
		}
		ids, err := collectIDs(rows)
		if err != nil {
			return err
		}
		for _, id := range ids {
			d, err := dealWhere(ctx, tx, "d.id = ?", id)
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		return nil
	})
	return out, err
}

func dealWhere(ctx context.Context, tx *db.Tx, where string, args ...any) (*Deal, error) {
	var d Deal
	err := tx.QueryRow(ctx, `SELECT d.id, d.lead_id, d.project_id, n.code, d.building, d.unit, d.kind, d.deal_date, d.staff_id, d.member_id, d.created_at
		FROM lead_deals d JOIN org_nodes n ON n.id = d.project_id WHERE `+where, args...).Scan(
		&d.ID, &d.LeadID, &d.ProjectID, &d.ProjectCode, &d.Building, &d.Unit, &d.Kind, &d.Date, &d.StaffID, &d.MemberID, &d.CreatedAt)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("成交记录", "deal")
	}
	if err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, "SELECT event_type, member_id, ref, status, event_id, error FROM lead_deal_points WHERE deal_id = ? ORDER BY event_type", d.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d.Points = []DealPoints{}
	for rows.Next() {
		var p DealPoints
		if err := rows.Scan(&p.EventType, &p.MemberID, &p.Ref, &p.Status, &p.EventID, &p.Error); err != nil {
			return nil, err
		}
		d.Points = append(d.Points, p)
	}
	return &d, rows.Err()
}
