package lead

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
	"estateclub/internal/pii"
)

// SheetCount is one consultant's line of the day's paper visit/call sheet
// (来访来电登记表).
type SheetCount struct {
	StaffID int64 `json:"staff_id"`
	Visits  int   `json:"visits"`
	Calls   int   `json:"calls"`
}

// ReconLine compares a consultant's paper counts with the system's records.
// Diffs are system minus paper: negative means contacts missing from the
// system.
type ReconLine struct {
	StaffID      int64  `json:"staff_id"` // 0: contacts registered without a consultant
	StaffName    string `json:"staff_name"`
	Entered      bool   `json:"entered"` // the paper count was entered
	PaperVisits  int    `json:"paper_visits"`
	PaperCalls   int    `json:"paper_calls"`
	SystemVisits int    `json:"system_visits"`
	SystemCalls  int    `json:"system_calls"`
	VisitDiff    int    `json:"visit_diff"`
	CallDiff     int    `json:"call_diff"`
}

// Differs reports whether paper and system disagree.
func (l ReconLine) Differs() bool { return l.VisitDiff != 0 || l.CallDiff != 0 }

// ContactRecord is one visit or call in the system, for checking the
// sheet's content line by line.
type ContactRecord struct {
	LeadID         int64     `json:"lead_id"`
	Kind           Source    `json:"kind"`
	First          bool      `json:"first"`
	ConsultantID   *int64    `json:"consultant_id,omitempty"`
	ConsultantName string    `json:"consultant_name"`
	Surname        string    `json:"surname"`
	Mobile         string    `json:"mobile"` // masked
	At             time.Time `json:"at"`
}

// Reconciliation is a project's day (日清): paper against system, per
// consultant, and whether the day is signed off.
type Reconciliation struct {
	ProjectCode string          `json:"project_code"`
	ProjectName string          `json:"project_name"`
	Day         db.Date         `json:"day"`
	Lines       []ReconLine     `json:"lines"`
	Differences []ReconLine     `json:"differences"`
	Contacts    []ContactRecord `json:"contacts"`
	Signed      bool            `json:"signed"`
	SignedBy    string          `json:"signed_by,omitempty"`
	SignedAt    *time.Time      `json:"signed_at,omitempty"`
	Note        string          `json:"note,omitempty"`
}

// unsigned refuses a change to a day that is signed off.
func unsigned(ctx context.Context, tx *db.Tx, projectID int64, day db.Date) error {
	n, err := tx.Count(ctx, "SELECT count(*) FROM lead_signoffs WHERE project_id = ? AND day = ?", projectID, day)
	if err != nil {
		return err
	}
	if n > 0 {
		return &apperr.Error{Code: apperr.Locked, Field: "day", ZH: day.String() + " 已日清签字，不能再修改", EN: day.String() + " is signed off and locked"}
	}
	return nil
}

// EnterSheet stores the day's paper counts of a project (replacing what was
// entered for those consultants) and returns the reconciliation.
func (s *Service) EnterSheet(ctx context.Context, projectCode string, day db.Date, counts []SheetCount) (*Reconciliation, error) {
	if day.IsZero() {
		return nil, apperr.Field("day", "请选择日期", "choose the day")
	}
	seen := map[int64]bool{}
	for _, c := range counts {
		if c.Visits < 0 || c.Calls < 0 || c.Visits > 10000 || c.Calls > 10000 {
			return nil, apperr.Field("counts", "来访、来电数应为 0 到 10000", "counts must be between 0 and 10000")
		}
		if seen[c.StaffID] {
			return nil, apperr.Field("counts", "同一置业顾问填写了两行", "a consultant appears twice")
		}
		seen[c.StaffID] = true
	}
	var out *Reconciliation
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		proj, err := projectByCode(ctx, tx, projectCode)
		if err != nil {
			return err
		}
		if !day.Before(dayOf(tx.Now).Time.AddDate(0, 0, 1)) {
			return apperr.Field("day", "不能填写未来日期的登记表", "the day cannot be in the future")
		}
		if err := unsigned(ctx, tx, proj.ID, day); err != nil {
			return err
		}
		for _, c := range counts {
			if _, err := consultantAt(ctx, tx, c.StaffID, proj.Path, "counts"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "DELETE FROM lead_sheets WHERE project_id = ? AND day = ? AND staff_id = ?", proj.ID, day, c.StaffID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO lead_sheets (project_id, day, staff_id, visits, calls, entered_by, entered_at)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, proj.ID, day, c.StaffID, c.Visits, c.Calls, tx.Actor.Login, tx.Now); err != nil {
				return err
			}
		}
		if out, err = s.reconcile(ctx, tx, proj, day); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "lead.sheet", ObjectType: "lead_sheet", ObjectID: proj.Code + "/" + day.String(),
			NodePath: proj.Path, Summary: "录入来访来电登记表 " + proj.Name + " " + day.String(), After: counts})
	})
	if err != nil {
		return nil, fmt.Errorf("enter sheet: %w", err)
	}
	return out, nil
}

// Reconcile compares a project's day on paper and in the system.
func (s *Service) Reconcile(ctx context.Context, projectCode string, day db.Date) (*Reconciliation, error) {
	var out *Reconciliation
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		proj, err := projectByCode(ctx, tx, projectCode)
		if err != nil {
			return err
		}
		out, err = s.reconcile(ctx, tx, proj, day)
		return err
	})
	return out, err
}

