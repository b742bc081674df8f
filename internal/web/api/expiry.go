package api

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/jobs"
	"estateclub/internal/org"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

// The expiry policy and the year-end runs belong to the group: the routes
// that change them load the group's root with s.AuthorizeGroup, checking
// the route's permission there before the body is read.

type expiryPolicy struct {
	Years int             `json:"years"`
	Runs  []web.ExpiryRun `json:"runs"`
}

// expiryView is the expiry policy with the runs the caller may see.
func (s *handler) expiryView(r *http.Request) (any, error) {
	d, err := s.ExpiryData(r)
	if err != nil {
		return nil, err
	}
	return expiryPolicy{Years: d.Years, Runs: d.Runs}, nil
}

func (s *handler) expiry(r *request[none]) (any, error) { return s.expiryView(r.Request) }

type expiryYearsBody struct {
	Years *int `json:"years"`
}

func (b expiryYearsBody) Validate() error {
	if b.Years == nil {
		return apperr.Field("years", "请填写有效期（年）", "years is required")
	}
	_, err := web.ParseYears("years", strconv.Itoa(*b.Years))
	return err
}

// expiryPut sets the validity in years and answers the policy as it now is.
func (s *handler) expiryPut(r *request[expiryYearsBody], _ *org.Node) (any, error) {
	if err := s.Points.SetExpiryYears(r.Context(), *r.Body.Years); err != nil {
		return nil, err
	}
	return s.expiryView(r.Request)
}

type expiryRunBody struct {
	Year   int  `json:"year"`
	DryRun bool `json:"dry_run"`
}

// expiryRun queues a year-end run (or a dry run) and answers 202 with it.
func (s *handler) expiryRun(r *request[expiryRunBody], _ *org.Node) (any, error) {
	id, err := s.EnqueueExpiry(r.Request, r.Body.Year, r.Body.DryRun)
	if err != nil {
		return nil, err
	}
	j, err := s.Jobs.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return withStatus(http.StatusAccepted, web.ViewExpiryRun(*j)), nil
}

// expiryRunJob loads the year-end run named by {run}, checked at its node.
func (s *handler) expiryRunJob(r *http.Request, perm auth.Permission) (*jobs.Job, error) {
	id, err := strconv.ParseInt(r.PathValue("run"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	j, err := s.Jobs.Get(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if j.Kind != points.ExpiryJobKind {
		return nil, web.NotFoundErr
	}
	return j, web.AuthorizeAt(r, perm, j.NodePath)
}

func (s *handler) expiryRunGet(_ *request[none], j *jobs.Job) (any, error) {
	return web.ViewExpiryRun(*j), nil
}
