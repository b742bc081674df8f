package portal

import (
	"net/http"
	"net/url"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/survey"
	"estateclub/internal/web"
)

// --- surveys (问卷) ---

type mSurveysData struct {
	Items []survey.Invite
	Pager web.Pager
}

func (s *handler) mSurveys(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	at, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	at.PerPage = min(at.PerPage, 20)
	var d mSurveysData
	var total int
	if d.Items, total, err = s.Surveys.MemberInvites(r.Context(), m.ID, at.Offset(), at.PerPage); err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Pager = web.NewPager(r, at, total, len(d.Items), false)
	s.RenderPortal(w, r, http.StatusOK, "m_surveys", web.Mpage{Title: s.Cat.T(web.Lang(r), "m.surveys.title"), Nav: "home", Data: d})
}

// mSurveyData is the page that answers one invite, in the portal or by
// the SMS link (Action says where the form goes).
type mSurveyData struct {
	Invite    *survey.Invite
	Survey    *survey.Survey
	Questions []mQuestion
	Action    string
	Back      bool // a link back to the member's surveys
}

// mQuestion is a question as the form shows it, with what was chosen.
type mQuestion struct {
	survey.Question
	N      int
	Name   string // the form field
	Scale  []int  // rating and NPS values
	Chosen map[int]bool
	Typed  string
}

func questionsOf(v *survey.Survey, form url.Values) []mQuestion {
	out := make([]mQuestion, len(v.Questions))
	for i, q := range v.Questions {
		mq := mQuestion{Question: q, N: i + 1, Name: "q" + strconv.FormatInt(q.ID, 10), Chosen: map[int]bool{}}
		if q.Kind == survey.Rating || q.Kind == survey.NPS {
			lo, hi := q.Kind.Scale()
			for n := lo; n <= hi; n++ {
				mq.Scale = append(mq.Scale, n)
			}
		}
		for _, v := range form[mq.Name] {
			if n, err := strconv.Atoi(v); err == nil {
				mq.Chosen[n] = true
			}
		}
		mq.Typed = form.Get(mq.Name)
		out[i] = mq
	}
	return out
}

// answersOf reads a survey's answers from a form: field q{id} holds the
// value, the option indexes (several for multiple choice) or the text.
func answersOf(v *survey.Survey, form url.Values) ([]survey.Answer, error) {
	var out []survey.Answer
	for i, q := range v.Questions {
		name := "q" + strconv.FormatInt(q.ID, 10)
		vals := form[name]
		a := survey.Answer{QuestionID: q.ID}
		if q.Kind == survey.Text {
			a.Text = form.Get(name)
			out = append(out, a)
			continue
		}
		for _, s := range vals {
			if s == "" {
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, apperr.Field(name, "第 "+strconv.Itoa(i+1)+" 题的回答不正确", "question "+strconv.Itoa(i+1)+": the answer is not valid")
			}
			if q.Kind.Choice() {
				a.Choices = append(a.Choices, n)
			} else {
				a.Value = &n
			}
		}
		out = append(out, a)
	}
	return out, nil
}

func (s *handler) mSurveyPage(w http.ResponseWriter, r *http.Request, status int, d mSurveyData, err error) {
	d.Questions = questionsOf(d.Survey, r.PostForm)
	pg := web.Mpage{Title: d.Survey.Title, Nav: "home", Data: d}
	if err != nil {
		s.portalError(w, r, "m_survey", pg, err)
		return
	}
	s.RenderPortal(w, r, status, "m_survey", pg)
}

// mInvite is the signed-in member's invite {invite}.
func (s *handler) mInvite(r *http.Request) (*survey.Invite, *survey.Survey, error) {
	m, err := s.me(r)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("invite"), 10, 64)
	if err != nil {
		return nil, nil, web.NotFoundErr
	}
	return s.Surveys.Invitation(r.Context(), id, m.ID)
}

func (s *handler) mSurveyShow(w http.ResponseWriter, r *http.Request) {
	inv, v, err := s.mInvite(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.mSurveyPage(w, r, http.StatusOK, mSurveyData{Invite: inv, Survey: v, Action: r.URL.Path, Back: true}, nil)
}

func (s *handler) mSurveyAnswer(w http.ResponseWriter, r *http.Request) {
	inv, v, err := s.mInvite(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := mSurveyData{Invite: inv, Survey: v, Action: r.URL.Path, Back: true}
	answers, err := answersOf(v, r.PostForm)
	if err == nil {
		err = s.Surveys.Answer(r.Context(), inv.ID, inv.MemberID, answers)
	}
	if err != nil {
		s.mSurveyPage(w, r, 0, d, err)
		return
	}
	http.Redirect(w, r, "/m/surveys?flash=m.flash.survey_answered", http.StatusSeeOther)
}

// mLink opens the invite of an SMS link without signing in.
func (s *handler) mLink(w http.ResponseWriter, r *http.Request) {
	inv, v, err := s.Surveys.InvitationByToken(r.Context(), r.PathValue("token"))
	if err != nil {
		s.Fail(w, r, linkErr(err))
		return
	}
	s.mSurveyPage(w, r, http.StatusOK, mSurveyData{Invite: inv, Survey: v, Action: r.URL.Path}, nil)
}

func (s *handler) mLinkAnswer(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	inv, v, err := s.Surveys.InvitationByToken(r.Context(), token)
	if err != nil {
		s.Fail(w, r, linkErr(err))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 256<<10)
	if err := r.ParseForm(); err != nil {
		s.Fail(w, r, apperr.Field("form", "表单无法读取", "the form could not be read"))
		return
	}
	d := mSurveyData{Invite: inv, Survey: v, Action: r.URL.Path}
	answers, err := answersOf(v, r.PostForm)
	if err == nil {
		err = s.Surveys.AnswerByToken(r.Context(), token, answers)
	}
	if err != nil {
		s.mSurveyPage(w, r, 0, d, err)
		return
	}
	http.Redirect(w, r, r.URL.Path+"?flash=m.flash.survey_answered", http.StatusSeeOther)
}

// linkErr says an unknown link is unknown or expired, in words a member reads.
func linkErr(err error) error {
	if apperr.Is(err, apperr.NotFound) {
		return &apperr.Error{Code: apperr.NotFound, ZH: "问卷链接无效或已过期（链接 30 天内有效）", EN: "the survey link is unknown or has expired (links last 30 days)"}
	}
	return err
}
