package lead

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// AssignMode is how a new lead finds its consultant.
type AssignMode string

// The assignment modes.
const (
	ByHand     AssignMode = ""         // the consultant named, or the sales manager later
	ByRotation AssignMode = "rotation" // 轮岗: the next consultant of the project's rotation
	ByRules    AssignMode = "rules"    // the project's rules, else the rotation
)

// Assignment is where one lead went.
type Assignment struct {
	LeadID    int64  `json:"lead_id"`
	OwnerID   int64  `json:"owner_id"`
	OwnerName string `json:"owner_name"`
}

// assignNew gives a lead just registered to its consultant. Registration
// must not fail for want of one: a lead the rotation or rules cannot place
// waits for the sales manager (see Anomalies).
func (s *Service) assignNew(ctx context.Context, tx *db.Tx, cfg *Config, r *row, p *regInput) error {
	var to int64
	var name string
	var err error
	switch p.Assign {
	case ByHand:
		if p.OwnerID == nil {
			return nil
		}
		to = *p.OwnerID
		if name, err = consultantAt(ctx, tx, to, r.NodePath, "owner_id"); err != nil {
			return err
		}
		return setOwner(ctx, tx, r, &to, name, false, "owner", "登记接待")
	case ByRotation, ByRules:
		to, name, err = pick(ctx, tx, cfg, r, p.Assign, 0)
		if apperr.Is(err, apperr.Invalid) {
			return nil
		}
		if err != nil {
			return err
		}
		return setOwner(ctx, tx, r, &to, name, false, "owner", modeReason(p.Assign))
	}
	return apperr.Field("assign", "分配方式应为 rotation 或 rules", "assign must be rotation or rules")
}

func modeReason(m AssignMode) string {
	if m == ByRules {
		return "按规则分配"
	}
	return "轮岗分配"
}

// pick chooses a consultant for a lead by the rules (first match) or the
// rotation, never exclude.
func pick(ctx context.Context, tx *db.Tx, cfg *Config, r *row, mode AssignMode, exclude int64) (int64, string, error) {
	if mode == ByRules {
		for _, rule := range cfg.Rules {
			if (rule.Source == "" || rule.Source == r.Source) && (rule.Media == "" || strings.EqualFold(rule.Media, r.Media)) && rule.StaffID != exclude {
				name, err := consultantAt(ctx, tx, rule.StaffID, r.NodePath, "rules")
				if err == nil {
					return rule.StaffID, name, nil
				}
				if !apperr.Is(err, apperr.Invalid) {
					return 0, "", err
				}
			}
		}
	}
	return nextInRotation(ctx, tx, cfg, r.ProjectID, r.NodePath, exclude)
}

// nextInRotation takes the project's next consultant in the rotation (轮岗),
// skipping exclude and anyone who can no longer own leads, and moves the
// rotation on. The project's rotation row is locked, so concurrent
// registrations take turns.
func nextInRotation(ctx context.Context, tx *db.Tx, cfg *Config, projectID int64, path string, exclude int64) (int64, string, error) {
	if _, err := tx.Exec(ctx, `INSERT INTO lead_rotation (project_id, last_staff_id, updated_at) VALUES (?, NULL, ?)
		ON CONFLICT (project_id) DO NOTHING`, projectID, tx.Now); err != nil {
		return 0, "", err
	}
	var last *int64
	if err := tx.QueryRow(ctx, "SELECT last_staff_id FROM lead_rotation WHERE project_id = ?"+tx.ForUpdate(), projectID).Scan(&last); err != nil {
		return 0, "", err
	}
	order := cfg.Rotation
	start := 0
	if last != nil {
		start = slices.Index(order, *last) + 1 // not found: -1 + 1, from the top
	}
	for i := range order {
		id := order[(start+i)%len(order)]
		if id == exclude {
			continue
		}
		name, err := consultantAt(ctx, tx, id, path, "rotation")
		if apperr.Is(err, apperr.Invalid) {
			continue
		}
		if err != nil {
			return 0, "", err
		}
		_, err = tx.Exec(ctx, "UPDATE lead_rotation SET last_staff_id = ?, updated_at = ? WHERE project_id = ?", id, tx.Now, projectID)
		return id, name, err
	}
	return 0, "", apperr.Field("rotation", "项目的轮岗名单中没有可接手的置业顾问", "no consultant of the project's rotation can take leads")
}

// Assign gives leads to a consultant by hand (分配 / 重新分配), all or none;
// each lead's history keeps the previous owner and the reason.
func (s *Service) Assign(ctx context.Context, ids []int64, to int64, reason string) ([]Assignment, error) {
	return s.assign(ctx, ids, reason, func(ctx context.Context, tx *db.Tx, _ *Config, r *row) (int64, string, error) {
		name, err := consultantAt(ctx, tx, to, r.NodePath, "owner_id")
		return to, name, err
	})
}

