package survey_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/survey"
	"estateclub/internal/testfix"
)

func TestValidation(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		ctx := testfix.Ctx()
		bad := []struct {
			name, field string
			edit        func(*survey.NewSurvey)
		}{
			{"no title", "title", func(n *survey.NewSurvey) { n.Title = "  " }},
			{"no node", "node", func(n *survey.NewSurvey) { n.NodeID = 0 }},
			{"unknown node", "node", func(n *survey.NewSurvey) { n.NodeID = 99999 }},
			{"unknown purpose", "purpose", func(n *survey.NewSurvey) { n.Purpose = "party" }},
			{"unknown kind", "questions.1", func(n *survey.NewSurvey) { n.Questions[0].Kind = "essay" }},
			{"empty question", "questions.3", func(n *survey.NewSurvey) { n.Questions[2].Text = " " }},
			{"one option", "questions.1", func(n *survey.NewSurvey) { n.Questions[0].Options = []string{"一期"} }},
			{"21 options", "questions.2", func(n *survey.NewSurvey) { n.Questions[1].Options = make([]string, 21) }},
			{"empty option", "questions.1", func(n *survey.NewSurvey) { n.Questions[0].Options = []string{"一期", " "} }},
			{"same option twice", "questions.2", func(n *survey.NewSurvey) { n.Questions[1].Options = []string{"保洁", "保洁 "} }},
			{"options on a rating", "questions.3", func(n *survey.NewSurvey) { n.Questions[2].Options = []string{"a", "b"} }},
			{"control characters", "title", func(n *survey.NewSurvey) { n.Title = "满意度\x00" }},
		}
		for _, b := range bad {
			in := sample(e, "SH")
			in.Questions = append([]survey.Question(nil), in.Questions...)
			b.edit(&in)
			_, err := s.Create(ctx, in)
			e := testfix.WantErr(t, err, apperr.Invalid, b.field)
			if e.ZH == "" || e.EN == "" {
				t.Errorf("%s: message %+v not in both languages", b.name, e)
			}
		}
		if n := e.Count(t, "SELECT count(*) FROM surveys"); n != 0 {
			t.Fatalf("%d surveys stored from bad input", n)
		}

		v, err := s.Create(ctx, sample(e, "SH"))
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != survey.Draft || len(v.Questions) != 5 || v.Questions[1].Options[2] != "绿化" {
			t.Fatalf("created %+v", v)
		}
		edit := sample(e, "SH-PD")
		edit.Questions = edit.Questions[2:]
		if v, err = s.Update(ctx, v.ID, edit); err != nil {
			t.Fatal(err)
		}
		if len(v.Questions) != 3 || v.Questions[0].Kind != survey.Rating || v.NodePath != e.Path("SH-PD") {
			t.Fatalf("updated %+v", v)
		}
		empty, err := s.Create(ctx, survey.NewSurvey{Title: "空问卷", NodeID: e.Nodes["SH"].ID})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Open(ctx, empty.ID)
		testfix.WantErr(t, err, apperr.Invalid, "questions")
		if _, err := s.Open(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		_, err = s.Update(ctx, v.ID, sample(e, "SH"))
		testfix.WantCode(t, err, apperr.Conflict)
		_, err = s.Open(ctx, v.ID)
		testfix.WantCode(t, err, apperr.Conflict)
		if v, err = s.Close(ctx, v.ID); err != nil || v.Status != survey.Closed || v.ClosedAt == nil {
			t.Fatalf("close: %+v, %v", v, err)
		}
		if got := e.Audit(t, audit.Filter{ObjectType: "survey"}); len(got) != 5 {
			t.Errorf("%d audit entries, want create ×2, update, open, close", len(got))
		}
	})
}

