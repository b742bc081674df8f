package api

import (
	"net/http"
	"strconv"
	"time"

	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/web"
)

// APIJob is a background job as the API shows it.
type APIJob struct {
	ID         int64              `json:"id"`
	Kind       string             `json:"kind"`
	Status     jobs.Status        `json:"status"`
	FileName   string             `json:"file_name"`
	Done       int64              `json:"done"`
	Total      int64              `json:"total"`
	Percent    int                `json:"percent"`
	Result     *web.ImportSummary `json:"result,omitempty"`
	Error      string             `json:"error,omitempty"`
	HasOutput  bool               `json:"has_output"`
	CreatedAt  time.Time          `json:"created_at"`
	FinishedAt *time.Time         `json:"finished_at,omitempty"`
}

func toAPIJob(j *jobs.Job) APIJob {
	out := APIJob{ID: j.ID, Kind: j.Kind, Status: j.Status, FileName: j.FileName, Done: j.Done, Total: j.Total,
		Percent: j.Percent(), Error: j.Error, HasOutput: j.HasOutput(), CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt}
	if j.Status == jobs.Done {
		v := web.ViewJob(*j)
		out.Result = &v.Summary
	}
	return out
}

// importJob loads the import job named by {job} where the caller may import
// (web.Server.ScopedJob checks member.write, the route's permission).
func (s *handler) importJob(r *http.Request, _ auth.Permission) (*jobs.Job, error) {
	return s.ScopedJob(r)
}

// memberImport takes an upload (multipart: file, org, kind) and answers
// 202 with the job to follow, and its address in Location. It reads a
// multipart body and sets a header, so it stays a plain handler.
func (s *handler) memberImport(w http.ResponseWriter, r *http.Request) {
	id, err := s.EnqueueImport(r)
	var j *jobs.Job
	if err == nil {
		j, err = s.Jobs.Get(r.Context(), id)
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/jobs/"+strconv.FormatInt(id, 10))
	web.WriteJSON(w, http.StatusAccepted, toAPIJob(j))
}

func (s *handler) jobGet(_ *request[none], j *jobs.Job) (any, error) { return toAPIJob(j), nil }
