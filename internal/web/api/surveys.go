package api

import (
	"fmt"
	"net/http"
	"strings"

	"estateclub/internal/auth"
	"estateclub/internal/survey"
	"estateclub/internal/web"
)

// Surveys (问卷): the same rules as the console's pages.

func (s *handler) surveyList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := survey.Filter{Within: r.P.Paths(auth.SurveyRead), Purpose: survey.Purpose(q.Get("purpose")), Status: survey.Status(q.Get("status")),
		Offset: pg.Offset(), Limit: pg.PerPage}
	list, total, err := s.Surveys.List(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
}

// surveyBody is a survey as the API writes it: the org node by its code.
type surveyBody struct {
	Title     string            `json:"title"`
	Intro     string            `json:"intro"`
	Org       string            `json:"org"`
	Purpose   survey.Purpose    `json:"purpose"`
	Questions []survey.Question `json:"questions"`
}

func (s *handler) surveyInput(r *http.Request, b surveyBody) (survey.NewSurvey, error) {
	n, err := s.NodeForWrite(r, "org", b.Org, auth.SurveyWrite)
	if err != nil {
		return survey.NewSurvey{}, err
	}
	return survey.NewSurvey{Title: b.Title, Intro: b.Intro, NodeID: n.ID, Purpose: b.Purpose, Questions: b.Questions}, nil
}

func (s *handler) surveyCreate(r *request[surveyBody]) (any, error) {
	in, err := s.surveyInput(r.Request, r.Body)
	if err != nil {
		return nil, err
	}
	v, err := s.Surveys.Create(r.Context(), in)
	if err != nil {
		return nil, err
	}
	return created(v), nil
}

func (s *handler) surveyGet(_ *request[none], v *survey.Survey) (any, error) { return v, nil }

func (s *handler) surveyUpdate(r *request[surveyBody], v *survey.Survey) (any, error) {
	in, err := s.surveyInput(r.Request, r.Body)
	if err != nil {
		return nil, err
	}
	return s.Surveys.Update(r.Context(), v.ID, in)
}

func (s *handler) surveyOpen(r *request[none], v *survey.Survey) (any, error) {
	return s.Surveys.Open(r.Context(), v.ID)
}

func (s *handler) surveyClose(r *request[none], v *survey.Survey) (any, error) {
	return s.Surveys.Close(r.Context(), v.ID)
}

// surveySendBody names the members to invite by their numbers.
type surveySendBody struct {
	MemberNos []string `json:"member_nos"`
	Text      bool     `json:"text"` // also text a link to those who consented
}

// surveySend finds the members, queues the background job that invites
// (and texts) them and answers 202 with the job to follow at its url.
func (s *handler) surveySend(r *request[surveySendBody], v *survey.Survey) (any, error) {
	ids, err := s.SurveyRecipients(r.Request, "member_nos", strings.Join(r.Body.MemberNos, " "), web.SurveyScope(r.Request, v, auth.SurveyWrite))
	if err != nil {
		return nil, err
	}
	id, err := s.EnqueueSurveySend(r.Request, v, ids, r.Body.Text, r.Request.Header.Get("Idempotency-Key"))
	if err != nil {
		return nil, err
	}
	j, err := s.SurveySendOf(r.Request, v, id, auth.SurveyWrite)
	if err != nil {
		return nil, err
	}
	return withStatus(http.StatusAccepted, viewSurveySend(j)), nil
}

// surveySendView is a send job with the address that follows it.
type surveySendView struct {
	web.SurveySend
	URL string `json:"url"`
}

func viewSurveySend(j web.SurveySend) surveySendView {
	return surveySendView{SurveySend: j, URL: fmt.Sprintf("/api/v1/surveys/%d/sends/%d", j.SurveyID, j.ID)}
}

// surveySendJob loads the send {send} of the survey {survey}, both in the
// caller's scope for perm.
func (s *handler) surveySendJob(r *http.Request, perm auth.Permission) (web.SurveySend, error) {
	v, err := s.ScopedSurvey(r, perm)
	if err != nil {
		return web.SurveySend{}, err
	}
	return s.ScopedSurveySend(r, v, perm)
}

func (s *handler) surveySendGet(_ *request[none], j web.SurveySend) (any, error) {
	return viewSurveySend(j), nil
}

func (s *handler) surveySummary(r *request[none], v *survey.Survey) (any, error) {
	f, err := web.SurveySummaryFilter(r.Request, v)
	if err != nil {
		return nil, err
	}
	return s.Surveys.Summary(r.Context(), v.ID, f)
}
