package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/member"
	"estateclub/internal/survey"
)

// What the console and the API share about surveys (问卷).

// ScopedSurvey loads the survey named by {survey} where the caller may use
// perm: a built-in survey (at the root) is read by anyone with survey.read
// and changed by nobody here.
func (s *Server) ScopedSurvey(r *http.Request, perm auth.Permission) (*survey.Survey, error) {
	id, err := strconv.ParseInt(r.PathValue("survey"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	v, err := s.Surveys.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if v.System && perm.ReadOnly() && Principal(r).Can(perm) {
		return v, nil
	}
	if err := AuthorizeAt(r, perm, v.NodePath); err != nil {
		return nil, err
	}
	return v, nil
}

// SurveyScope is where a survey may be sent, and whose answers its summary
// counts: the survey's node, or for a built-in survey the caller's reach.
func SurveyScope(r *http.Request, v *survey.Survey, perm auth.Permission) []string {
	if v.System {
		return Principal(r).Paths(perm)
	}
	return []string{v.NodePath}
}

var memberNoRe = regexp.MustCompile(`M[0-9]{8}`)

// MaxSurveyRecipients bounds the member numbers one send names.
const MaxSurveyRecipients = 2000

// SurveyRecipients finds the members of member numbers (pasted text or a
// list) within scope, an error naming field; a number not found there is an error naming it.
func (s *Server) SurveyRecipients(r *http.Request, field, numbers string, scope []string) ([]int64, error) {
	nos := memberNoRe.FindAllString(strings.ToUpper(numbers), -1)
	if len(nos) == 0 {
		return nil, apperr.Field(field, "没有找到会员编号（如 M20260001）", "no member numbers found (such as M20260001)")
	}
	if len(nos) > MaxSurveyRecipients {
		return nil, apperr.Field(field, fmt.Sprintf("一次最多 %d 个会员编号", MaxSurveyRecipients),
			fmt.Sprintf("at most %d member numbers at once", MaxSurveyRecipients))
	}
	var ids []int64
	seen := map[string]bool{}
	for _, no := range nos {
		if seen[no] {
			continue
		}
		seen[no] = true
		list, _, err := s.Members.List(r.Context(), member.Filter{Within: scope, Q: no, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(list) == 0 || list[0].MemberNo != no {
			return nil, apperr.Field(field, "会员编号 "+no+" 不存在或不在问卷范围内", "member number "+no+" is unknown or outside the survey's scope")
		}
		ids = append(ids, list[0].ID)
	}
	return ids, nil
}

// SurveySummaryFilter reads a summary's filters from the URL (subject,
// subject_id, from and to as YYYY-MM-DD, both days included), narrowed to
// the caller's reach for a built-in survey.
func SurveySummaryFilter(r *http.Request, v *survey.Survey) (survey.SummaryFilter, error) {
	q := r.URL.Query()
	f := survey.SummaryFilter{Subject: q.Get("subject")}
	if v.System {
		f.Within = Principal(r).Paths(auth.SurveyRead)
	}
	if id := q.Get("subject_id"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n <= 0 {
			return f, apperr.Field("subject_id", "对象编号须为正整数", "the subject id must be a positive number")
		}
		f.SubjectID = n
	}
	for _, name := range []string{"from", "to"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", v, ChinaTime)
		if err != nil {
			return f, apperr.Field(name, "日期格式应为 YYYY-MM-DD", "dates are YYYY-MM-DD")
		}
		if name == "to" {
			f.To = t.AddDate(0, 0, 1)
		} else {
			f.From = t
		}
	}
	return f, nil
}

// EnqueueSurveySend queues the background job that sends the open survey v
// to the members of ids (texting the link to those who consented when
// text is set) and answers the job's id; the caller found ids within
// SurveyScope. key, if set, is the form's or the client's idempotency key:
// a double-clicked or retried send with the same key (by the same staff
// member) answers the job the first one queued instead of queuing another.
func (s *Server) EnqueueSurveySend(r *http.Request, v *survey.Survey, ids []int64, text bool, key string) (int64, error) {
	p := Principal(r)
	n, err := survey.NewSendJob(v, ids, text, p.Staff.ID, p.Staff.Login)
	if err != nil {
		return 0, err
	}
	if key != "" {
		if len(key) > 128 {
			return 0, apperr.Field("key", "幂等键最长 128 个字符", "the idempotency key is at most 128 characters")
		}
		n.Key = fmt.Sprintf("survey.send/%d/%d/%s", v.ID, p.Staff.ID, key)
	}
	return s.Jobs.Enqueue(r.Context(), n)
}

// SurveySend is a send job as the console and the API show it: its
// progress, then what it did.
type SurveySend struct {
	ID         int64              `json:"id"`
	SurveyID   int64              `json:"survey_id"`
	Status     jobs.Status        `json:"status"`
	Count      int                `json:"count"` // members it was sent to
	Text       bool               `json:"text"`
	Done       int64              `json:"done"`
	Total      int64              `json:"total"`
	Percent    int                `json:"percent"`
	Result     *survey.SendResult `json:"result,omitempty"`
	Error      string             `json:"error,omitempty"`
	CreatedAt  time.Time          `json:"created_at"`
	FinishedAt *time.Time         `json:"finished_at,omitempty"`
}

// Running reports whether the send is still queued or under way.
func (v SurveySend) Running() bool { return v.Status == jobs.Queued || v.Status == jobs.Running }

// ScopedSurveySend loads the send job {send} of survey v, which the caller
// loaded in scope: a job of another kind or another survey is not found,
// and the job's node is checked too.
func (s *Server) ScopedSurveySend(r *http.Request, v *survey.Survey, perm auth.Permission) (SurveySend, error) {
	id, err := strconv.ParseInt(r.PathValue("send"), 10, 64)
	if err != nil {
		return SurveySend{}, NotFoundErr
	}
	return s.SurveySendOf(r, v, id, perm)
}

// SurveySendOf loads send job id of survey v, as ScopedSurveySend does.
func (s *Server) SurveySendOf(r *http.Request, v *survey.Survey, id int64, perm auth.Permission) (SurveySend, error) {
	j, err := s.Jobs.Get(r.Context(), id)
	if err != nil {
		return SurveySend{}, err
	}
	p, err := survey.SendParamsOf(j)
	if err != nil || p.SurveyID != v.ID {
		return SurveySend{}, NotFoundErr
	}
	if err := AuthorizeAt(r, perm, j.NodePath); err != nil {
		return SurveySend{}, err
	}
	out := SurveySend{ID: j.ID, SurveyID: v.ID, Status: j.Status, Count: p.Count, Text: p.Text, Done: j.Done, Total: j.Total,
		Percent: j.Percent(), Error: j.Error, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt}
	if out.Total == 0 {
		out.Total = int64(p.Count)
	}
	if j.Status == jobs.Done {
		res := survey.SendResultOf(j)
		out.Result = &res
	}
	return out, nil
}
