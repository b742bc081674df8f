package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/points"
	"estateclub/internal/web"
	"net/http"
	"strconv"
)

func (s *handler) apiMemberPoints(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.PointsRead)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	b, err := s.Points.Balances(r.Context(), m.ID)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if b == nil {
		b = []points.Balance{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": b})
}

func (s *handler) apiMemberStatement(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.PointsRead)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f, err := web.PointsFilter(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	lines, total, err := s.Points.Statement(r.Context(), m.ID, f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(lines, total, pg))
}

func (s *handler) apiAdjustPropose(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.AdjustPropose)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var in points.AdjustmentInput
	if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	in.MemberID = m.ID
	a, err := s.Points.ProposeAdjustment(r.Context(), in)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, a)
}

func (s *handler) apiAdjustments(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f := points.AdjustmentFilter{Within: web.Principal(r).Paths(auth.AdjustApprove), Offset: pg.Offset(), Limit: pg.PerPage}
	switch st := points.AdjustmentStatus(r.URL.Query().Get("status")); st {
	case "", points.AdjustmentPending, points.AdjustmentApproved, points.AdjustmentRejected:
		f.Status = st
	default:
		s.APIError(w, r, apperr.Field("status", "状态须为 pending、approved 或 rejected", "status must be pending, approved or rejected"))
		return
	}
	items, total, err := s.Points.Adjustments(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(items, total, pg))
}

func (s *handler) apiAdjustDecide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("adjustment"), 10, 64)
	if err != nil {
		s.APIError(w, r, web.NotFoundErr)
		return
	}
	a, err := s.Points.Adjustment(r.Context(), id)
	if err == nil {
		err = web.AuthorizeAt(r, auth.AdjustApprove, a.NodePath)
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if a, err = s.Points.DecideAdjustment(r.Context(), id, b.Approve, b.Note); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, a)
}
