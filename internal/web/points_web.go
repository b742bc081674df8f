package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/points"
)

// pointsFilter reads a statement's filters (kind, from, to as China-time
// days, both ends included) shared by the console and the API.
func pointsFilter(r *http.Request) (points.Filter, error) {
	q := r.URL.Query()
	var f points.Filter
	switch k := points.Kind(q.Get("kind")); k {
	case "", points.Upgrade, points.Reward:
		f.Kind = k
	default:
		return f, apperr.Field("kind", "积分类型须为 upgrade 或 reward", "kind must be upgrade or reward")
	}
	var err error
	if f.From, f.To, err = dayRange(q, "from", "to"); err != nil {
		return f, err
	}
	return f, nil
}

func (s *Server) apiMemberPoints(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.PointsRead)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	b, err := s.points.Balances(r.Context(), m.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if b == nil {
		b = []points.Balance{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": b})
}

func (s *Server) apiMemberStatement(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.PointsRead)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := pointsFilter(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	lines, total, err := s.points.Statement(r.Context(), m.ID, f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(lines, total, pg))
}

type pointsPageData struct {
	M        *member.Member
	Balances []points.Balance
	Lines    []points.Line
	Total    int
	Page     paging
	Pager    pager
	Query    url.Values
	Upcoming []points.UpcomingExpiry
	Types    []points.EventType
	Redeem   memberRedemptions
}

// memberPoints is a member's points page (积分): balances by kind and region
// and the statement.
func (s *Server) memberPoints(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.PointsRead)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := pointsPageData{M: m, Page: pg, Query: r.URL.Query(), Types: eventTypes()}
	p := page{Title: m.Name + " · " + s.cat.T(lang(r), "points.title"), Nav: "members", Data: d}
	if d.Balances, err = s.points.Balances(r.Context(), m.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Upcoming, err = s.points.UpcomingExpiries(r.Context(), m.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Redeem, err = s.memberRedemptionsOf(r, m); err != nil {
		s.fail(w, r, err)
		return
	}
	f, err := pointsFilter(r)
	if err == nil {
		f.Offset, f.Limit = pg.offset(), pg.PerPage
		d.Lines, d.Total, err = s.points.Statement(r.Context(), m.ID, f)
		d.Pager = newPager(r, pg, d.Total, 0, false)
	}
	p.Data = d
	if err != nil {
		s.formError(w, r, "points", p, err)
		return
	}
	s.render(w, r, http.StatusOK, "points", p)
}

// memberAdjust proposes an adjustment of a member's points (积分调整) from
// the points page; a supervisor decides it in the queue.
func (s *Server) memberAdjust(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.AdjustPropose)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	amount, perr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("amount")), 10, 64)
	if perr != nil {
		err = apperr.Field("amount", "调整数量须为整数（扣减写负数）", "the amount is a whole number (negative to take points away)")
	} else {
		_, err = s.points.ProposeAdjustment(r.Context(), points.AdjustmentInput{MemberID: m.ID,
			Kind: points.Kind(r.PostFormValue("kind")), Amount: amount, Reason: r.PostFormValue("reason")})
	}
	if err != nil {
		if apperr.As(err).Code == apperr.Internal {
			s.fail(w, r, err)
			return
		}
		redirect(w, r, "/members/"+r.PathValue("member")+"/points?error="+url.QueryEscape(apperr.As(err).Message(lang(r))), "")
		return
	}
	redirect(w, r, "/members/"+r.PathValue("member")+"/points", "flash.adjust_proposed")
}

type adjustmentsData struct {
	Items []points.Adjustment
	Pager pager
	Ops   *operators // the people its rows name
}

func (s *Server) adjustmentsPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	pg, err := readPaging(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, total, err := s.points.Adjustments(r.Context(), points.AdjustmentFilter{Within: principal(r).Paths(auth.AdjustApprove),
		Status: points.AdjustmentPending, Offset: pg.offset(), Limit: pg.PerPage})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	logins := make([]string, 0, len(items))
	for _, a := range items {
		logins = append(logins, a.ProposedBy)
	}
	ops, err := s.operatorsFor(r, logins...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := page{Title: s.cat.T(lang(r), "nav.adjustments"), Nav: "adjustments", Data: adjustmentsData{Items: items, Pager: newPager(r, pg, total, len(items), false), Ops: ops}}
	if ferr != nil {
		s.formError(w, r, "adjustments", p, ferr)
		return
	}
	s.render(w, r, status, "adjustments", p)
}

func (s *Server) adjustments(w http.ResponseWriter, r *http.Request) {
	s.adjustmentsPage(w, r, http.StatusOK, nil)
}

// adjustmentDecide approves (posts) or rejects a proposed adjustment.
func (s *Server) adjustmentDecide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("adjustment"), 10, 64)
	if err != nil {
		s.fail(w, r, notFoundErr)
		return
	}
	a, err := s.points.Adjustment(r.Context(), id)
	if err == nil {
		err = authorizeAt(r, auth.AdjustApprove, a.NodePath)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if _, err := s.points.DecideAdjustment(r.Context(), id, r.PostFormValue("decision") == "approve", r.PostFormValue("note")); err != nil {
		s.adjustmentsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	redirect(w, r, "/points/adjustments", "flash.saved")
}

func (s *Server) apiAdjustPropose(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.AdjustPropose)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var in points.AdjustmentInput
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	in.MemberID = m.ID
	a, err := s.points.ProposeAdjustment(r.Context(), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}

func (s *Server) apiAdjustments(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f := points.AdjustmentFilter{Within: principal(r).Paths(auth.AdjustApprove), Offset: pg.offset(), Limit: pg.PerPage}
	switch st := points.AdjustmentStatus(r.URL.Query().Get("status")); st {
	case "", points.AdjustmentPending, points.AdjustmentApproved, points.AdjustmentRejected:
		f.Status = st
	default:
		s.apiError(w, r, apperr.Field("status", "状态须为 pending、approved 或 rejected", "status must be pending, approved or rejected"))
		return
	}
	items, total, err := s.points.Adjustments(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, total, pg))
}

func (s *Server) apiAdjustDecide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("adjustment"), 10, 64)
	if err != nil {
		s.apiError(w, r, notFoundErr)
		return
	}
	a, err := s.points.Adjustment(r.Context(), id)
	if err == nil {
		err = authorizeAt(r, auth.AdjustApprove, a.NodePath)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Approve bool   `json:"approve"`
		Note    string `json:"note"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if a, err = s.points.DecideAdjustment(r.Context(), id, b.Approve, b.Note); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}
