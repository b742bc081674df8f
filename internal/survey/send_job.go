package survey

import (
	"context"
	"encoding/json"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
)

// SendJobKind is the job kind of a survey send (发送问卷): staff's sends
// invite and text members in the background, not inside their request.
const SendJobKind = "survey.send"

// SendParams is what a send job keeps in clear: the survey, whether to
// text the link, how many members and who sent it. The members are the
// job's input, their ids only, sealed in the file store like every job
// input; nothing personal is in either.
type SendParams struct {
	SurveyID int64  `json:"survey_id"`
	Text     bool   `json:"text"`
	Count    int    `json:"count"`
	Login    string `json:"login"`
}

// NewSendJob describes the job that sends the open survey v to the
// members of memberIDs on behalf of staff member by: a survey not open is
// refused now, before anything is queued.
func NewSendJob(v *Survey, memberIDs []int64, text bool, by int64, login string) (jobs.New, error) {
	if v.Status != Open {
		return jobs.New{}, errNotOpen()
	}
	if len(memberIDs) == 0 {
		return jobs.New{}, apperr.Field("numbers", "没有符合条件的会员", "no member matches")
	}
	params, err := json.Marshal(SendParams{SurveyID: v.ID, Text: text, Count: len(memberIDs), Login: login})
	if err != nil {
		return jobs.New{}, err
	}
	input, err := json.Marshal(memberIDs)
	if err != nil {
		return jobs.New{}, err
	}
	return jobs.New{Kind: SendJobKind, Params: string(params), NodePath: v.NodePath, CreatedBy: by,
		FileName: fmt.Sprintf("发送问卷「%s」（%d 人）", v.Title, len(memberIDs)), Input: input}, nil
}

// SendParamsOf reads a send job's parameters.
func SendParamsOf(j *jobs.Job) (SendParams, error) {
	var p SendParams
	if j.Kind != SendJobKind {
		return p, apperr.NotFoundf("问卷发送任务", "survey send")
	}
	if err := json.Unmarshal([]byte(j.Params), &p); err != nil {
		return p, apperr.Field("params", "任务参数不正确", "invalid job parameters")
	}
	return p, nil
}

// SendResultOf reads a finished send job's result (zero while it runs).
func SendResultOf(j *jobs.Job) SendResult {
	var r SendResult
	_ = json.Unmarshal([]byte(j.Result), &r)
	return r
}

// SendJob runs send jobs: Send on the job's members as the staff member
// who queued it, its progress the members gone through. Running it again
// (after a crash) invites and texts nobody twice: an invite is unique per
// survey and member, and a texted invite is not texted again.
func (s *Service) SendJob() jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, input []byte, progress func(done, total int64)) (*jobs.Result, error) {
		p, err := SendParamsOf(j)
		if err != nil {
			return nil, err
		}
		var ids []int64
		if err := json.Unmarshal(input, &ids); err != nil {
			return nil, apperr.Field("input", "任务的会员名单不正确", "the job's member list is invalid")
		}
		actor := db.Actor{Kind: "staff", Login: p.Login}
		if j.CreatedBy != nil {
			actor.ID = *j.CreatedBy
		}
		res, err := s.send(db.WithActor(ctx, actor), p.SurveyID, ids, p.Text, progress)
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(res)
		if err != nil {
			return nil, err
		}
		return &jobs.Result{Summary: string(b)}, nil
	}
}
