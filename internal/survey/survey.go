// Package survey is the questionnaire engine (问卷) of the whole product:
// staff build a survey of ordered questions (single and multiple choice,
// 1–5 rating, 0–10 recommendation, free text), invite members to it in the
// portal and by an SMS link to those who consented, members answer each
// invite once, and the answers are summarised with counts, averages, NPS
// and an .xlsx. A survey may be about one object (a request, an event): the
// invite names its subject, and the area that owns the subject reacts to the
// answer through a hook (OnAnswer).
//
// Lead questionnaires (internal/lead) are not surveys: a consultant fills
// them in about a lead while following it up; nothing is sent to anyone.
package survey

import (
	"context"
	"sync"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/sms"
)

// Purpose is what a survey serves.
type Purpose string

// The purposes.
const (
	General  Purpose = "general"  // 一般问卷
	Request  Purpose = "request"  // 诉求满意度
	Event    Purpose = "event"    // 活动满意度
	Merchant Purpose = "merchant" // 联盟商家
)

// Purposes lists the purposes in display order.
var Purposes = []Purpose{General, Request, Event, Merchant}

// Status is where a survey stands.
type Status string

// The statuses: a draft is edited, an open survey is answered, a closed
// one is only read.
const (
	Draft  Status = "draft"  // 草稿
	Open   Status = "open"   // 进行中
	Closed Status = "closed" // 已结束
)

// Statuses lists the statuses in order.
var Statuses = []Status{Draft, Open, Closed}

// Kind is a question's kind.
type Kind string

// The kinds of question.
const (
	Single Kind = "single" // 单选
	Multi  Kind = "multi"  // 多选
	Rating Kind = "rating" // 评分 1–5
	NPS    Kind = "nps"    // 推荐度 0–10
	Text   Kind = "text"   // 文字
)

// Kinds lists the kinds of question in display order.
var Kinds = []Kind{Single, Multi, Rating, NPS, Text}

// Choice reports whether a question of this kind has options.
func (k Kind) Choice() bool { return k == Single || k == Multi }

// Scale is the lowest and highest value of a rating or NPS question.
func (k Kind) Scale() (lo, hi int) {
	if k == NPS {
		return 0, 10
	}
	return 1, 5
}

// Question is one question of a survey (题目).
type Question struct {
	ID       int64    `json:"id"`
	Kind     Kind     `json:"kind"`
	Text     string   `json:"text"`              // Chinese
	TextEn   string   `json:"text_en,omitempty"` // English, when given
	Required bool     `json:"required"`
	Options  []string `json:"options,omitempty"` // single and multi: 2–20
}

// Label is the question's text in lang (English when it has some).
func (q Question) Label(lang string) string {
	if lang == "en" && q.TextEn != "" {
		return q.TextEn
	}
	return q.Text
}

// Survey is a questionnaire (问卷).
type Survey struct {
	ID        int64      `json:"id"`
	Title     string     `json:"title"`
	Intro     string     `json:"intro"`
	NodeID    int64      `json:"node_id"`
	NodePath  string     `json:"-"`
	Purpose   Purpose    `json:"purpose"`
	Status    Status     `json:"status"`
	System    bool       `json:"system"` // the built-in survey of its purpose
	Questions []Question `json:"questions"`
	Invited   int        `json:"invited"`  // filled by Get and List
	Answered  int        `json:"answered"` // filled by Get and List
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	OpenedAt  *time.Time `json:"opened_at,omitempty"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
}

// Invite is a member's invitation to answer a survey (邀请), about a
// subject ("request", "event" with its id) or about nothing ("").
type Invite struct {
	ID           int64      `json:"id"`
	SurveyID     int64      `json:"survey_id"`
	SurveyTitle  string     `json:"survey_title"`
	SurveyStatus Status     `json:"survey_status"`
	MemberID     int64      `json:"member_id"` // 0 once the member's data is erased
	Subject      string     `json:"subject"`
	SubjectID    int64      `json:"subject_id"`
	NodePath     string     `json:"-"`
	Texted       bool       `json:"texted"` // an SMS link was sent
	CreatedAt    time.Time  `json:"created_at"`
	AnsweredAt   *time.Time `json:"answered_at,omitempty"`
}

// Answerable reports whether the invite can still be answered.
func (i Invite) Answerable() bool { return i.AnsweredAt == nil && i.SurveyStatus == Open }

// Answer is a member's answer to one question: Value for a rating (1–5) or
// NPS (0–10) question, Choices (0-based option indexes) for a choice
// question, Text for a text question.
type Answer struct {
	QuestionID int64  `json:"question_id"`
	Value      *int   `json:"value,omitempty"`
	Choices    []int  `json:"choices,omitempty"`
	Text       string `json:"text,omitempty"`
}

// Hook is called inside the transaction that stores an invite's answers.
type Hook func(ctx context.Context, tx *db.Tx, inv Invite, answers []Answer) error

// Service keeps surveys, invites and answers.
type Service struct {
	DB      *db.DB
	Keys    *pii.Keys
	SMS     *sms.Service
	Members *member.Service // the mobile of members who consented to SMS
	// LinkBase is put before /m/s/{token} in the SMS text (the portal's
	// public address, e.g. https://club.example.com); "" sends the path.
	LinkBase string

	mu    sync.RWMutex
	hooks map[string][]Hook
}

// OnAnswer registers fn to run, inside the answer's transaction, whenever
// an invite about subject is answered (the request workflow registers
// "request"). An error from fn undoes the answer.
func (s *Service) OnAnswer(subject string, fn func(ctx context.Context, tx *db.Tx, inv Invite, answers []Answer) error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hooks == nil {
		s.hooks = map[string][]Hook{}
	}
	s.hooks[subject] = append(s.hooks[subject], fn)
}

func (s *Service) hooksFor(subject string) []Hook {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.hooks[subject]
}
