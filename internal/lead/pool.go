package lead

import (
	"context"
	"encoding/json"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
)

// PoolReturnJobKind is the background job that returns neglected leads to
// their project's pool (see ReturnToPool).
const PoolReturnJobKind = "lead.pool_return"

// PoolReport is what a pool return did.
type PoolReport struct {
	Projects int     `json:"projects"` // projects looked at
	Returned int     `json:"returned"`
	LeadIDs  []int64 `json:"lead_ids"`
}

// ReturnToPool sends every lead with no valid follow-up (nor assignment or
// visit) for its project's PoolReturnDays back to the project's pool (公共池),
// unless it is a deal or the owner's protection still runs. The history
// says why. A returned lead has no owner, so running it again (or twice at
// once) returns nothing more: each lead goes back exactly once.
func (s *Service) ReturnToPool(ctx context.Context) (*PoolReport, error) {
	rep := &PoolReport{LeadIDs: []int64{}}
	var projects []int64
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT DISTINCT project_id FROM leads WHERE owner_id IS NOT NULL AND status <> 'deal' ORDER BY project_id")
		if err != nil {
			return err
		}
		projects, err = collectIDs(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pool return: %w", err)
	}
	for _, p := range projects {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		err := s.DB.Update(ctx, func(tx *db.Tx) error {
			ids, err := s.returnProject(ctx, tx, p)
			rep.LeadIDs = append(rep.LeadIDs, ids...)
			return err
		})
		if err != nil {
			return rep, fmt.Errorf("pool return: project %d: %w", p, err)
		}
		rep.Projects++
	}
	rep.Returned = len(rep.LeadIDs)
	return rep, nil
}

func (s *Service) returnProject(ctx context.Context, tx *db.Tx, projectID int64) ([]int64, error) {
	var path string
	if err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE id = ?", projectID).Scan(&path); err != nil {
		return nil, err
	}
	cfg, err := configFor(ctx, tx, path)
	if err != nil {
		return nil, err
	}
	cutoff := tx.Now.AddDate(0, 0, -cfg.PoolReturnDays)
	const due = `owner_id IS NOT NULL AND status <> 'deal' AND touched_at < ? AND (protected_until IS NULL OR protected_until <= ?)`
	rows, err := tx.Query(ctx, "SELECT id FROM leads WHERE project_id = ? AND "+due+" ORDER BY id", projectID, cutoff, tx.Now)
	if err != nil {
		return nil, err
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, err
	}
	var out []int64
	reason := fmt.Sprintf("超过 %d 天没有有效跟进，退回公共池", cfg.PoolReturnDays)
	for _, id := range ids {
		// Look again under the lock: a follow-up may have come in meanwhile.
		r, err := s.load(ctx, tx, id, true)
		if err != nil {
			return nil, err
		}
		if r.OwnerID == nil || r.Status == Won || !r.TouchedAt.Before(cutoff) || r.Protected(tx.Now) {
			continue
		}
		if err := setOwner(ctx, tx, r, nil, "", true, "pool", reason); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, audit.Record(ctx, tx, audit.Change{Action: "lead.pool_return", ObjectType: "lead", ObjectID: projectID, NodePath: path,
		Summary: fmt.Sprintf("%d 条线索%s", len(out), reason), After: out})
}

// PoolReturnJob runs ReturnToPool as a background job of kind
// PoolReturnJobKind; the summary is the report. Safe to run again.
func (s *Service) PoolReturnJob() jobs.Handler {
	return func(ctx context.Context, _ *jobs.Job, _ []byte, progress func(done, total int64)) (*jobs.Result, error) {
		rep, err := s.ReturnToPool(ctx)
		if err != nil {
			return nil, err
		}
		progress(1, 1)
		b, err := json.Marshal(rep)
		if err != nil {
			return nil, err
		}
		return &jobs.Result{Summary: string(b)}, nil
	}
}

// ClaimFromPool gives a lead of the pool to the acting consultant (领取),
// at most the project's ClaimCap a day (China time).
func (s *Service) ClaimFromPool(ctx context.Context, leadID int64) (*Lead, error) {
	var out *Lead
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		staff, err := actorStaff(tx)
		if err != nil {
			return err
		}
		// One consultant's claims queue on their staff row, so that two at
		// once cannot both pass the cap.
		var locked int64
		if err := tx.QueryRow(ctx, "SELECT id FROM staff WHERE id = ?"+tx.ForUpdate(), staff).Scan(&locked); err != nil {
			return err
		}
		r, err := s.load(ctx, tx, leadID, true)
		if err != nil {
			return err
		}
		if !r.InPool {
			return &apperr.Error{Code: apperr.Conflict, Field: "lead", ZH: "该线索不在公共池中（可能已被领取）", EN: "the lead is not in the pool (perhaps claimed already)"}
		}
		name, err := consultantAt(ctx, tx, staff, r.NodePath, "lead")
		if err != nil {
			return err
		}
		cfg, err := configFor(ctx, tx, r.NodePath)
		if err != nil {
			return err
		}
		n, err := tx.Count(ctx, `SELECT count(*) FROM lead_history h JOIN leads l ON l.id = h.lead_id
			WHERE h.actor_id = ? AND h.action = 'pool_claim' AND h.at >= ? AND l.project_id = ?`, staff, startOf(dayOf(tx.Now)), r.ProjectID)
		if err != nil {
			return err
		}
		if n >= cfg.ClaimCap {
			return &apperr.Error{Code: apperr.Conflict, Field: "claim_cap",
				ZH: fmt.Sprintf("今天已从公共池领取 %d 条，已达上限", n), EN: fmt.Sprintf("you claimed %d leads from the pool today: the cap", n)}
		}
		if err := setOwner(ctx, tx, r, &staff, name, false, "pool_claim", "从公共池领取"); err != nil {
			return err
		}
		r, err = s.load(ctx, tx, leadID, false)
		if err == nil {
			out = &r.Lead
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("claim from pool: %w", err)
	}
	return out, nil
}
