package survey

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"estateclub/internal/apperr"
)

// NewSurvey is a survey as staff write it: created as a draft, replaced
// whole while it is one.
type NewSurvey struct {
	Title     string     `json:"title"`
	Intro     string     `json:"intro"`
	NodeID    int64      `json:"node_id"`
	Purpose   Purpose    `json:"purpose"`
	Questions []Question `json:"questions"`
}

// Limits of a survey.
const (
	MaxTitle     = 100
	MaxIntro     = 1000
	MaxQuestions = 50
	MaxQuestion  = 300
	MinOptions   = 2
	MaxOptions   = 20
	MaxOption    = 100
	MaxText      = 2000 // a text answer
)

// clean trims s, turns CRLF into LF and refuses control characters
// (except a newline where multiline allows it).
func clean(field, s string, maxRunes int, multiline bool, zh, en string) (string, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if !utf8.ValidString(s) || strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t')) }) >= 0 {
		return "", apperr.Field(field, zh+"含有无法显示的字符", en+" holds characters that cannot be shown")
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return "", apperr.Field(field, fmt.Sprintf("%s不能超过 %d 个字", zh, maxRunes), fmt.Sprintf("%s has at most %d characters", en, maxRunes))
	}
	return s, nil
}

func (in NewSurvey) validate() (NewSurvey, error) {
	var err error
	out := NewSurvey{NodeID: in.NodeID, Purpose: in.Purpose}
	if out.Title, err = clean("title", in.Title, MaxTitle, false, "标题", "the title"); err != nil {
		return out, err
	}
	if out.Title == "" {
		return out, apperr.Field("title", "请填写问卷标题", "the title is required")
	}
	if out.Intro, err = clean("intro", in.Intro, MaxIntro, true, "说明", "the introduction"); err != nil {
		return out, err
	}
	if in.NodeID <= 0 {
		return out, apperr.Field("node", "请选择问卷所属的组织", "choose the survey's org node")
	}
	if out.Purpose == "" {
		out.Purpose = General
	}
	if !slices.Contains(Purposes, out.Purpose) {
		return out, apperr.Field("purpose", "问卷用途不正确", "unknown purpose")
	}
	if len(in.Questions) > MaxQuestions {
		return out, apperr.Field("questions", fmt.Sprintf("一份问卷最多 %d 道题", MaxQuestions), fmt.Sprintf("a survey has at most %d questions", MaxQuestions))
	}
	for i, q := range in.Questions {
		c, err := q.validate(i + 1)
		if err != nil {
			return out, err
		}
		out.Questions = append(out.Questions, c)
	}
	return out, nil
}

func (q Question) validate(n int) (Question, error) {
	field := fmt.Sprintf("questions.%d", n)
	zh, en := fmt.Sprintf("第 %d 题", n), fmt.Sprintf("question %d", n)
	out := Question{Kind: q.Kind, Required: q.Required}
	if !slices.Contains(Kinds, q.Kind) {
		return out, apperr.Field(field, zh+"的题型不正确", en+" has an unknown kind")
	}
	var err error
	if out.Text, err = clean(field, q.Text, MaxQuestion, false, zh, en); err != nil {
		return out, err
	}
	if out.Text == "" {
		return out, apperr.Field(field, zh+"的题目不能为空", en+" has no text")
	}
	if out.TextEn, err = clean(field, q.TextEn, MaxQuestion, false, zh+"的英文", en+"'s English"); err != nil {
		return out, err
	}
	if !q.Kind.Choice() {
		if len(q.Options) > 0 {
			return out, apperr.Field(field, zh+"（"+q.Kind.Label("")+"）不设选项", en+" ("+strings.ToLower(q.Kind.Label("en"))+") takes no options")
		}
		return out, nil
	}
	if len(q.Options) < MinOptions || len(q.Options) > MaxOptions {
		return out, apperr.Field(field, fmt.Sprintf("%s须有 %d–%d 个选项", zh, MinOptions, MaxOptions),
			fmt.Sprintf("%s needs %d to %d options", en, MinOptions, MaxOptions))
	}
	for _, o := range q.Options {
		o, err := clean(field, o, MaxOption, false, zh+"的选项", en+"'s option")
		if err != nil {
			return out, err
		}
		if o == "" {
			return out, apperr.Field(field, zh+"有空的选项", en+" has an empty option")
		}
		if slices.Contains(out.Options, o) {
			return out, apperr.Field(field, zh+"的选项“"+o+"”重复了", en+" has the option “"+o+"” twice")
		}
		out.Options = append(out.Options, o)
	}
	return out, nil
}
