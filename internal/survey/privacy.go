package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"estateclub/internal/db"
)

// EraseMember erases, inside tx, what the survey engine holds of a member:
// their free-text answers are deleted and their invites are cut from them
// (member_id set to NULL, the SMS link's token dropped). The invites and the
// other answers stay, so that counts, averages and response rates do not
// change.
func (s *Service) EraseMember(ctx context.Context, tx *db.Tx, memberID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM survey_answers WHERE text_enc IS NOT NULL
		AND invite_id IN (SELECT id FROM survey_invites WHERE member_id = ?)`, memberID); err != nil {
		return fmt.Errorf("erase survey answers: %w", err)
	}
	if _, err := tx.Exec(ctx, `UPDATE survey_invites SET member_id = NULL, token_hash = NULL, token_expires = NULL
		WHERE member_id = ?`, memberID); err != nil {
		return fmt.Errorf("cut survey invites: %w", err)
	}
	return nil
}

// MemberAnswersHeader names the columns of MemberAnswers' rows.
var MemberAnswersHeader = []string{"问卷", "对象", "邀请时间", "提交时间", "题目", "回答"}

// MemberAnswers lists, inside tx, a member's invites and answers for their
// data copy: one row per answer (per invite, when not answered), its text
// opened, in the columns of MemberAnswersHeader.
func (s *Service) MemberAnswers(ctx context.Context, tx *db.Tx, memberID int64) ([][]string, error) {
	rows, err := tx.Query(ctx, `SELECT i.id, s.title, i.subject, i.subject_id, i.created_at, i.answered_at,
		a.id, q.text, q.kind, q.options, a.value, a.choices, a.text_enc
		FROM survey_invites i JOIN surveys s ON s.id = i.survey_id
		LEFT JOIN survey_answers a ON a.invite_id = i.id LEFT JOIN survey_questions q ON q.id = a.question_id
		WHERE i.member_id = ? ORDER BY i.id, q.pos`, memberID)
	if err != nil {
		return nil, fmt.Errorf("member survey answers: %w", err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var inviteID, subjectID int64
		var title, subject string
		var r rowVals
		if err := rows.Scan(&inviteID, &title, &subject, &subjectID, &r.invited, &r.answered, &r.answerID, &r.question, &r.kind,
			&r.options, &r.value, &r.choices, &r.enc); err != nil {
			return nil, err
		}
		subj := subject
		if subjectID != 0 {
			subj = fmt.Sprintf("%s %d", subject, subjectID)
		}
		answered := ""
		if r.answered != nil {
			answered = r.answered.In(china).Format("2006-01-02 15:04")
		}
		ans, err := s.answerText(r)
		if err != nil {
			return nil, err
		}
		out = append(out, []string{title, subj, r.invited.In(china).Format("2006-01-02 15:04"), answered, deref(r.question), ans})
	}
	return out, rows.Err()
}

// rowVals is one row of MemberAnswers' query: the LEFT JOINs make the
// answer's columns NULL for an invite not answered.
type rowVals struct {
	invited          time.Time
	answered         *time.Time
	answerID         *int64
	question, kind   *string
	options, choices *string
	value            *int
	enc              []byte
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Service) answerText(r rowVals) (string, error) {
	switch {
	case r.answerID == nil:
		return "", nil
	case r.value != nil:
		return fmt.Sprint(*r.value), nil
	case r.enc != nil:
		return s.Keys.Open(r.enc, textAAD(*r.answerID))
	}
	var opts []string
	var cs []int
	if r.options != nil {
		_ = json.Unmarshal([]byte(*r.options), &opts)
	}
	if r.choices != nil {
		_ = json.Unmarshal([]byte(*r.choices), &cs)
	}
	var names []string
	for _, c := range cs {
		if c >= 0 && c < len(opts) {
			names = append(names, opts[c])
		}
	}
	return strings.Join(names, "；"), nil
}

// PrivacyArea is the survey engine's part of a member's data copy and
// erasure, in the shape the privacy service plugs in.
type PrivacyArea struct{ S *Service }

// Name is the data copy's sheet name.
func (a PrivacyArea) Name(lang string) string {
	if lang == "en" {
		return "Surveys"
	}
	return "问卷"
}

// Copy is MemberAnswers with its header.
func (a PrivacyArea) Copy(ctx context.Context, tx *db.Tx, memberID int64) ([]string, [][]string, error) {
	rows, err := a.S.MemberAnswers(ctx, tx, memberID)
	return MemberAnswersHeader, rows, err
}

// Erase is EraseMember.
func (a PrivacyArea) Erase(ctx context.Context, tx *db.Tx, memberID int64) error {
	return a.S.EraseMember(ctx, tx, memberID)
}

// Area is the survey engine's part of a member's data for internal/privacy:
// their invites and answers in the data copy, their free-text answers
// erased and their invites cut from them when the account is deleted. It is
// a privacy.Area, plugged in at wiring.
type Area struct{ S *Service }

// Name is the sheet's name.
func (Area) Name(lang string) string {
	if lang == "en" {
		return "Surveys"
	}
	return "问卷回答"
}

// Copy lists the member's invites and answers, opened.
func (a Area) Copy(ctx context.Context, tx *db.Tx, memberID int64) ([]string, [][]string, error) {
	rows, err := a.S.MemberAnswers(ctx, tx, memberID)
	return MemberAnswersHeader, rows, err
}

// Erase erases what the survey engine holds of the member.
func (a Area) Erase(ctx context.Context, tx *db.Tx, memberID int64) error {
	return a.S.EraseMember(ctx, tx, memberID)
}
