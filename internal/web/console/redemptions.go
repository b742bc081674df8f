package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/org"
	"estateclub/internal/redeem"
	"estateclub/internal/web"
)

type redemptionsData struct {
	Orders   []redeem.Order
	Total    int
	Page     web.Paging
	Pager    web.Pager
	Query    url.Values
	Nodes    []org.Node
	Statuses []redeem.Status
	Methods  []redeem.Method
	Back     string     // this page with its filters, where the forms return
	Ops      *operators // the people its rows name
}

// redemptionsPage is the redemption queue (兑换申请): orders whose item and
// member are both in the caller's scope, filtered and paged, with the
// steps each allows.
func (s *handler) redemptionsPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	if !q.Has("status") {
		q.Set("status", string(redeem.Applied)) // the queue opens on what waits for a decision
	}
	d := redemptionsData{Page: pg, Query: q, Statuses: redeem.Statuses,
		Methods: []redeem.Method{redeem.PickedUp, redeem.Posted, redeem.VoucherCode}, Back: "/redeem/orders?" + q.Encode()}
	if d.Nodes, _, err = s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(auth.RedeemManage)}); err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err := s.OrderFilter(r, q)
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		d.Orders, d.Total, err = s.Redeem.Orders(r.Context(), f)
		d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	}
	if err == nil {
		logins := make([]string, 0, 2*len(d.Orders))
		for _, o := range d.Orders {
			logins = append(logins, o.AppliedBy, o.ApprovedBy)
		}
		d.Ops, err = s.operatorsFor(r, logins...)
	}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "redeem.orders"), Nav: "redeem", Data: d}
	if ferr == nil {
		ferr = err
	}
	if ferr != nil {
		s.FormError(w, r, "redeem_orders", p, ferr)
		return
	}
	s.Render(w, r, status, "redeem_orders", p)
}

func (s *handler) redemptions(w http.ResponseWriter, r *http.Request) {
	s.redemptionsPage(w, r, http.StatusOK, nil)
}

// backTo is the queue page a form came from (its "back" field), or the queue.
func backTo(r *http.Request) string {
	if b := r.PostFormValue("back"); strings.HasPrefix(b, "/redeem/orders?") {
		return b
	}
	return "/redeem/orders"
}

// redemptionStep runs one step on the order named by {order} and returns
// to the queue, or shows the queue with the step's error.
func (s *handler) redemptionStep(w http.ResponseWriter, r *http.Request, perm auth.Permission, flash string,
	step func(o *redeem.Order) error) {
	o, err := s.ScopedOrder(r, perm)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := step(o); err != nil {
		s.redemptionsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, backTo(r), flash)
}

// redemptionDecide approves an applied order or rejects it with a reason.
func (s *handler) redemptionDecide(w http.ResponseWriter, r *http.Request) {
	s.redemptionStep(w, r, auth.RedeemApprove, "flash.saved", func(o *redeem.Order) (err error) {
		if r.PostFormValue("decision") == "approve" {
			_, err = s.Redeem.Approve(r.Context(), o.ID, r.PostFormValue("reason"))
		} else {
			_, err = s.Redeem.Reject(r.Context(), o.ID, r.PostFormValue("reason"))
		}
		return err
	})
}

func (s *handler) redemptionFulfil(w http.ResponseWriter, r *http.Request) {
	s.redemptionStep(w, r, auth.RedeemManage, "flash.redeem_fulfilled", func(o *redeem.Order) error {
		_, err := s.Redeem.Fulfil(r.Context(), o.ID, redeem.Fulfilment{Method: redeem.Method(r.PostFormValue("method")),
			TrackingNo: r.PostFormValue("tracking_no")})
		return err
	})
}

func (s *handler) redemptionCancel(w http.ResponseWriter, r *http.Request) {
	s.redemptionStep(w, r, auth.RedeemManage, "flash.saved", func(o *redeem.Order) error {
		_, err := s.Redeem.Cancel(r.Context(), o.ID, r.PostFormValue("reason"))
		return err
	})
}

// redemptionsApprove approves the ticked orders (批量审批), each in its own
// transaction; those the caller may not approve are skipped, and the first
// refusal is shown with how many went through.
func (s *handler) redemptionsApprove(w http.ResponseWriter, r *http.Request) {
	var done int
	var firstErr error
	for _, v := range r.PostForm["id"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		o, err := s.Redeem.Order(r.Context(), id)
		if err != nil || web.AuthorizeOrder(r, auth.RedeemApprove, o) != nil {
			continue
		}
		if _, err := s.Redeem.Approve(r.Context(), id, ""); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		done++
	}
	switch {
	case done == 0 && firstErr == nil:
		s.redemptionsPage(w, r, http.StatusBadRequest, apperr.Field("id", "请先勾选要批准的申请", "tick the orders to approve first"))
	case firstErr != nil:
		e := apperr.As(firstErr)
		s.redemptionsPage(w, r, apperr.HTTPStatus(e.Code), &apperr.Error{Code: e.Code,
			ZH: "已批准 " + strconv.Itoa(done) + " 份；" + e.ZH, EN: strconv.Itoa(done) + " approved; " + e.EN, Err: firstErr})
	default:
		web.Redirect(w, r, backTo(r), "flash.saved")
	}
}
