package survey_test

import (
	"bytes"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/survey"
	"estateclub/internal/testfix"
)

// known answers a sample survey five times out of six invites:
//
//	single   0 0 1 2 0      multi {0,1} {1} {} {0,1,2} {2}
//	rating   5 4 4 2 1      nps   10 9 7 6 0      text "好" "" "一般" "" "差"
func known(t *testing.T, e *testfix.Env, s *survey.Service, v *survey.Survey) []int64 {
	t.Helper()
	type row struct {
		single      int
		multi       []int
		rating, nps int
		text        string
		subjectID   int64
	}
	rows := []row{
		{0, []int{0, 1}, 5, 10, "好", 1},
		{0, []int{1}, 4, 9, "", 1},
		{1, nil, 4, 7, "一般", 2},
		{2, []int{0, 1, 2}, 2, 6, "", 2},
		{0, []int{2}, 1, 0, "差", 2},
	}
	var members []int64
	for i, r := range rows {
		m := e.Member(t, "SH-PD")
		members = append(members, m)
		inv := mustInvite(t, e, s, survey.InviteInput{SurveyID: v.ID, MemberID: m, Subject: "event", SubjectID: r.subjectID})
		e.Clock.Advance(time.Minute)
		if err := s.Answer(testfix.Ctx(), inv.ID, m, full(v, r.single, r.multi, r.rating, r.nps, r.text)); err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
	}
	m := e.Member(t, "SH-XH")
	members = append(members, m)
	mustInvite(t, e, s, survey.InviteInput{SurveyID: v.ID, MemberID: m, Subject: "event", SubjectID: 2})
	return members
}

func counts(cs []survey.Count) []int {
	var out []int
	for _, c := range cs {
		out = append(out, c.Count)
	}
	return out
}

func TestSummary(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		v := mustOpenSurvey(t, s, sample(e, "SH"))
		known(t, e, s, v)
		sum, err := s.Summary(testfix.Ctx(), v.ID, survey.SummaryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Invited != 6 || sum.Answered != 5 || sum.ResponseRate != 83.3 {
			t.Fatalf("invited %d answered %d rate %v", sum.Invited, sum.Answered, sum.ResponseRate)
		}
		q := sum.Questions
		if q[0].Answers != 5 || !slices.Equal(counts(q[0].Options), []int{3, 1, 1}) || q[0].Options[0].Percent != 60 {
			t.Errorf("single %+v", q[0])
		}
		if q[1].Answers != 4 || !slices.Equal(counts(q[1].Options), []int{2, 3, 2}) || q[1].Options[1].Percent != 75 {
			t.Errorf("multi %+v", q[1])
		}
		if q[2].Answers != 5 || !slices.Equal(counts(q[2].Distribution), []int{1, 1, 0, 2, 1}) || *q[2].Average != 3.2 {
			t.Errorf("rating %+v avg %v", q[2], *q[2].Average)
		}
		if q[2].NPS != nil {
			t.Error("a rating has no NPS")
		}
		nps := q[3]
		if !slices.Equal(counts(nps.Distribution), []int{1, 0, 0, 0, 0, 0, 1, 1, 0, 1, 1}) || *nps.Average != 6.4 {
			t.Errorf("nps distribution %v avg %v", counts(nps.Distribution), *nps.Average)
		}
		if *nps.NPS != (survey.NPSums{Promoters: 2, Passives: 1, Detractors: 2, Score: 0}) {
			t.Errorf("nps %+v", *nps.NPS)
		}
		texts := q[4].Texts
		if q[4].Answers != 3 || len(texts) != 3 || texts[0].Text != "差" || texts[2].Text != "好" {
			t.Errorf("texts %+v", texts)
		}
		// One subject only: event 1 had the two first answers.
		sum, err = s.Summary(testfix.Ctx(), v.ID, survey.SummaryFilter{Subject: "event", SubjectID: 1})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Invited != 2 || sum.Answered != 2 || sum.ResponseRate != 100 || *sum.Questions[2].Average != 4.5 ||
			sum.Questions[3].NPS.Score != 100 {
			t.Errorf("event 1: %+v", sum)
		}
		// A scope: the SH-XH member was invited and did not answer.
		sum, err = s.Summary(testfix.Ctx(), v.ID, survey.SummaryFilter{Within: []string{e.Path("SH-XH")}})
		if err != nil || sum.Invited != 1 || sum.Answered != 0 || sum.Questions[2].Average != nil {
			t.Errorf("SH-XH: %+v %v", sum, err)
		}
		// A period: the invites made before the second.
		to := e.Clock.Now().Add(-4 * time.Minute) // just after the first invite
		sum, err = s.Summary(testfix.Ctx(), v.ID, survey.SummaryFilter{To: to})
		if err != nil || sum.Invited != 1 {
			t.Errorf("before %v: %+v %v", to, sum, err)
		}
	}, testfix.WithClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)))
}