func (s *Service) reconcile(ctx context.Context, tx *db.Tx, proj *org.Node, day db.Date) (*Reconciliation, error) {
	rc := &Reconciliation{ProjectCode: proj.Code, ProjectName: proj.Name, Day: day, Lines: []ReconLine{}, Differences: []ReconLine{}, Contacts: []ContactRecord{}}
	lines := map[int64]*ReconLine{}
	line := func(id int64, name string) *ReconLine {
		if lines[id] == nil {
			lines[id] = &ReconLine{StaffID: id, StaffName: name}
		}
		return lines[id]
	}
	rows, err := tx.Query(ctx, `SELECT sh.staff_id, st.name, sh.visits, sh.calls FROM lead_sheets sh JOIN staff st ON st.id = sh.staff_id
		WHERE sh.project_id = ? AND sh.day = ?`, proj.ID, day)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var name string
		var v, c int
		if err := rows.Scan(&id, &name, &v, &c); err != nil {
			rows.Close()
			return nil, err
		}
		l := line(id, name)
		l.Entered, l.PaperVisits, l.PaperCalls = true, v, c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT c.lead_id, c.kind, c.first, c.consultant_id, COALESCE(st.name, ''), l.surname, l.mobile_enc, l.mobile_idx, c.at
		FROM lead_contacts c JOIN leads l ON l.id = c.lead_id LEFT JOIN staff st ON st.id = c.consultant_id
		WHERE c.project_id = ? AND c.day = ? ORDER BY c.at, c.id`, proj.ID, day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c ContactRecord
		var enc []byte
		var idx string
		if err := rows.Scan(&c.LeadID, &c.Kind, &c.First, &c.ConsultantID, &c.ConsultantName, &c.Surname, &enc, &idx, &c.At); err != nil {
			return nil, err
		}
		m, err := s.Keys.Open(enc, aad(idx))
		if err != nil {
			return nil, fmt.Errorf("lead %d: decrypt mobile: %w", c.LeadID, err)
		}
		c.Mobile = pii.MaskMobile(m)
		rc.Contacts = append(rc.Contacts, c)
		var id int64
		if c.ConsultantID != nil {
			id = *c.ConsultantID
		}
		l := line(id, c.ConsultantName)
		if c.Kind == Visit {
			l.SystemVisits++
		} else {
			l.SystemCalls++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, l := range lines {
		l.VisitDiff, l.CallDiff = l.SystemVisits-l.PaperVisits, l.SystemCalls-l.PaperCalls
		rc.Lines = append(rc.Lines, *l)
		if l.Differs() {
			rc.Differences = append(rc.Differences, *l)
		}
	}
	byStaff := func(a, b ReconLine) int { return int(a.StaffID - b.StaffID) }
	slices.SortFunc(rc.Lines, byStaff)
	slices.SortFunc(rc.Differences, byStaff)
	var at time.Time
	err = tx.QueryRow(ctx, "SELECT signed_by, signed_at, note FROM lead_signoffs WHERE project_id = ? AND day = ?", proj.ID, day).Scan(&rc.SignedBy, &at, &rc.Note)
	if err == nil {
		rc.Signed, rc.SignedAt = true, &at
	} else if !isNoRows(err) {
		return nil, err
	}
	return rc, nil
}

// SignOff signs a past day off (日清签字): its sheets and contacts are locked
// from then on. A day whose paper and system differ needs a note that
// explains the differences.
func (s *Service) SignOff(ctx context.Context, projectCode string, day db.Date, note string) (*Reconciliation, error) {
	note = strings.TrimSpace(note)
	var out *Reconciliation
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		proj, err := projectByCode(ctx, tx, projectCode)
		if err != nil {
			return err
		}
		if !day.Before(dayOf(tx.Now).Time) {
			return apperr.Field("day", "只能对已结束的日期签字", "only a day that has ended can be signed off")
		}
		if err := unsigned(ctx, tx, proj.ID, day); err != nil {
			return err
		}
		rc, err := s.reconcile(ctx, tx, proj, day)
		if err != nil {
			return err
		}
		if len(rc.Differences) > 0 && note == "" {
			return apperr.Field("note", fmt.Sprintf("纸质登记与系统记录有 %d 处差异，请填写说明", len(rc.Differences)),
				fmt.Sprintf("paper and system differ in %d lines: explain them in the note", len(rc.Differences)))
		}
		summary, _ := json.Marshal(rc.Lines)
		if _, err := tx.Exec(ctx, `INSERT INTO lead_signoffs (project_id, day, signed_by, signed_at, note, summary) VALUES (?, ?, ?, ?, ?, ?)`,
			proj.ID, day, tx.Actor.Login, tx.Now, note, string(summary)); err != nil {
			if db.IsUniqueViolation(err) {
				return &apperr.Error{Code: apperr.Locked, Field: "day", ZH: "该日已签字", EN: "the day is signed off already"}
			}
			return err
		}
		rc.Signed, rc.SignedBy, rc.SignedAt, rc.Note = true, tx.Actor.Login, &tx.Now, note
		out = rc
		return audit.Record(ctx, tx, audit.Change{Action: "lead.signoff", ObjectType: "lead_signoff", ObjectID: proj.Code + "/" + day.String(),
			NodePath: proj.Path, Summary: fmt.Sprintf("日清签字 %s %s，差异 %d 处", proj.Name, day, len(rc.Differences)), After: rc.Lines})
	})
	if err != nil {
		return nil, fmt.Errorf("sign off: %w", err)
	}
	return out, nil
}