func TestAnswerChecks(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		v := mustOpenSurvey(t, s, sample(e, "SH"))
		other := mustOpenSurvey(t, s, sample(e, "SH"))
		m := e.Member(t, "SH-PD")
		inv := mustInvite(t, e, s, survey.InviteInput{SurveyID: v.ID, MemberID: m})
		q := v.Questions
		ok := full(v, 0, []int{1}, 4, 9, "")
		with := func(i int, a survey.Answer) []survey.Answer {
			out := append([]survey.Answer(nil), ok...)
			out[i] = a
			return out
		}
		bad := []struct {
			name, field string
			answers     []survey.Answer
		}{
			{"required rating missing", "q" + itoa(q[2].ID), with(2, survey.Answer{QuestionID: q[2].ID})},
			{"rating 6", "q" + itoa(q[2].ID), with(2, survey.Answer{QuestionID: q[2].ID, Value: ptr(6)})},
			{"rating 0", "q" + itoa(q[2].ID), with(2, survey.Answer{QuestionID: q[2].ID, Value: ptr(0)})},
			{"nps 11", "q" + itoa(q[3].ID), with(3, survey.Answer{QuestionID: q[3].ID, Value: ptr(11)})},
			{"nps -1", "q" + itoa(q[3].ID), with(3, survey.Answer{QuestionID: q[3].ID, Value: ptr(-1)})},
			{"option off the list", "q" + itoa(q[0].ID), with(0, survey.Answer{QuestionID: q[0].ID, Choices: []int{3}})},
			{"two singles", "q" + itoa(q[0].ID), with(0, survey.Answer{QuestionID: q[0].ID, Choices: []int{0, 1}})},
			{"multi twice", "q" + itoa(q[1].ID), with(1, survey.Answer{QuestionID: q[1].ID, Choices: []int{1, 1}})},
			{"another survey's question", "answers", append(ok, survey.Answer{QuestionID: other.Questions[0].ID, Choices: []int{0}})},
			{"a question twice", "answers", append(ok, ok[0])},
			{"text too long", "q" + itoa(q[4].ID), with(4, survey.Answer{QuestionID: q[4].ID, Text: strings.Repeat("长", survey.MaxText+1)})},
		}
		for _, b := range bad {
			err := s.Answer(testfix.Ctx(), inv.ID, m, b.answers)
			if e := testfix.WantErr(t, err, apperr.Invalid, b.field); e.ZH == "" || e.EN == "" {
				t.Errorf("%s: %+v", b.name, e)
			}
		}
		if n := e.Count(t, "SELECT count(*) FROM survey_answers"); n != 0 {
			t.Fatalf("%d answers stored from bad input", n)
		}
		// Another member cannot answer this member's invite.
		testfix.WantCode(t, s.Answer(testfix.Ctx(), inv.ID, e.Member(t, "SH-PD"), ok), apperr.NotFound)
		// The optional questions may be left out.
		if err := s.Answer(testfix.Ctx(), inv.ID, m, []survey.Answer{ok[0], ok[2], ok[3]}); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(t, "SELECT count(*) FROM survey_answers"); n != 3 {
			t.Fatalf("%d answers, want 3", n)
		}
		// A closed survey takes no answers and no invites.
		if _, err := s.Close(testfix.Ctx(), other.ID); err != nil {
			t.Fatal(err)
		}
		err := e.DB.Update(testfix.Ctx(), func(tx *db.Tx) error {
			_, err := s.Invite(testfix.Ctx(), tx, survey.InviteInput{SurveyID: other.ID, MemberID: m})
			return err
		})
		testfix.WantCode(t, err, apperr.Conflict)
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAnswerOnceUnderConcurrency(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		v := mustOpenSurvey(t, s, sample(e, "SH"))
		m := e.Member(t, "SH-PD")
		inv := mustInvite(t, e, s, survey.InviteInput{SurveyID: v.ID, MemberID: m})
		// Inviting again is the same invite.
		if again := mustInvite(t, e, s, survey.InviteInput{SurveyID: v.ID, MemberID: m}); again.ID != inv.ID {
			t.Fatalf("second invite %d, want %d", again.ID, inv.ID)
		}
		const n = 8
		errs := make([]error, n)
		testfix.Together(n, func(i int) {
			errs[i] = s.Answer(testfix.Ctx(), inv.ID, m, full(v, i%3, []int{0}, 1+i%5, i, "第"+strconv.Itoa(i)+"份"))
		})
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			if ae := testfix.WantCode(t, err, apperr.Conflict); ae.ZH != "您已提交过这份问卷" {
				t.Errorf("message %q", ae.ZH)
			}
		}
		if won != 1 {
			t.Fatalf("%d answers accepted, want 1", won)
		}
		if n := e.Count(t, "SELECT count(*) FROM survey_answers"); n != 5 {
			t.Fatalf("%d answer rows, want 5", n)
		}
		err := s.Answer(testfix.Ctx(), inv.ID, m, full(v, 0, nil, 5, 10, ""))
		if ae := testfix.WantCode(t, err, apperr.Conflict); ae.ZH != "您已提交过这份问卷" {
			t.Errorf("message %q", ae.ZH)
		}
		if n := e.Count(t, "SELECT count(*) FROM survey_answers"); n != 5 {
			t.Fatalf("%d answer rows after a second try, want 5", n)
		}
		// Free text is sealed: the stored bytes do not hold it.
		if n := e.Count(t, "SELECT count(*) FROM survey_answers WHERE text_enc IS NOT NULL"); n != 1 {
			t.Fatalf("%d sealed texts", n)
		}
		sum, err := s.Summary(testfix.Ctx(), v.ID, survey.SummaryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		txt := sum.Questions[4].Texts
		if len(txt) != 1 || !strings.HasPrefix(txt[0].Text, "第") {
			t.Fatalf("texts %+v", txt)
		}
		var enc []byte
		if err := e.DB.View(testfix.Ctx(), func(tx *db.Tx) error {
			return tx.QueryRow(testfix.Ctx(), "SELECT text_enc FROM survey_answers WHERE text_enc IS NOT NULL").Scan(&enc)
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(enc), txt[0].Text) {
			t.Fatal("free text stored in clear")
		}
	})
}

