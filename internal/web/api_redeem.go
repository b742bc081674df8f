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
	"estateclub/internal/redeem"
)

// Redemption (奖励兑换) on the API and the helpers the console shares:
// the catalogue is scoped by the item's node, an order by both its item's
// node and its member's node (redeem.Order).

// scopedItem loads the item named by {item} and checks perm at its node.
func (s *Server) scopedItem(r *http.Request, perm auth.Permission) (*redeem.Item, error) {
	id, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	it, err := s.redeem.Item(r.Context(), id)
	if err == nil {
		err = authorizeAt(r, perm, it.NodePath)
	}
	return it, err
}

// scopedOrder loads the order named by {order} and checks perm at its
// item's node and at its member's node.
func (s *Server) scopedOrder(r *http.Request, perm auth.Permission) (*redeem.Order, error) {
	id, err := strconv.ParseInt(r.PathValue("order"), 10, 64)
	if err != nil {
		return nil, notFoundErr
	}
	o, err := s.redeem.Order(r.Context(), id)
	if err == nil {
		err = authorizeOrder(r, perm, o)
	}
	return o, err
}

// authorizeOrder checks perm at both nodes of an order: an order whose
// item or member the caller cannot see does not exist for them (404), as
// the queue does not list it; one they see at both but may not act on at
// both is forbidden (403).
func authorizeOrder(r *http.Request, perm auth.Permission, o *redeem.Order) error {
	itemErr, memberErr := authorizeAt(r, perm, o.NodePath), authorizeAt(r, perm, o.MemberPath)
	switch {
	case itemErr == notFoundErr || memberErr == notFoundErr:
		return notFoundErr
	case itemErr != nil:
		return itemErr
	}
	return memberErr
}

// scopeAt narrows the caller's paths for perm to the node named by code
// ("" leaves them as they are); a node the caller cannot see is a field error.
func (s *Server) scopeAt(r *http.Request, perm auth.Permission, code string) ([]string, error) {
	paths := principal(r).Paths(perm)
	if code == "" {
		return paths, nil
	}
	n, err := s.org.ByCode(r.Context(), code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !principal(r).Sees(n.Path)) {
		return nil, apperr.Field("node", "组织节点 "+code+" 不存在", "org node "+code+" does not exist")
	}
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, p := range paths {
		switch {
		case strings.HasPrefix(n.Path, p):
			return []string{n.Path}, nil
		case strings.HasPrefix(p, n.Path):
			out = append(out, p)
		}
	}
	return out, nil
}

// itemFilter reads the catalogue's filters: node, kind, active, q.
func (s *Server) itemFilter(r *http.Request, q url.Values) (redeem.ItemFilter, error) {
	var f redeem.ItemFilter
	var err error
	if f.Within, err = s.scopeAt(r, auth.RedeemManage, q.Get("node")); err != nil {
		return f, err
	}
	switch k := redeem.Kind(q.Get("kind")); k {
	case "", redeem.KindGift, redeem.KindVoucher, redeem.KindService:
		f.Kind = k
	default:
		return f, apperr.Field("kind", "类型须为 gift、voucher 或 service", "kind must be gift, voucher or service")
	}
	switch q.Get("active") {
	case "":
	case "true", "false":
		on := q.Get("active") == "true"
		f.Active = &on
	default:
		return f, apperr.Field("active", "active 须为 true 或 false", "active must be true or false")
	}
	f.Query = q.Get("q")
	return f, nil
}

// orderFilter reads the queue's filters: status, node, member, from, to
// (China-time days, both included).
func (s *Server) orderFilter(r *http.Request, q url.Values) (redeem.OrderFilter, error) {
	var f redeem.OrderFilter
	var err error
	if f.Within, err = s.scopeAt(r, auth.RedeemManage, q.Get("node")); err != nil {
		return f, err
	}
	f.Status = redeem.Status(q.Get("status"))
	if f.Status != "" && f.Status.Label("en") == "" {
		return f, apperr.Field("status", "状态须为 applied、approved、fulfilled、rejected 或 cancelled",
			"status must be applied, approved, fulfilled, rejected or cancelled")
	}
	if v := strings.TrimSpace(q.Get("member")); v != "" {
		if f.MemberID, err = strconv.ParseInt(v, 10, 64); err != nil || f.MemberID < 1 {
			return f, apperr.Field("member", "会员编号须为正整数", "member must be a member id")
		}
	}
	f.From, f.To, err = dayRange(q, "from", "to")
	return f, err
}

// offered reports whether an item is in the catalogue of the member's
// region: the group's items and the region's own.
func offered(it *redeem.Item, m *member.Member) bool {
	region := points.RegionOf(m.NodePath)
	return it.NodePath == rootPath || (region != "" && strings.HasPrefix(it.NodePath, region))
}

// applyFor places an order for the member on the caller's behalf, once
// per idempotency key.
func (s *Server) applyFor(r *http.Request, m *member.Member, a redeem.Application) (*redeem.Order, error) {
	it, err := s.redeem.Item(r.Context(), a.ItemID)
	if err == nil && !offered(it, m) {
		err = apperr.NotFoundf("兑换商品", "redemption item")
	}
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Field("item_id", "会员所在区域的兑换目录中没有该商品", "the item is not in the catalogue of the member's region")
	}
	if err != nil {
		return nil, err
	}
	a.MemberID = m.ID
	return s.redeem.Apply(r.Context(), a)
}

