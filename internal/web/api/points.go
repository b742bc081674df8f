package api

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

func (s *handler) memberPoints(r *request[none], m *member.Member) (any, error) {
	return items(s.Points.Balances(r.Context(), m.ID))
}

func (s *handler) memberStatement(r *request[none], m *member.Member) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := web.PointsFilter(r.Request)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	lines, total, err := s.Points.Statement(r.Context(), m.ID, f)
	if err != nil {
		return nil, err
	}
	return web.NewList(lines, total, pg), nil
}

func (s *handler) adjustPropose(r *request[points.AdjustmentInput], m *member.Member) (any, error) {
	in := r.Body
	in.MemberID = m.ID
	a, err := s.Points.ProposeAdjustment(r.Context(), in)
	if err != nil {
		return nil, err
	}
	return created(a), nil
}

func (s *handler) adjustments(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f := points.AdjustmentFilter{Within: r.P.Paths(auth.AdjustApprove), Offset: pg.Offset(), Limit: pg.PerPage}
	switch st := points.AdjustmentStatus(r.URL.Query().Get("status")); st {
	case "", points.AdjustmentPending, points.AdjustmentApproved, points.AdjustmentRejected:
		f.Status = st
	default:
		return nil, apperr.Field("status", "状态须为 pending、approved 或 rejected", "status must be pending, approved or rejected")
	}
	list, total, err := s.Points.Adjustments(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
}

// adjustment loads the adjustment {adjustment} and checks perm at its
// member's node.
func (s *handler) adjustment(r *http.Request, perm auth.Permission) (*points.Adjustment, error) {
	id, err := strconv.ParseInt(r.PathValue("adjustment"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	a, err := s.Points.Adjustment(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if err := web.AuthorizeAt(r, perm, a.NodePath); err != nil {
		return nil, err
	}
	return a, nil
}

func (s *handler) adjustDecide(r *request[decisionBody], a *points.Adjustment) (any, error) {
	return s.Points.DecideAdjustment(r.Context(), a.ID, r.Body.Approve, r.Body.Note)
}
