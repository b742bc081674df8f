package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/web"
)

type pointsPageData struct {
	M        *member.Member
	Balances []points.Balance
	Lines    []points.Line
	Total    int
	Page     web.Paging
	Pager    web.Pager
	Query    url.Values
	Upcoming []points.UpcomingExpiry
	Types    []points.EventType
	Redeem   memberRedemptions
}

// memberPoints is a member's points page (积分): balances by kind and region
// and the statement.
func (s *handler) memberPoints(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.PointsRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := pointsPageData{M: m, Page: pg, Query: r.URL.Query(), Types: eventTypes()}
	p := web.Page{Title: m.Name + " · " + s.Cat.T(web.Lang(r), "points.title"), Nav: "members", Data: d}
	if d.Balances, err = s.Points.Balances(r.Context(), m.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.Upcoming, err = s.Points.UpcomingExpiries(r.Context(), m.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.Redeem, err = s.memberRedemptionsOf(r, m); err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err := web.PointsFilter(r)
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		d.Lines, d.Total, err = s.Points.Statement(r.Context(), m.ID, f)
		d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	}
	p.Data = d
	if err != nil {
		s.FormError(w, r, "points", p, err)
		return
	}
	s.Render(w, r, http.StatusOK, "points", p)
}

// memberAdjust proposes an adjustment of a member's points (积分调整) from
// the points page; a supervisor decides it in the queue.
func (s *handler) memberAdjust(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.AdjustPropose)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	amount, perr := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("amount")), 10, 64)
	if perr != nil {
		err = apperr.Field("amount", "调整数量须为整数（扣减写负数）", "the amount is a whole number (negative to take points away)")
	} else {
		_, err = s.Points.ProposeAdjustment(r.Context(), points.AdjustmentInput{MemberID: m.ID,
			Kind: points.Kind(r.PostFormValue("kind")), Amount: amount, Reason: r.PostFormValue("reason")})
	}
	if err != nil {
		if apperr.As(err).Code == apperr.Internal {
			s.Fail(w, r, err)
			return
		}
		web.Redirect(w, r, "/members/"+r.PathValue("member")+"/points?error="+url.QueryEscape(apperr.As(err).Message(web.Lang(r))), "")
		return
	}
	web.Redirect(w, r, "/members/"+r.PathValue("member")+"/points", "flash.adjust_proposed")
}

type adjustmentsData struct {
	Items []points.Adjustment
	Pager web.Pager
	Ops   *operators // the people its rows name
}

func (s *handler) adjustmentsPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	items, total, err := s.Points.Adjustments(r.Context(), points.AdjustmentFilter{Within: web.Principal(r).Paths(auth.AdjustApprove),
		Status: points.AdjustmentPending, Offset: pg.Offset(), Limit: pg.PerPage})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	logins := make([]string, 0, len(items))
	for _, a := range items {
		logins = append(logins, a.ProposedBy)
	}
	ops, err := s.operatorsFor(r, logins...)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "nav.adjustments"), Nav: "adjustments", Data: adjustmentsData{Items: items, Pager: web.NewPager(r, pg, total, len(items), false), Ops: ops}}
	if ferr != nil {
		s.FormError(w, r, "adjustments", p, ferr)
		return
	}
	s.Render(w, r, status, "adjustments", p)
}

func (s *handler) adjustments(w http.ResponseWriter, r *http.Request) {
	s.adjustmentsPage(w, r, http.StatusOK, nil)
}

// adjustmentDecide approves (posts) or rejects a proposed adjustment.
func (s *handler) adjustmentDecide(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("adjustment"), 10, 64)
	if err != nil {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	a, err := s.Points.Adjustment(r.Context(), id)
	if err == nil {
		err = web.AuthorizeAt(r, auth.AdjustApprove, a.NodePath)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if _, err := s.Points.DecideAdjustment(r.Context(), id, r.PostFormValue("decision") == "approve", r.PostFormValue("note")); err != nil {
		s.adjustmentsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/points/adjustments", "flash.saved")
}
