package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// ErrAnswered is the message of a second answer to the same invite.
func errAnswered() error {
	return apperr.New(apperr.Conflict, "您已提交过这份问卷", "you have already answered this survey")
}

func textAAD(answerID int64) string { return pii.AAD("survey_answers.text_enc", answerID) }

// Answer stores a member's answers to their invite, once: a second try
// (also one racing the first) is refused and changes nothing. The hooks of
// the invite's subject run in the same transaction.
func (s *Service) Answer(ctx context.Context, inviteID, memberID int64, answers []Answer) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		inv, err := getInvite(ctx, tx, "i.id = ? AND i.member_id = ?"+tx.ForUpdateOf("i"), inviteID, memberID)
		if err != nil {
			return err
		}
		return s.answer(ctx, tx, inv, answers)
	})
	if err != nil {
		return fmt.Errorf("answer survey: %w", err)
	}
	return nil
}

// AnswerByToken is Answer for the invite an SMS link opens, without
// signing in; an unknown or expired token is not found.
func (s *Service) AnswerByToken(ctx context.Context, token string, answers []Answer) error {
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		inv, err := getInvite(ctx, tx, "i.token_hash = ? AND i.token_expires > ?"+tx.ForUpdateOf("i"), hashToken(token), tx.Now)
		if err != nil {
			return err
		}
		return s.answer(ctx, tx, inv, answers)
	})
	if err != nil {
		return fmt.Errorf("answer survey by link: %w", err)
	}
	return nil
}

func (s *Service) answer(ctx context.Context, tx *db.Tx, inv *Invite, answers []Answer) error {
	if inv.AnsweredAt != nil {
		return errAnswered()
	}
	if inv.SurveyStatus != Open {
		return apperr.New(apperr.Conflict, "这份问卷已结束，不能再作答", "this survey is closed")
	}
	qs, err := questions(ctx, tx, inv.SurveyID)
	if err != nil {
		return err
	}
	clean, err := Check(qs, answers)
	if err != nil {
		return err
	}
	// The guard makes the answer once-only even where the row lock is not
	// taken (SQLite serialises writers instead).
	res, err := tx.Exec(ctx, "UPDATE survey_invites SET answered_at = ? WHERE id = ? AND answered_at IS NULL", tx.Now, inv.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return err
		}
		return errAnswered()
	}
	now := tx.Now
	inv.AnsweredAt = &now
	for _, a := range clean {
		if err := s.storeAnswer(ctx, tx, inv.ID, a); err != nil {
			return err
		}
	}
	for _, fn := range s.hooksFor(inv.Subject) {
		if err := fn(ctx, tx, *inv, clean); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, audit.Change{Action: "survey.answer", ObjectType: "survey", ObjectID: inv.SurveyID, NodePath: inv.NodePath,
		Summary: "提交问卷 " + inv.SurveyTitle,
		After:   map[string]any{"invite": inv.ID, "subject": inv.Subject, "subject_id": inv.SubjectID, "answers": len(clean)}})
}

func (s *Service) storeAnswer(ctx context.Context, tx *db.Tx, inviteID int64, a Answer) error {
	choices := "[]"
	if len(a.Choices) > 0 {
		b, err := json.Marshal(a.Choices)
		if err != nil {
			return err
		}
		choices = string(b)
	}
	id, err := tx.InsertID(ctx, "INSERT INTO survey_answers (invite_id, question_id, value, choices) VALUES (?, ?, ?, ?)",
		inviteID, a.QuestionID, a.Value, choices)
	if err != nil || a.Text == "" {
		return err
	}
	enc, err := s.Keys.Seal(a.Text, textAAD(id))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, "UPDATE survey_answers SET text_enc = ? WHERE id = ?", enc, id)
	return err
}

// Check validates answers against a survey's questions: every answer to a
// question of the survey, once; required questions answered; ratings 1–5,
// NPS 0–10, choices from the list (one for single choice). It returns the
// answers given, cleaned, in question order.
func Check(qs []Question, answers []Answer) ([]Answer, error) {
	by := map[int64]Answer{}
	for _, a := range answers {
		if !slices.ContainsFunc(qs, func(q Question) bool { return q.ID == a.QuestionID }) {
			return nil, apperr.Field("answers", "答案对应的题目不属于这份问卷", "an answer is for a question of another survey")
		}
		if _, dup := by[a.QuestionID]; dup {
			return nil, apperr.Field("answers", "同一道题只能回答一次", "a question is answered twice")
		}
		by[a.QuestionID] = a
	}
	var out []Answer
	for i, q := range qs {
		a, given := by[q.ID]
		field := fmt.Sprintf("q%d", q.ID)
		zh, en := fmt.Sprintf("第 %d 题", i+1), fmt.Sprintf("question %d", i+1)
		c, empty, err := checkOne(q, a, field, zh, en)
		if err != nil {
			return nil, err
		}
		if empty || !given {
			if q.Required {
				return nil, apperr.Field(field, zh+"为必答题，请作答", en+" is required")
			}
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func checkOne(q Question, a Answer, field, zh, en string) (c Answer, empty bool, err error) {
	c = Answer{QuestionID: q.ID}
	switch q.Kind {
	case Rating, NPS:
		if a.Value == nil {
			return c, true, nil
		}
		lo, hi := q.Kind.Scale()
		if *a.Value < lo || *a.Value > hi {
			return c, false, apperr.Field(field, fmt.Sprintf("%s请选 %d–%d 分", zh, lo, hi), fmt.Sprintf("%s takes %d to %d", en, lo, hi))
		}
		v := *a.Value
		c.Value = &v
	case Single, Multi:
		if len(a.Choices) == 0 {
			return c, true, nil
		}
		if q.Kind == Single && len(a.Choices) > 1 {
			return c, false, apperr.Field(field, zh+"只能选一项", en+" takes one choice")
		}
		for _, o := range a.Choices {
			if o < 0 || o >= len(q.Options) {
				return c, false, apperr.Field(field, zh+"的选项不在列表中", en+": the choice is not one of the options")
			}
			if slices.Contains(c.Choices, o) {
				return c, false, apperr.Field(field, zh+"的选项重复了", en+": a choice is given twice")
			}
			c.Choices = append(c.Choices, o)
		}
		slices.Sort(c.Choices)
	case Text:
		t, err := clean(field, a.Text, MaxText, true, zh, en)
		if err != nil {
			return c, false, err
		}
		if t == "" {
			return c, true, nil
		}
		c.Text = t
	}
	return c, false, nil
}
