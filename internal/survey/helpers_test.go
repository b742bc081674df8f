package survey_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/sms"
	"estateclub/internal/survey"
	"estateclub/internal/testfix"
)

// phone records the texts a provider was asked to send.
type phone struct {
	mu   sync.Mutex
	sent map[string][]string // mobile → texts
}

func (p *phone) Name() string { return "test" }

func (p *phone) Send(_ context.Context, mobile, text string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sent == nil {
		p.sent = map[string][]string{}
	}
	p.sent[mobile] = append(p.sent[mobile], text)
	return nil
}

func (p *phone) texts(mobile string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.sent[mobile]...)
}

func (p *phone) all() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, t := range p.sent {
		n += len(t)
	}
	return n
}

// token is the link token of the last text sent to mobile.
func (p *phone) token(t *testing.T, mobile string) string {
	t.Helper()
	ts := p.texts(mobile)
	if len(ts) == 0 {
		t.Fatalf("no text to %s", mobile)
	}
	_, tok, ok := strings.Cut(ts[len(ts)-1], "/m/s/")
	if !ok {
		t.Fatalf("no link in %q", ts[len(ts)-1])
	}
	return tok
}

func newService(e *testfix.Env) (*survey.Service, *phone) {
	p := &phone{}
	return &survey.Service{DB: e.DB, Keys: e.Keys, SMS: &sms.Service{DB: e.DB, Keys: e.Keys, Provider: p}, Members: e.Members,
		LinkBase: "https://club.test"}, p
}

// sample is a survey with one question of each kind.
func sample(e *testfix.Env, node string) survey.NewSurvey {
	return survey.NewSurvey{Title: "业主满意度调查", Intro: "请花一分钟", NodeID: e.Nodes[node].ID, Purpose: survey.General,
		Questions: []survey.Question{
			{Kind: survey.Single, Text: "您住在哪一期", Required: true, Options: []string{"一期", "二期", "三期"}},
			{Kind: survey.Multi, Text: "您关心哪些服务", Options: []string{"保洁", "安保", "绿化"}},
			{Kind: survey.Rating, Text: "总体满意度", Required: true},
			{Kind: survey.NPS, Text: "推荐意愿", Required: true},
			{Kind: survey.Text, Text: "其他意见"},
		}}
}

func mustOpenSurvey(t *testing.T, s *survey.Service, in survey.NewSurvey) *survey.Survey {
	t.Helper()
	v, err := s.Create(testfix.Ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	if v, err = s.Open(testfix.Ctx(), v.ID); err != nil {
		t.Fatal(err)
	}
	return v
}

func mustInvite(t *testing.T, e *testfix.Env, s *survey.Service, in survey.InviteInput) *survey.Invite {
	t.Helper()
	var inv *survey.Invite
	err := e.DB.Update(testfix.Ctx(), func(tx *db.Tx) (err error) {
		inv, err = s.Invite(testfix.Ctx(), tx, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func ptr(n int) *int { return &n }

// full answers every question of sample.
func full(v *survey.Survey, single int, multi []int, rating, nps int, text string) []survey.Answer {
	q := v.Questions
	return []survey.Answer{
		{QuestionID: q[0].ID, Choices: []int{single}},
		{QuestionID: q[1].ID, Choices: multi},
		{QuestionID: q[2].ID, Value: ptr(rating)},
		{QuestionID: q[3].ID, Value: ptr(nps)},
		{QuestionID: q[4].ID, Text: text},
	}
}