func TestHooks(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		sys, err := s.System(testfix.Ctx(), "request")
		if err != nil {
			t.Fatal(err)
		}
		var got []survey.Invite
		var ratings []int
		s.OnAnswer("request", func(ctx context.Context, tx *db.Tx, inv survey.Invite, answers []survey.Answer) error {
			if *answers[0].Value == 1 {
				return errors.New("refused by the hook")
			}
			// The hook runs in the answer's transaction: it sees the answer.
			n, err := tx.Count(ctx, "SELECT count(*) FROM survey_answers WHERE invite_id = ?", inv.ID)
			if err != nil || n != len(answers) {
				return errors.New("answers not visible to the hook")
			}
			got, ratings = append(got, inv), append(ratings, *answers[0].Value)
			return nil
		})
		s.OnAnswer("event", func(context.Context, *db.Tx, survey.Invite, []survey.Answer) error {
			t.Error("the event hook ran for a request")
			return nil
		})
		m := e.Member(t, "SH-PD")
		a := mustInvite(t, e, s, survey.InviteInput{SurveyID: sys.ID, MemberID: m, Subject: "request", SubjectID: 41})
		b := mustInvite(t, e, s, survey.InviteInput{SurveyID: sys.ID, MemberID: m, Subject: "request", SubjectID: 42})
		if a.ID == b.ID {
			t.Fatal("two requests share an invite")
		}
		if err := s.Answer(testfix.Ctx(), a.ID, m, []survey.Answer{{QuestionID: sys.Questions[0].ID, Value: ptr(2)}}); err != nil {
			t.Fatal(err)
		}
		err = s.Answer(testfix.Ctx(), b.ID, m, []survey.Answer{{QuestionID: sys.Questions[0].ID, Value: ptr(1)}})
		if err == nil || !strings.Contains(err.Error(), "refused by the hook") {
			t.Fatalf("err = %v", err)
		}
		if len(got) != 1 || got[0].SubjectID != 41 || got[0].AnsweredAt == nil || ratings[0] != 2 {
			t.Fatalf("hook saw %+v %v", got, ratings)
		}
		// The refused answer changed nothing: the invite is still open.
		inv, err := s.InviteFor(testfix.Ctx(), m, "request", 42)
		if err != nil || inv == nil || inv.AnsweredAt != nil {
			t.Fatalf("invite for 42: %+v, %v", inv, err)
		}
		if none, err := s.InviteFor(testfix.Ctx(), m, "request", 43); err != nil || none != nil {
			t.Fatalf("invite for 43: %+v, %v", none, err)
		}
	})
}