// AssignBy gives leads to consultants by the rotation or the rules.
func (s *Service) AssignBy(ctx context.Context, ids []int64, mode AssignMode, reason string) ([]Assignment, error) {
	if mode != ByRotation && mode != ByRules {
		return nil, apperr.Field("assign", "分配方式应为 rotation 或 rules", "assign must be rotation or rules")
	}
	return s.assign(ctx, ids, reason, func(ctx context.Context, tx *db.Tx, cfg *Config, r *row) (int64, string, error) {
		var exclude int64
		if r.OwnerID != nil {
			exclude = *r.OwnerID
		}
		return pick(ctx, tx, cfg, r, mode, exclude)
	})
}

type chooser func(ctx context.Context, tx *db.Tx, cfg *Config, r *row) (int64, string, error)

func (s *Service) assign(ctx context.Context, ids []int64, reason string, choose chooser) ([]Assignment, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "经理分配"
	}
	if len(ids) == 0 {
		return nil, apperr.Field("leads", "请选择线索", "choose the leads")
	}
	var out []Assignment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var err error
		out, err = s.assignTx(ctx, tx, ids, reason, choose)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("assign leads: %w", err)
	}
	return out, nil
}

func (s *Service) assignTx(ctx context.Context, tx *db.Tx, ids []int64, reason string, choose chooser) ([]Assignment, error) {
	// Lock in id order so that two bulk changes never wait on each other in a cycle.
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make([]Assignment, 0, len(ids))
	configs := map[string]*Config{}
	for _, id := range ids {
		r, err := s.load(ctx, tx, id, true)
		if err != nil {
			return nil, err
		}
		cfg := configs[r.NodePath]
		if cfg == nil {
			if cfg, err = configFor(ctx, tx, r.NodePath); err != nil {
				return nil, err
			}
			configs[r.NodePath] = cfg
		}
		to, name, err := choose(ctx, tx, cfg, r)
		if err != nil {
			return nil, err
		}
		if r.OwnerID == nil || *r.OwnerID != to {
			if err := setOwner(ctx, tx, r, &to, name, false, "owner", reason); err != nil {
				return nil, err
			}
		}
		out = append(out, Assignment{LeadID: id, OwnerID: to, OwnerName: name})
	}
	err := audit.Record(ctx, tx, audit.Change{Action: "lead.assign", ObjectType: "lead", ObjectID: fmt.Sprint(ids), NodePath: commonPath(configs),
		Summary: fmt.Sprintf("分配线索 %d 条：%s", len(out), reason), After: out})
	return out, err
}

// commonPath is the audit scope of a bulk change: the one project's path,
// else the group's.
func commonPath(configs map[string]*Config) string {
	if len(configs) == 1 {
		for p := range configs {
			return p
		}
	}
	return "/1/"
}

// Handover reassigns every lead of a departing consultant (离职交接) in one
// transaction: to one colleague, or with To 0 by each project's rotation.
// It is all or nothing, so no lead is ever left without an owner.
type Handover struct {
	From   int64    `json:"from"`
	To     int64    `json:"to"` // 0: each project's rotation
	Within []string `json:"-"`  // the manager's scope; nil: everywhere
	Reason string   `json:"reason"`
}

// Handover moves a consultant's leads; see Handover.
func (s *Service) Handover(ctx context.Context, h Handover) ([]Assignment, error) {
	reason := strings.TrimSpace(h.Reason)
	if reason == "" {
		return nil, apperr.Field("reason", "请填写交接原因", "a reason is required")
	}
	if h.To == h.From {
		return nil, apperr.Field("to", "不能交接给本人", "cannot hand over to the same consultant")
	}
	var out []Assignment
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		scope, args := "1 = 1", []any(nil)
		if h.Within != nil {
			scope, args = db.PathsWhere("node_path", h.Within)
		}
		rows, err := tx.Query(ctx, "SELECT id FROM leads WHERE owner_id = ? AND "+scope+" ORDER BY id", append([]any{h.From}, args...)...)
		if err != nil {
			return err
		}
		ids, err := collectIDs(rows)
		if err != nil {
			return err
		}
		out, err = s.assignTx(ctx, tx, ids, "离职交接："+reason, func(ctx context.Context, tx *db.Tx, cfg *Config, r *row) (int64, string, error) {
			if h.To != 0 {
				name, err := consultantAt(ctx, tx, h.To, r.NodePath, "to")
				return h.To, name, err
			}
			return nextInRotation(ctx, tx, cfg, r.ProjectID, r.NodePath, h.From)
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("hand over leads: %w", err)
	}
	return out, nil
}

func collectIDs(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
