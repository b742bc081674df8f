package console

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/survey"
	"estateclub/internal/web"
)

// Surveys (问卷): the list, a new survey, a survey's page (its draft
// questions, open and close, sending to members) and its summary with
// charts and the .xlsx. Scope: the survey's node; the built-in surveys sit
// at the root and are read by everyone with survey.read, their summary
// narrowed to the invites of the caller's scope.

type surveysData struct {
	Rows     []survey.Survey
	Total    int
	Pager    web.Pager
	Query    url.Values
	Purposes []survey.Purpose
	Statuses []survey.Status
}

func (s *handler) surveyList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := surveysData{Query: q, Purposes: survey.Purposes, Statuses: survey.Statuses}
	pg, err := web.ReadPaging(r)
	f := survey.Filter{Within: web.Principal(r).Paths(auth.SurveyRead), Purpose: survey.Purpose(q.Get("purpose")), Status: survey.Status(q.Get("status"))}
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		d.Rows, d.Total, err = s.Surveys.List(r.Context(), f)
	}
	page := web.Page{Title: s.Cat.T(web.Lang(r), "surveys.title"), Nav: "surveys", Data: &d}
	if err != nil {
		s.FormError(w, r, "surveys", page, err)
		return
	}
	d.Pager = web.NewPager(r, pg, d.Total, len(d.Rows), false)
	s.Render(w, r, http.StatusOK, "surveys", page)
}

// surveyFormData is the form of a new survey or a draft's edit.
type surveyFormData struct {
	Nodes    []org.Node
	Purposes []survey.Purpose
	Kinds    []survey.Kind
	Rows     []questionRow
}

// questionRow is one question's row of the form; empty rows add questions.
type questionRow struct {
	N        int
	Kind     survey.Kind
	Text     string
	TextEn   string
	Required bool
	Options  string // one a line
}

// blankRows is how many empty question rows the form offers.
const blankRows = 3

func rowsOf(qs []survey.Question) []questionRow {
	var out []questionRow
	for i, q := range qs {
		out = append(out, questionRow{N: i + 1, Kind: q.Kind, Text: q.Text, TextEn: q.TextEn, Required: q.Required, Options: strings.Join(q.Options, "\n")})
	}
	for i := 0; i < blankRows; i++ {
		out = append(out, questionRow{N: len(out) + 1, Kind: survey.Rating})
	}
	return out
}

// rowsFrom reads the form's rows back, as typed (to show them again).
func rowsFrom(form url.Values) []questionRow {
	var out []questionRow
	for n := 1; n <= survey.MaxQuestions+blankRows; n++ {
		p := "q" + strconv.Itoa(n) + "."
		if _, ok := form[p+"kind"]; !ok {
			break
		}
		out = append(out, questionRow{N: n, Kind: survey.Kind(form.Get(p + "kind")), Text: form.Get(p + "text"), TextEn: form.Get(p + "text_en"),
			Required: form.Get(p+"required") == "1", Options: form.Get(p + "options")})
	}
	return out
}

// surveyInput reads a new survey or a draft from the form: rows without a
// question text are left out.
func (s *handler) surveyInput(r *http.Request) (survey.NewSurvey, error) {
	in := survey.NewSurvey{Title: r.PostFormValue("title"), Intro: r.PostFormValue("intro"), Purpose: survey.Purpose(r.PostFormValue("purpose"))}
	n, err := s.NodeForWrite(r, "node", r.PostFormValue("node"), auth.SurveyWrite)
	if err != nil {
		return in, err
	}
	in.NodeID = n.ID
	for _, row := range rowsFrom(r.PostForm) {
		if strings.TrimSpace(row.Text) == "" {
			continue
		}
		q := survey.Question{Kind: row.Kind, Text: row.Text, TextEn: row.TextEn, Required: row.Required}
		for _, o := range strings.Split(strings.ReplaceAll(row.Options, "\r\n", "\n"), "\n") {
			if strings.TrimSpace(o) != "" {
				q.Options = append(q.Options, o)
			}
		}
		in.Questions = append(in.Questions, q)
	}
	return in, nil
}

func (s *handler) surveyFormData(r *http.Request, rows []questionRow) (surveyFormData, error) {
	nodes, _, err := s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(auth.SurveyWrite)})
	return surveyFormData{Nodes: nodes, Purposes: survey.Purposes, Kinds: survey.Kinds, Rows: rows}, err
}

