package survey

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"estateclub/internal/db"
)

// SummaryFilter narrows a summary (and an export) to the invites about one
// subject, made in a period [From, To), within org paths.
type SummaryFilter struct {
	Subject   string // "": any
	SubjectID int64  // 0: any
	From, To  time.Time
	// Within keeps the invites of members in these org paths (a built-in
	// survey read by a city's staff); nil: all.
	Within []string
}

// Summary is what the answers to a survey add up to.
type Summary struct {
	Survey       *Survey           `json:"survey"`
	Invited      int               `json:"invited"`
	Answered     int               `json:"answered"`
	ResponseRate float64           `json:"response_rate"` // percent, one decimal
	Questions    []QuestionSummary `json:"questions"`
}

// QuestionSummary sums up the answers to one question.
type QuestionSummary struct {
	Question Question `json:"question"`
	Answers  int      `json:"answers"`
	// Options counts each option (single and multi; a multi answer counts
	// once for each option chosen); Percent is of Answers.
	Options []Count `json:"options,omitempty"`
	// Distribution counts each value of a rating (1–5) or NPS (0–10).
	Distribution []Count  `json:"distribution,omitempty"`
	Average      *float64 `json:"average,omitempty"` // rating and NPS, two decimals
	NPS          *NPSums  `json:"nps,omitempty"`
	// Texts are the text answers, newest first, at most MaxTexts.
	Texts []TextAnswer `json:"texts,omitempty"`
}

// Count is how many answers chose an option or value.
type Count struct {
	Label   string  `json:"label"`
	Count   int     `json:"count"`
	Percent float64 `json:"percent"` // of the question's answers, one decimal
}

// NPSums are the Net Promoter Score's parts: promoters answer 9–10,
// passives 7–8, detractors 0–6; Score is the promoters' share less the
// detractors', in percent (−100 to 100), one decimal.
type NPSums struct {
	Promoters  int     `json:"promoters"`
	Passives   int     `json:"passives"`
	Detractors int     `json:"detractors"`
	Score      float64 `json:"score"`
}

// TextAnswer is one free-text answer, opened.
type TextAnswer struct {
	At   time.Time `json:"at"`
	Text string    `json:"text"`
}

// MaxTexts is how many text answers a summary shows per question (the
// .xlsx has them all).
const MaxTexts = 200

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return round(float64(n)*100/float64(of), 1)
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

// inviteWhere is the condition on survey_invites i of a survey and f.
func inviteWhere(surveyID int64, f SummaryFilter) (string, []any) {
	conds, args := []string{"i.survey_id = ?"}, []any{surveyID}
	if f.Subject != "" {
		conds, args = append(conds, "i.subject = ?"), append(args, f.Subject)
	}
	if f.SubjectID != 0 {
		conds, args = append(conds, "i.subject_id = ?"), append(args, f.SubjectID)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "i.created_at >= ?"), append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "i.created_at < ?"), append(args, f.To.UTC())
	}
	if f.Within != nil {
		c, a := db.PathsWhere("i.node_path", f.Within)
		conds, args = append(conds, c), append(args, a...)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Summary adds up the answers to a survey: per question the answers'
// count, the options' counts, the ratings' average and distribution, the
// NPS, the text answers; and the response rate of the invites.
func (s *Service) Summary(ctx context.Context, surveyID int64, f SummaryFilter) (*Summary, error) {
	var sum *Summary
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		v, err := get(ctx, tx, surveyID, false)
		if err != nil {
			return err
		}
		sum = &Summary{Survey: v}
		where, args := inviteWhere(surveyID, f)
		if err := tx.QueryRow(ctx, "SELECT count(*), count(i.answered_at) FROM survey_invites i"+where, args...).Scan(&sum.Invited, &sum.Answered); err != nil {
			return err
		}
		sum.ResponseRate = pct(sum.Answered, sum.Invited)
		byQ := map[int64]*QuestionSummary{}
		for _, q := range v.Questions {
			qs := &QuestionSummary{Question: q}
			for _, o := range q.Options {
				qs.Options = append(qs.Options, Count{Label: o})
			}
			if q.Kind == Rating || q.Kind == NPS {
				lo, hi := q.Kind.Scale()
				for n := lo; n <= hi; n++ {
					qs.Distribution = append(qs.Distribution, Count{Label: fmt.Sprint(n)})
				}
			}
			byQ[q.ID] = qs
		}
		if err := s.addAnswers(ctx, tx, where, args, byQ); err != nil {
			return err
		}
		for _, q := range v.Questions {
			qs := byQ[q.ID]
			finish(qs)
			sum.Questions = append(sum.Questions, *qs)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("survey summary: %w", err)
	}
	return sum, nil
}

func (s *Service) addAnswers(ctx context.Context, tx *db.Tx, where string, args []any, byQ map[int64]*QuestionSummary) error {
	rows, err := tx.Query(ctx, `SELECT a.id, a.question_id, a.value, a.choices, a.text_enc, i.answered_at
		FROM survey_answers a JOIN survey_invites i ON i.id = a.invite_id`+where+` ORDER BY i.answered_at DESC, a.id DESC`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, qid int64
		var value *int
		var choices string
		var enc []byte
		var at time.Time
		if err := rows.Scan(&id, &qid, &value, &choices, &enc, &at); err != nil {
			return err
		}
		qs := byQ[qid]
		if qs == nil {
			continue
		}
		qs.Answers++
		switch qs.Question.Kind {
		case Rating, NPS:
			if value != nil {
				lo, _ := qs.Question.Kind.Scale()
				if i := *value - lo; i >= 0 && i < len(qs.Distribution) {
					qs.Distribution[i].Count++
				}
			}
		case Single, Multi:
			var cs []int
			if err := json.Unmarshal([]byte(choices), &cs); err != nil {
				return fmt.Errorf("answer %d choices: %w", id, err)
			}
			for _, c := range cs {
				if c >= 0 && c < len(qs.Options) {
					qs.Options[c].Count++
				}
			}
		case Text:
			if enc == nil || len(qs.Texts) >= MaxTexts {
				continue
			}
			t, err := s.Keys.Open(enc, textAAD(id))
			if err != nil {
				return fmt.Errorf("answer %d: %w", id, err)
			}
			qs.Texts = append(qs.Texts, TextAnswer{At: at, Text: t})
		}
	}
	return rows.Err()
}

// finish computes the shares, the average and the NPS of a question.
func finish(qs *QuestionSummary) {
	for i := range qs.Options {
		qs.Options[i].Percent = pct(qs.Options[i].Count, qs.Answers)
	}
	if qs.Distribution == nil {
		return
	}
	lo, _ := qs.Question.Kind.Scale()
	total, n := 0, 0
	var nps NPSums
	for i := range qs.Distribution {
		d := &qs.Distribution[i]
		d.Percent = pct(d.Count, qs.Answers)
		v := lo + i
		total += v * d.Count
		n += d.Count
		switch {
		case v >= 9:
			nps.Promoters += d.Count
		case v >= 7:
			nps.Passives += d.Count
		default:
			nps.Detractors += d.Count
		}
	}
	if n > 0 {
		avg := round(float64(total)/float64(n), 2)
		qs.Average = &avg
	}
	if qs.Question.Kind == NPS {
		nps.Score = round(float64(nps.Promoters-nps.Detractors)*100/float64(max(n, 1)), 1)
		qs.NPS = &nps
	}
}