func (s *Server) apiRedeemItems(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.itemFilter(r, r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	items, total, err := s.redeem.Items(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, total, pg))
}

func (s *Server) apiRedeemItemCreate(w http.ResponseWriter, r *http.Request) {
	var in redeem.NewItem
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.nodeForWrite(r, "node_code", in.NodeCode, auth.RedeemManage); err != nil {
		s.apiError(w, r, err)
		return
	}
	it, err := s.redeem.CreateItem(r.Context(), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, it)
}

func (s *Server) apiRedeemItemGet(w http.ResponseWriter, r *http.Request) {
	it, err := s.scopedItem(r, auth.RedeemManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) apiRedeemItemUpdate(w http.ResponseWriter, r *http.Request) {
	it, err := s.scopedItem(r, auth.RedeemManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var u redeem.ItemUpdate
	if err := decodeJSON(r, &u); err != nil {
		s.apiError(w, r, err)
		return
	}
	if it, err = s.redeem.UpdateItem(r.Context(), it.ID, u); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, it)
}

func (s *Server) apiRedemptions(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f, err := s.orderFilter(r, r.URL.Query())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.offset(), pg.PerPage
	orders, total, err := s.redeem.Orders(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(orders, total, pg))
}

func (s *Server) apiRedemptionGet(w http.ResponseWriter, r *http.Request) {
	o, err := s.scopedOrder(r, auth.RedeemManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// apiMemberRedemptions lists a member's orders, whichever node's items.
func (s *Server) apiMemberRedemptions(w http.ResponseWriter, r *http.Request) {
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
	orders, total, err := s.redeem.Orders(r.Context(), redeem.OrderFilter{MemberID: m.ID, Offset: pg.offset(), Limit: pg.PerPage})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(orders, total, pg))
}

// apiMemberRedeem applies for the member; the Idempotency-Key header makes
// a retry return the first order (200) instead of ordering again (201).
func (s *Server) apiMemberRedeem(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.RedeemManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		ItemID   int64  `json:"item_id"`
		Quantity int    `json:"quantity"`
		Note     string `json:"note"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	o, err := s.applyFor(r, m, redeem.Application{ItemID: b.ItemID, Quantity: b.Quantity, Note: b.Note,
		IdempotencyKey: r.Header.Get("Idempotency-Key")})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	status := http.StatusCreated
	if o.Replayed {
		status = http.StatusOK
	}
	writeJSON(w, status, o)
}

func (s *Server) apiRedemptionDecide(w http.ResponseWriter, r *http.Request) {
	o, err := s.scopedOrder(r, auth.RedeemApprove)
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
	if b.Approve {
		o, err = s.redeem.Approve(r.Context(), o.ID, b.Note)
	} else {
		o, err = s.redeem.Reject(r.Context(), o.ID, b.Note)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) apiRedemptionFulfil(w http.ResponseWriter, r *http.Request) {
	o, err := s.scopedOrder(r, auth.RedeemManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var f redeem.Fulfilment
	if err := decodeJSON(r, &f); err != nil {
		s.apiError(w, r, err)
		return
	}
	if o, err = s.redeem.Fulfil(r.Context(), o.ID, f); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

func (s *Server) apiRedemptionCancel(w http.ResponseWriter, r *http.Request) {
	o, err := s.scopedOrder(r, auth.RedeemManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if o, err = s.redeem.Cancel(r.Context(), o.ID, b.Reason); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// redeemSettings are the group's redemption settings.
type redeemSettings struct {
	AutoApproveBelow int64 `json:"auto_approve_below"` // 自动审批额度; 0: off
	SpendAnywhere    bool  `json:"spend_anywhere"`     // reward points spent in every region
}

func (s *Server) readRedeemSettings(r *http.Request) (redeemSettings, error) {
	var st redeemSettings
	var err error
	if st.AutoApproveBelow, err = s.redeem.AutoApproveBelow(r.Context()); err == nil {
		st.SpendAnywhere, err = s.points.SpendAnywhere(r.Context())
	}
	return st, err
}

// redeemSettingsScope is where the settings live: the group, for
// group-level holders of redeem.approve.
func redeemSettingsScope(r *http.Request) error { return authorizeAt(r, auth.RedeemApprove, rootPath) }

func (s *Server) apiRedeemSettings(w http.ResponseWriter, r *http.Request) {
	st, err := s.readRedeemSettings(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) apiRedeemSettingsPut(w http.ResponseWriter, r *http.Request) {
	if err := redeemSettingsScope(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		AutoApproveBelow *int64 `json:"auto_approve_below"`
		SpendAnywhere    *bool  `json:"spend_anywhere"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	var err error
	if b.AutoApproveBelow != nil {
		err = s.redeem.SetAutoApproveBelow(r.Context(), *b.AutoApproveBelow)
	}
	if err == nil && b.SpendAnywhere != nil {
		err = s.points.SetSpendAnywhere(r.Context(), *b.SpendAnywhere)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiRedeemSettings(w, r)
}