func (s *handler) surveyNew(w http.ResponseWriter, r *http.Request) {
	d, err := s.surveyFormData(r, rowsOf(nil))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "survey_new", web.Page{Title: s.Cat.T(web.Lang(r), "surveys.new"), Nav: "surveys", Data: d})
}

func (s *handler) surveyCreate(w http.ResponseWriter, r *http.Request) {
	in, err := s.surveyInput(r)
	var v *survey.Survey
	if err == nil {
		v, err = s.Surveys.Create(r.Context(), in)
	}
	if err != nil {
		d, derr := s.surveyFormData(r, rowsFrom(r.PostForm))
		if derr != nil {
			s.Fail(w, r, derr)
			return
		}
		s.FormError(w, r, "survey_new", web.Page{Title: s.Cat.T(web.Lang(r), "surveys.new"), Nav: "surveys", Data: d}, err)
		return
	}
	web.Redirect(w, r, fmt.Sprintf("/surveys/%d", v.ID), "surveys.flash.saved")
}

// surveyData is a survey's page.
type surveyData struct {
	V        *survey.Survey
	Form     surveyFormData // a draft's edit form
	CanWrite bool
	Tiers    []member.Tier
	Statuses []member.Status
	Preview  *int // members the filter matches, before sending
	// Key is the send form's idempotency key, kept through a preview, so
	// that a double-clicked send queues one job.
	Key string
}

func (s *handler) surveyPage(w http.ResponseWriter, r *http.Request, status int, v *survey.Survey, d surveyData, err error) {
	d.V = v
	if d.Key = r.PostFormValue("key"); d.Key == "" {
		d.Key = rand.Text()
	}
	d.CanWrite = !v.System && web.Principal(r).CanAt(auth.SurveyWrite, v.NodePath)
	d.Statuses = member.Statuses
	var lerr error
	if d.Tiers, lerr = s.Members.Tiers(r.Context()); lerr != nil {
		s.Fail(w, r, lerr)
		return
	}
	if d.CanWrite && v.Status == survey.Draft && d.Form.Rows == nil {
		if d.Form, lerr = s.surveyFormData(r, rowsOf(v.Questions)); lerr != nil {
			s.Fail(w, r, lerr)
			return
		}
	}
	page := web.Page{Title: v.Title, Nav: "surveys", Data: &d}
	if err != nil {
		s.FormError(w, r, "survey_show", page, err)
		return
	}
	s.Render(w, r, status, "survey_show", page)
}