func TestSystemSurvey(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		ids := make([]int64, 6)
		testfix.Together(len(ids), func(i int) {
			v, err := s.System(testfix.Ctx(), "request")
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = v.ID
		})
		for _, id := range ids {
			if id != ids[0] {
				t.Fatalf("system surveys %v", ids)
			}
		}
		v, err := s.System(testfix.Ctx(), "request")
		if err != nil {
			t.Fatal(err)
		}
		q := v.Questions
		if !v.System || v.Status != survey.Open || v.Purpose != survey.Request || len(q) != 2 ||
			q[0].Kind != survey.Rating || !q[0].Required || q[1].Kind != survey.Text || q[1].Required || q[0].TextEn == "" ||
			v.NodePath != e.Path("GROUP") {
			t.Fatalf("system survey %+v", v)
		}
		testfix.WantCode(t, func() error { _, err := s.Close(testfix.Ctx(), v.ID); return err }(), apperr.Conflict)
		_, err = s.System(testfix.Ctx(), "general")
		testfix.WantErr(t, err, apperr.Invalid, "purpose")
		// Built-in surveys are listed to every scope.
		list, total, err := s.List(testfix.Ctx(), survey.Filter{Within: []string{e.Path("HZ")}})
		if err != nil || total != 1 || list[0].ID != v.ID {
			t.Fatalf("list %+v %d %v", list, total, err)
		}
	})
}

