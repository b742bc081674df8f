package survey

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

const surveyColumns = `id, title, intro, node_id, node_path, purpose, status, system_for IS NOT NULL, created_at, updated_at, opened_at, closed_at`

func scanSurvey(sc interface{ Scan(...any) error }) (*Survey, error) {
	var v Survey
	err := sc.Scan(&v.ID, &v.Title, &v.Intro, &v.NodeID, &v.NodePath, &v.Purpose, &v.Status, &v.System,
		&v.CreatedAt, &v.UpdatedAt, &v.OpenedAt, &v.ClosedAt)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("问卷", "survey")
	}
	return &v, err
}

// get reads a survey with its questions and counts; lock takes its row.
func get(ctx context.Context, tx *db.Tx, id int64, lock bool) (*Survey, error) {
	q := "SELECT " + surveyColumns + " FROM surveys WHERE id = ?"
	if lock {
		q += tx.ForUpdate()
	}
	v, err := scanSurvey(tx.QueryRow(ctx, q, id))
	if err != nil {
		return nil, err
	}
	if v.Questions, err = questions(ctx, tx, id); err != nil {
		return nil, err
	}
	err = tx.QueryRow(ctx, "SELECT count(*), count(answered_at) FROM survey_invites WHERE survey_id = ?", id).Scan(&v.Invited, &v.Answered)
	return v, err
}

func questions(ctx context.Context, tx *db.Tx, surveyID int64) ([]Question, error) {
	rows, err := tx.Query(ctx, "SELECT id, kind, text, text_en, required, options FROM survey_questions WHERE survey_id = ? ORDER BY pos", surveyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Question{}
	for rows.Next() {
		var q Question
		var opts string
		if err := rows.Scan(&q.ID, &q.Kind, &q.Text, &q.TextEn, &q.Required, &opts); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(opts), &q.Options); err != nil {
			return nil, fmt.Errorf("question %d options: %w", q.ID, err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

func nodePath(ctx context.Context, tx *db.Tx, nodeID int64) (string, error) {
	var path string
	err := tx.QueryRow(ctx, "SELECT path FROM org_nodes WHERE id = ?", nodeID).Scan(&path)
	if isNoRows(err) {
		return "", apperr.Field("node", "组织不存在", "the org node does not exist")
	}
	return path, err
}

func writeQuestions(ctx context.Context, tx *db.Tx, surveyID int64, qs []Question) error {
	if _, err := tx.Exec(ctx, "DELETE FROM survey_questions WHERE survey_id = ?", surveyID); err != nil {
		return err
	}
	for i, q := range qs {
		opts, err := json.Marshal(q.Options)
		if err != nil {
			return err
		}
		if q.Options == nil {
			opts = []byte("[]")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO survey_questions (survey_id, pos, kind, text, text_en, required, options)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, surveyID, i+1, q.Kind, q.Text, q.TextEn, q.Required, string(opts)); err != nil {
			return err
		}
	}
	return nil
}

// Create stores a new survey as a draft. The caller checks that its node
// lies in the caller's scope.
func (s *Service) Create(ctx context.Context, in NewSurvey) (*Survey, error) {
	c, err := in.validate()
	if err != nil {
		return nil, err
	}
	var v *Survey
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		v, err = create(ctx, tx, c, "")
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "survey.create", ObjectType: "survey", ObjectID: v.ID, NodePath: v.NodePath,
			Summary: "新建问卷 " + v.Title, After: v})
	})
	if err != nil {
		return nil, fmt.Errorf("create survey: %w", err)
	}
	return v, nil
}