func TestXLSX(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		v := mustOpenSurvey(t, s, sample(e, "SH"))
		members := known(t, e, s, v)
		var buf bytes.Buffer
		if err := s.WriteXLSX(testfix.Ctx(), v.ID, survey.SummaryFilter{}, &buf); err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := x.GetRows("答卷")
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 6 {
			t.Fatalf("%d rows, want a header and 5 answers", len(rows))
		}
		head := []string{"答卷编号", "会员编号", "对象", "对象编号", "提交时间", "1. 您住在哪一期", "2. 您关心哪些服务", "3. 总体满意度", "4. 推荐意愿", "5. 其他意见"}
		if !slices.Equal(rows[0], head) {
			t.Fatalf("header %q", rows[0])
		}
		m, err := e.Members.Get(testfix.Ctx(), members[0])
		if err != nil {
			t.Fatal(err)
		}
		first := rows[1]
		want := []string{m.MemberNo, "event", "1", "2026-12-01 10:01", "一期", "保洁；安保", "5", "10", "好"}
		if !slices.Equal(first[1:], want) {
			t.Fatalf("first row %q, want %q", first[1:], want)
		}
		if r := rows[3]; r[6] != "" || r[9] != "一般" || r[5] != "二期" {
			t.Fatalf("third row %q", r)
		}
		if got := e.Audit(t, audit.Filter{Action: "survey.export"}); len(got) != 1 {
			t.Fatalf("%d export audit entries", len(got))
		}
	}, testfix.WithClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)))
}

func TestEraseMember(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		v := mustOpenSurvey(t, s, sample(e, "SH"))
		members := known(t, e, s, v)
		gone := members[0] // answered with the text 好
		var copyRows [][]string
		err := e.DB.View(testfix.Ctx(), func(tx *db.Tx) (err error) {
			copyRows, err = s.MemberAnswers(testfix.Ctx(), tx, gone)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(copyRows) != 5 || copyRows[0][0] != "业主满意度调查" || copyRows[0][5] != "一期" || copyRows[4][5] != "好" ||
			copyRows[1][5] != "保洁；安保" || len(copyRows[0]) != len(survey.MemberAnswersHeader) {
			t.Fatalf("copy %q", copyRows)
		}
		before, err := s.Summary(testfix.Ctx(), v.ID, survey.SummaryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.DB.Update(testfix.Ctx(), func(tx *db.Tx) error { return s.EraseMember(testfix.Ctx(), tx, gone) }); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(t, "SELECT count(*) FROM survey_invites WHERE member_id = ?", gone); n != 0 {
			t.Fatalf("%d invites still linked", n)
		}
		after, err := s.Summary(testfix.Ctx(), v.ID, survey.SummaryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if after.Invited != before.Invited || after.Answered != before.Answered || *after.Questions[2].Average != *before.Questions[2].Average {
			t.Fatalf("counts changed: %+v → %+v", before, after)
		}
		if tx := after.Questions[4].Texts; len(tx) != 2 || tx[1].Text != "一般" {
			t.Fatalf("texts after erase %+v", tx)
		}
		var rows [][]string
		if err := e.DB.View(testfix.Ctx(), func(tx *db.Tx) (err error) {
			rows, err = s.MemberAnswers(testfix.Ctx(), tx, gone)
			return err
		}); err != nil || len(rows) != 0 {
			t.Fatalf("copy after erase %q %v", rows, err)
		}
		// Another member is untouched.
		if err := e.DB.View(testfix.Ctx(), func(tx *db.Tx) (err error) {
			rows, err = s.MemberAnswers(testfix.Ctx(), tx, members[2])
			return err
		}); err != nil || len(rows) != 4 || rows[3][5] != "一般" {
			t.Fatalf("other member %q %v", rows, err)
		}
	}, testfix.WithClock(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)))
}
