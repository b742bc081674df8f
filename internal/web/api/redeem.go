package api

import (
	"net/http"

	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/redeem"
	"estateclub/internal/web"
)

// reasonBody is the body of a step that only gives its reason (a
// cancellation, a claim).
type reasonBody struct {
	Reason string `json:"reason"`
}

func (s *handler) redeemItems(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := s.ItemFilter(r.Request, r.URL.Query())
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := s.Redeem.Items(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
}

func (s *handler) redeemItemCreate(r *request[redeem.NewItem]) (any, error) {
	if _, err := s.NodeForWrite(r.Request, "node_code", r.Body.NodeCode, auth.RedeemManage); err != nil {
		return nil, err
	}
	it, err := s.Redeem.CreateItem(r.Context(), r.Body)
	if err != nil {
		return nil, err
	}
	return created(it), nil
}

func (s *handler) redeemItemGet(_ *request[none], it *redeem.Item) (any, error) { return it, nil }

func (s *handler) redeemItemUpdate(r *request[redeem.ItemUpdate], it *redeem.Item) (any, error) {
	return s.Redeem.UpdateItem(r.Context(), it.ID, r.Body)
}

func (s *handler) redemptions(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := s.OrderFilter(r.Request, r.URL.Query())
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	orders, total, err := s.Redeem.Orders(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(orders, total, pg), nil
}

func (s *handler) redemptionGet(_ *request[none], o *redeem.Order) (any, error) { return o, nil }

// memberRedemptions lists a member's orders, whichever node's items.
func (s *handler) memberRedemptions(r *request[none], m *member.Member) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	orders, total, err := s.Redeem.Orders(r.Context(), redeem.OrderFilter{MemberID: m.ID, Offset: pg.Offset(), Limit: pg.PerPage})
	if err != nil {
		return nil, err
	}
	return web.NewList(orders, total, pg), nil
}

type redeemBody struct {
	ItemID   int64  `json:"item_id"`
	Quantity int    `json:"quantity"`
	Note     string `json:"note"`
}

// memberRedeem applies for the member; the Idempotency-Key header makes a
// retry return the first order (200) instead of ordering again (201).
func (s *handler) memberRedeem(r *request[redeemBody], m *member.Member) (any, error) {
	o, err := s.ApplyFor(r.Request, m, redeem.Application{ItemID: r.Body.ItemID, Quantity: r.Body.Quantity,
		Note: r.Body.Note, IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		return nil, err
	}
	if o.Replayed {
		return o, nil
	}
	return created(o), nil
}

func (s *handler) redemptionDecide(r *request[decisionBody], o *redeem.Order) (any, error) {
	if r.Body.Approve {
		return s.Redeem.Approve(r.Context(), o.ID, r.Body.Note)
	}
	return s.Redeem.Reject(r.Context(), o.ID, r.Body.Note)
}

func (s *handler) redemptionFulfil(r *request[redeem.Fulfilment], o *redeem.Order) (any, error) {
	return s.Redeem.Fulfil(r.Context(), o.ID, r.Body)
}

func (s *handler) redemptionCancel(r *request[reasonBody], o *redeem.Order) (any, error) {
	return s.Redeem.Cancel(r.Context(), o.ID, r.Body.Reason)
}

func (s *handler) redeemSettings(r *request[none]) (any, error) {
	return s.ReadRedeemSettings(r.Request)
}

// settingsScope checks, before the body is read, that the caller may
// change the redemption settings (they hold for the whole group).
func (s *handler) settingsScope(r *http.Request, _ auth.Permission) (struct{}, error) {
	return struct{}{}, web.RedeemSettingsScope(r)
}

type settingsBody struct {
	AutoApproveBelow *int64 `json:"auto_approve_below"`
	SpendAnywhere    *bool  `json:"spend_anywhere"`
}

// redeemSettingsPut changes the settings sent and answers them all.
func (s *handler) redeemSettingsPut(r *request[settingsBody], _ struct{}) (any, error) {
	if b := r.Body.AutoApproveBelow; b != nil {
		if err := s.Redeem.SetAutoApproveBelow(r.Context(), *b); err != nil {
			return nil, err
		}
	}
	if b := r.Body.SpendAnywhere; b != nil {
		if err := s.Points.SetSpendAnywhere(r.Context(), *b); err != nil {
			return nil, err
		}
	}
	return s.ReadRedeemSettings(r.Request)
}