func TestListScope(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, _ := newService(e)
		sh := mustOpenSurvey(t, s, sample(e, "SH"))
		pd, err := s.Create(testfix.Ctx(), sample(e, "SH-PD"))
		if err != nil {
			t.Fatal(err)
		}
		hz := mustOpenSurvey(t, s, sample(e, "HZ"))
		m := e.Member(t, "SH-PD")
		mustInvite(t, e, s, survey.InviteInput{SurveyID: sh.ID, MemberID: m})
		cases := []struct {
			f    survey.Filter
			want []int64
		}{
			{survey.Filter{}, []int64{hz.ID, pd.ID, sh.ID}},
			{survey.Filter{Within: []string{e.Path("SH")}}, []int64{pd.ID, sh.ID}},
			{survey.Filter{Within: []string{e.Path("SH-PD")}}, []int64{pd.ID}},
			{survey.Filter{Within: []string{e.Path("HZ")}, Status: survey.Open}, []int64{hz.ID}},
			{survey.Filter{Status: survey.Draft}, []int64{pd.ID}},
			{survey.Filter{Within: []string{}}, nil},
		}
		for _, c := range cases {
			list, total, err := s.List(testfix.Ctx(), c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, v := range list {
				got = append(got, v.ID)
			}
			if total != len(c.want) || !equal(got, c.want) {
				t.Errorf("%+v: %v (%d), want %v", c.f, got, total, c.want)
			}
		}
		list, _, _ := s.List(testfix.Ctx(), survey.Filter{Within: []string{e.Path("SH")}})
		if list[1].Invited != 1 || list[1].Answered != 0 {
			t.Errorf("counts %+v", list[1])
		}
	})
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSMSLinks(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, p := newService(e)
		v := mustOpenSurvey(t, s, sample(e, "SH"))
		yes := e.Application("SH-PD")
		yes.Consent.SMS = true
		yesID := e.Approve(t, yes)
		no := e.Application("SH-PD")
		noID := e.Approve(t, no)
		res, err := s.Send(testfix.Ctx(), v.ID, []int64{yesID, noID, 999999}, true)
		if err != nil {
			t.Fatal(err)
		}
		if res != (survey.SendResult{Invited: 2, Texted: 1, Missing: 1}) {
			t.Fatalf("send %+v", res)
		}
		if len(p.texts(no.Mobile)) != 0 || len(p.texts(yes.Mobile)) != 1 {
			t.Fatalf("texts: consented %d, not %d", len(p.texts(yes.Mobile)), len(p.texts(no.Mobile)))
		}
		if !strings.Contains(p.texts(yes.Mobile)[0], "https://club.test/m/s/") {
			t.Fatalf("text %q", p.texts(yes.Mobile)[0])
		}
		// Sending again adds nobody and texts nobody.
		if res, err = s.Send(testfix.Ctx(), v.ID, []int64{yesID, noID}, true); err != nil || res != (survey.SendResult{Already: 2}) {
			t.Fatalf("send again %+v %v", res, err)
		}
		if p.all() != 1 {
			t.Fatalf("%d texts after a second send", p.all())
		}
		tok := p.token(t, yes.Mobile)
		if n := e.Count(t, "SELECT count(*) FROM survey_invites WHERE token_hash = ?", tok); n != 0 {
			t.Fatal("the token is stored in clear")
		}
		if n := e.Count(t, "SELECT count(*) FROM sms_messages WHERE text LIKE ?", "%"+tok+"%"); n != 0 {
			t.Fatal("the stored text message holds the token")
		}
		inv, sv, err := s.InvitationByToken(testfix.Ctx(), tok)
		if err != nil || inv.MemberID != yesID || sv.ID != v.ID || !inv.Texted {
			t.Fatalf("by token %+v %v", inv, err)
		}
		_, _, err = s.InvitationByToken(testfix.Ctx(), tok+"x")
		testfix.WantCode(t, err, apperr.NotFound)
		if err := s.AnswerByToken(testfix.Ctx(), tok, full(v, 1, nil, 5, 10, "")); err != nil {
			t.Fatal(err)
		}
		err = s.AnswerByToken(testfix.Ctx(), tok, full(v, 1, nil, 5, 10, ""))
		testfix.WantCode(t, err, apperr.Conflict)
		// A link is valid 30 days.
		v2 := mustOpenSurvey(t, s, sample(e, "SH"))
		if _, err := s.Send(testfix.Ctx(), v2.ID, []int64{yesID}, true); err != nil {
			t.Fatal(err)
		}
		tok2 := p.token(t, yes.Mobile)
		e.Clock.Advance(29 * 24 * time.Hour)
		if _, _, err := s.InvitationByToken(testfix.Ctx(), tok2); err != nil {
			t.Fatalf("day 29: %v", err)
		}
		e.Clock.Advance(2 * 24 * time.Hour)
		_, _, err = s.InvitationByToken(testfix.Ctx(), tok2)
		testfix.WantCode(t, err, apperr.NotFound)
		testfix.WantCode(t, s.AnswerByToken(testfix.Ctx(), tok2, full(v2, 1, nil, 5, 10, "")), apperr.NotFound)
		// The member still answers it in the portal.
		inv2, err := s.InviteFor(testfix.Ctx(), yesID, "", 0)
		if err != nil || inv2 == nil {
			t.Fatal(inv2, err)
		}
		list, total, err := s.MemberInvites(testfix.Ctx(), yesID, 0, 10)
		if err != nil || total != 2 || list[0].SurveyID != v2.ID || !list[0].Answerable() || list[1].Answerable() {
			t.Fatalf("member invites %+v %d %v", list, total, err)
		}
		if err := s.Answer(testfix.Ctx(), list[0].ID, yesID, full(v2, 0, nil, 3, 7, "")); err != nil {
			t.Fatal(err)
		}
	}, testfix.WithClock(start))
}
