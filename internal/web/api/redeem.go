package api

import (
	"estateclub/internal/auth"
	"estateclub/internal/redeem"
	"estateclub/internal/web"
	"net/http"
)

func (s *handler) apiRedeemItems(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f, err := s.ItemFilter(r, r.URL.Query())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	items, total, err := s.Redeem.Items(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(items, total, pg))
}

func (s *handler) apiRedeemItemCreate(w http.ResponseWriter, r *http.Request) {
	var in redeem.NewItem
	if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if _, err := s.NodeForWrite(r, "node_code", in.NodeCode, auth.RedeemManage); err != nil {
		s.APIError(w, r, err)
		return
	}
	it, err := s.Redeem.CreateItem(r.Context(), in)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, it)
}

func (s *handler) apiRedeemItemGet(w http.ResponseWriter, r *http.Request) {
	it, err := s.ScopedItem(r, auth.RedeemManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, it)
}

func (s *handler) apiRedeemItemUpdate(w http.ResponseWriter, r *http.Request) {
	it, err := s.ScopedItem(r, auth.RedeemManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var u redeem.ItemUpdate
	if err := web.DecodeJSON(r, &u); err != nil {
		s.APIError(w, r, err)
		return
	}
	if it, err = s.Redeem.UpdateItem(r.Context(), it.ID, u); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, it)
}

func (s *handler) apiRedemptions(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f, err := s.OrderFilter(r, r.URL.Query())
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	orders, total, err := s.Redeem.Orders(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(orders, total, pg))
}

func (s *handler) apiRedemptionGet(w http.ResponseWriter, r *http.Request) {
	o, err := s.ScopedOrder(r, auth.RedeemManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, o)
}

// apiMemberRedemptions lists a member's orders, whichever node's items.
func (s *handler) apiMemberRedemptions(w http.ResponseWriter, r *http.Request) {
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
	orders, total, err := s.Redeem.Orders(r.Context(), redeem.OrderFilter{MemberID: m.ID, Offset: pg.Offset(), Limit: pg.PerPage})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(orders, total, pg))
}

// apiMemberRedeem applies for the member; the Idempotency-Key header makes
// a retry return the first order (200) instead of ordering again (201).
func (s *handler) apiMemberRedeem(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.RedeemManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		ItemID   int64  `json:"item_id"`
		Quantity int    `json:"quantity"`
		Note     string `json:"note"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	o, err := s.ApplyFor(r, m, redeem.Application{ItemID: b.ItemID, Quantity: b.Quantity, Note: b.Note,
		IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	status := http.StatusCreated
	if o.Replayed {
		status = http.StatusOK
	}
	web.WriteJSON(w, status, o)
}

func (s *handler) apiRedemptionDecide(w http.ResponseWriter, r *http.Request) {
	o, err := s.ScopedOrder(r, auth.RedeemApprove)
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
	if b.Approve {
		o, err = s.Redeem.Approve(r.Context(), o.ID, b.Note)
	} else {
		o, err = s.Redeem.Reject(r.Context(), o.ID, b.Note)
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, o)
}

func (s *handler) apiRedemptionFulfil(w http.ResponseWriter, r *http.Request) {
	o, err := s.ScopedOrder(r, auth.RedeemManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var f redeem.Fulfilment
	if err := web.DecodeJSON(r, &f); err != nil {
		s.APIError(w, r, err)
		return
	}
	if o, err = s.Redeem.Fulfil(r.Context(), o.ID, f); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, o)
}

func (s *handler) apiRedemptionCancel(w http.ResponseWriter, r *http.Request) {
	o, err := s.ScopedOrder(r, auth.RedeemManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if o, err = s.Redeem.Cancel(r.Context(), o.ID, b.Reason); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, o)
}

func (s *handler) apiRedeemSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.ReadRedeemSettings(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}

func (s *handler) apiRedeemSettingsPut(w http.ResponseWriter, r *http.Request) {
	if err := web.RedeemSettingsScope(r); err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		AutoApproveBelow *int64 `json:"auto_approve_below"`
		SpendAnywhere    *bool  `json:"spend_anywhere"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	var err error
	if b.AutoApproveBelow != nil {
		err = s.Redeem.SetAutoApproveBelow(r.Context(), *b.AutoApproveBelow)
	}
	if err == nil && b.SpendAnywhere != nil {
		err = s.Points.SetSpendAnywhere(r.Context(), *b.SpendAnywhere)
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	s.apiRedeemSettings(w, r)
}