func create(ctx context.Context, tx *db.Tx, c NewSurvey, systemFor Purpose) (*Survey, error) {
	path, err := nodePath(ctx, tx, c.NodeID)
	if err != nil {
		return nil, err
	}
	status, sys := Draft, any(nil)
	if systemFor != "" {
		status, sys = Open, string(systemFor)
	}
	id, err := tx.InsertID(ctx, `INSERT INTO surveys (title, intro, node_id, node_path, purpose, status, system_for, created_at, updated_at, opened_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.Title, c.Intro, c.NodeID, path, c.Purpose, status, sys, tx.Now, tx.Now, openedAt(status, tx))
	if err != nil {
		return nil, err
	}
	if err := writeQuestions(ctx, tx, id, c.Questions); err != nil {
		return nil, err
	}
	return get(ctx, tx, id, false)
}

func openedAt(st Status, tx *db.Tx) any {
	if st == Open {
		return tx.Now
	}
	return nil
}

// Update replaces a draft's title, introduction, node, purpose and
// questions. An open or closed survey is not edited: its answers refer to
// its questions.
func (s *Service) Update(ctx context.Context, id int64, in NewSurvey) (*Survey, error) {
	c, err := in.validate()
	if err != nil {
		return nil, err
	}
	var v *Survey
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if old.Status != Draft || old.System {
			return errNotDraft()
		}
		path, err := nodePath(ctx, tx, c.NodeID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE surveys SET title = ?, intro = ?, node_id = ?, node_path = ?, purpose = ?, updated_at = ? WHERE id = ?",
			c.Title, c.Intro, c.NodeID, path, c.Purpose, tx.Now, id); err != nil {
			return err
		}
		if err := writeQuestions(ctx, tx, id, c.Questions); err != nil {
			return err
		}
		if v, err = get(ctx, tx, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "survey.update", ObjectType: "survey", ObjectID: id, NodePath: v.NodePath,
			Summary: "修改问卷 " + v.Title, Before: old, After: v})
	})
	if err != nil {
		return nil, fmt.Errorf("update survey: %w", err)
	}
	return v, nil
}

func errNotDraft() error {
	return apperr.New(apperr.Conflict, "只有草稿状态的问卷可以修改", "only a draft survey can be edited")
}

// Open starts a draft survey: from now on members can be invited and
// answer. A survey without questions is not opened.
func (s *Service) Open(ctx context.Context, id int64) (*Survey, error) {
	return s.move(ctx, id, Draft, Open, "survey.open", "开始问卷 ")
}

// Close ends an open survey: no more invites or answers.
func (s *Service) Close(ctx context.Context, id int64) (*Survey, error) {
	return s.move(ctx, id, Open, Closed, "survey.close", "结束问卷 ")
}

func (s *Service) move(ctx context.Context, id int64, from, to Status, action, summary string) (*Survey, error) {
	var v *Survey
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := get(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if old.Status != from {
			return apperr.New(apperr.Conflict, "问卷当前为“"+old.Status.Label("")+"”，不能改为“"+to.Label("")+"”",
				"the survey is "+old.Status.Label("en")+" and cannot become "+to.Label("en"))
		}
		if old.System {
			return apperr.New(apperr.Conflict, "系统问卷一直开放，不能结束", "a built-in survey stays open")
		}
		if to == Open && len(old.Questions) == 0 {
			return apperr.Field("questions", "问卷至少要有一道题才能开始", "a survey needs at least one question to open")
		}
		col := "opened_at"
		if to == Closed {
			col = "closed_at"
		}
		if _, err := tx.Exec(ctx, "UPDATE surveys SET status = ?, "+col+" = ?, updated_at = ? WHERE id = ?", to, tx.Now, tx.Now, id); err != nil {
			return err
		}
		if v, err = get(ctx, tx, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "survey", ObjectID: id, NodePath: v.NodePath,
			Summary: summary + v.Title, Before: map[string]any{"status": old.Status}, After: map[string]any{"status": v.Status}})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return v, nil
}

// Get reads a survey with its questions and its invite counts.
func (s *Service) Get(ctx context.Context, id int64) (*Survey, error) {
	var v *Survey
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		v, err = get(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get survey: %w", err)
	}
	return v, nil
}

// Filter selects surveys.
type Filter struct {
	Within  []string // org paths the caller may see; nil: everywhere. Built-in surveys are always listed.
	Purpose Purpose
	Status  Status
	Offset  int
	Limit   int
}

// List returns surveys newest first (without their questions) and how
// many match.
func (s *Service) List(ctx context.Context, f Filter) ([]Survey, int, error) {
	var conds []string
	var args []any
	if f.Within != nil {
		c, a := db.PathsWhere("s.node_path", f.Within)
		conds, args = append(conds, "(s.system_for IS NOT NULL OR "+c+")"), append(args, a...)
	}
	if f.Purpose != "" {
		if !slices.Contains(Purposes, f.Purpose) {
			return nil, 0, apperr.Field("purpose", "问卷用途不正确", "unknown purpose")
		}
		conds, args = append(conds, "s.purpose = ?"), append(args, f.Purpose)
	}
	if f.Status != "" {
		if !slices.Contains(Statuses, f.Status) {
			return nil, 0, apperr.Field("status", "问卷状态不正确", "unknown status")
		}
		conds, args = append(conds, "s.status = ?"), append(args, f.Status)
	}
	where := ""
	for i, c := range conds {
		if i == 0 {
			where = " WHERE " + c
		} else {
			where += " AND " + c
		}
	}
	limit := f.Limit
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var out []Survey
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM surveys s"+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT s.id, s.title, s.intro, s.node_id, s.node_path, s.purpose, s.status, s.system_for IS NOT NULL,
			s.created_at, s.updated_at, s.opened_at, s.closed_at,
			(SELECT count(*) FROM survey_invites i WHERE i.survey_id = s.id),
			(SELECT count(answered_at) FROM survey_invites i WHERE i.survey_id = s.id)
			FROM surveys s`+where+" ORDER BY s.id DESC LIMIT ? OFFSET ?", append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v Survey
			if err := rows.Scan(&v.ID, &v.Title, &v.Intro, &v.NodeID, &v.NodePath, &v.Purpose, &v.Status, &v.System,
				&v.CreatedAt, &v.UpdatedAt, &v.OpenedAt, &v.ClosedAt, &v.Invited, &v.Answered); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list surveys: %w", err)
	}
	return out, total, nil
}