func (s *handler) surveyShow(w http.ResponseWriter, r *http.Request) {
	v, err := s.ScopedSurvey(r, auth.SurveyRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.surveyPage(w, r, http.StatusOK, v, surveyData{}, nil)
}

func (s *handler) surveyUpdate(w http.ResponseWriter, r *http.Request) {
	v, err := s.ScopedSurvey(r, auth.SurveyWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in, err := s.surveyInput(r)
	if err == nil {
		_, err = s.Surveys.Update(r.Context(), v.ID, in)
	}
	if err != nil {
		d := surveyData{}
		if d.Form, _ = s.surveyFormData(r, rowsFrom(r.PostForm)); d.Form.Rows == nil {
			d.Form.Rows = []questionRow{}
		}
		s.surveyPage(w, r, 0, v, d, err)
		return
	}
	web.Redirect(w, r, fmt.Sprintf("/surveys/%d", v.ID), "surveys.flash.saved")
}

func (s *handler) surveyMove(open bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := s.ScopedSurvey(r, auth.SurveyWrite)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		flash := "surveys.flash.opened"
		if open {
			_, err = s.Surveys.Open(r.Context(), v.ID)
		} else {
			_, err = s.Surveys.Close(r.Context(), v.ID)
			flash = "surveys.flash.closed"
		}
		if err != nil {
			s.surveyPage(w, r, 0, v, surveyData{}, err)
			return
		}
		web.Redirect(w, r, fmt.Sprintf("/surveys/%d", v.ID), flash)
	}
}

// surveySend invites members to an open survey: those a member filter
// matches (previewed first: action=preview shows the count), or those whose
// member numbers are pasted. The members are found and counted here; a
// background job invites and texts them, and its page shows the progress.
func (s *handler) surveySend(w http.ResponseWriter, r *http.Request) {
	v, err := s.ScopedSurvey(r, auth.SurveyWrite)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	text := r.PostFormValue("text") == "1"
	scope := web.SurveyScope(r, v, auth.SurveyWrite)
	var ids []int64
	if pasted := r.PostFormValue("numbers"); strings.TrimSpace(pasted) != "" {
		ids, err = s.SurveyRecipients(r, "numbers", pasted, scope)
	} else {
		f := member.Filter{Within: scope, Status: member.Status(r.PostFormValue("status")), Tier: r.PostFormValue("tier"), Tag: strings.TrimSpace(r.PostFormValue("tag"))}
		var n int
		var maxID int64
		if n, maxID, err = s.Members.Count(r.Context(), f); err == nil {
			if r.PostFormValue("action") == "preview" {
				s.surveyPage(w, r, http.StatusOK, v, surveyData{Preview: &n}, nil)
				return
			}
			f.MaxID = maxID
			ids, err = s.matching(r, f)
		}
	}
	if err == nil && len(ids) == 0 {
		err = apperr.Field("numbers", "没有符合条件的会员", "no member matches")
	}
	var job int64
	if err == nil {
		job, err = s.EnqueueSurveySend(r, v, ids, text, r.PostFormValue("key"))
	}
	if err != nil {
		s.surveyPage(w, r, 0, v, surveyData{}, err)
		return
	}
	web.Redirect(w, r, fmt.Sprintf("/surveys/%d/sends/%d", v.ID, job), "surveys.flash.send_queued")
}

// surveySendPage shows a send's progress (the page reloads until it ends),
// then how many members it invited and texted.
func (s *handler) surveySendPage(w http.ResponseWriter, r *http.Request) {
	v, err := s.ScopedSurvey(r, auth.SurveyRead)
	var d web.SurveySend
	if err == nil {
		d, err = s.ScopedSurveySend(r, v, auth.SurveyRead)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	page := web.Page{Title: v.Title, Nav: "surveys", Data: surveySendData{V: v, Send: d}}
	if d.Running() {
		page.Refresh = 2 // no script needed: the page reloads until the send ends
	}
	s.Render(w, r, http.StatusOK, "survey_send", page)
}

type surveySendData struct {
	V    *survey.Survey
	Send web.SurveySend
}

func (s *handler) matching(r *http.Request, f member.Filter) ([]int64, error) {
	var ids []int64
	var after int64
	for {
		batch, err := s.Members.MatchingIDs(r.Context(), f, after, 1000)
		if err != nil || len(batch) == 0 {
			return ids, err
		}
		ids, after = append(ids, batch...), batch[len(batch)-1]
	}
}

type summaryData struct {
	S      *survey.Summary
	Charts map[int64]*web.Chart // a bar chart per choice, rating and NPS question
	Query  url.Values
}

func (s *handler) surveySummary(w http.ResponseWriter, r *http.Request) {
	v, err := s.ScopedSurvey(r, auth.SurveyRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := summaryData{Query: r.URL.Query(), Charts: map[int64]*web.Chart{}}
	page := web.Page{Title: v.Title, Nav: "surveys", Data: &d}
	f, err := web.SurveySummaryFilter(r, v)
	if err == nil {
		d.S, err = s.Surveys.Summary(r.Context(), v.ID, f)
	}
	if err != nil {
		d.S = &survey.Summary{Survey: v}
		s.FormError(w, r, "survey_summary", page, err)
		return
	}
	for _, q := range d.S.Questions {
		counts := q.Options
		if q.Distribution != nil {
			counts = q.Distribution
		}
		if counts == nil {
			continue
		}
		c := web.Chart{TitleKey: "surveys.chart." + string(q.Question.Kind)}
		for _, n := range counts {
			c.Bars = append(c.Bars, web.Bar{Kind: "typed", Key: n.Label, N: n.Count})
		}
		c = web.Finish(c)
		d.Charts[q.Question.ID] = &c
	}
	s.Render(w, r, http.StatusOK, "survey_summary", page)
}

func (s *handler) surveyExport(w http.ResponseWriter, r *http.Request) {
	v, err := s.ScopedSurvey(r, auth.SurveyRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err := web.SurveySummaryFilter(r, v)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := s.Surveys.WriteXLSX(r.Context(), v.ID, f, &buf); err != nil {
		s.Fail(w, r, err)
		return
	}
	web.SendFile(w, fmt.Sprintf("%s-%d.xlsx", s.Cat.T(web.Lang(r), "surveys.export_file"), v.ID), buf.Bytes())
}
