package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/points"
	"estateclub/internal/web"
	"net/http"
	"strconv"
)

// --- API ---

type expiryPolicy struct {
	Years int             `json:"years"`
	Runs  []web.ExpiryRun `json:"runs"`
}

func (s *handler) apiExpiry(w http.ResponseWriter, r *http.Request) {
	d, err := s.ExpiryData(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, expiryPolicy{Years: d.Years, Runs: d.Runs})
}

func (s *handler) apiExpiryPut(w http.ResponseWriter, r *http.Request) {
	if _, err := s.AuthorizeGroup(r, auth.PlanApprove); err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Years *int `json:"years"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if b.Years == nil {
		s.APIError(w, r, apperr.Field("years", "请填写有效期（年）", "years is required"))
		return
	}
	years, err := web.ParseYears("years", strconv.Itoa(*b.Years))
	if err == nil {
		err = s.Points.SetExpiryYears(r.Context(), years)
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	s.apiExpiry(w, r)
}

func (s *handler) apiExpiryRun(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Year   int  `json:"year"`
		DryRun bool `json:"dry_run"`
	}
	if _, err := s.AuthorizeGroup(r, auth.PlanApprove); err != nil {
		s.APIError(w, r, err)
		return
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	id, err := s.EnqueueExpiry(r, b.Year, b.DryRun)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	j, err := s.Jobs.Get(r.Context(), id)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusAccepted, web.ViewExpiryRun(*j))
}

func (s *handler) apiExpiryRunGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("run"), 10, 64)
	if err != nil {
		s.APIError(w, r, web.NotFoundErr)
		return
	}
	j, err := s.Jobs.Get(r.Context(), id)
	if err == nil && j.Kind != points.ExpiryJobKind {
		err = web.NotFoundErr
	}
	if err == nil {
		err = web.AuthorizeAt(r, auth.PointsRead, j.NodePath)
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.ViewExpiryRun(*j))
}
