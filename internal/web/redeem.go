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

// ScopedItem loads the item named by {item} and checks perm at its node.
func (s *Server) ScopedItem(r *http.Request, perm auth.Permission) (*redeem.Item, error) {
	id, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	it, err := s.Redeem.Item(r.Context(), id)
	if err == nil {
		err = AuthorizeAt(r, perm, it.NodePath)
	}
	return it, err
}

// ScopedOrder loads the order named by {order} and checks perm at its
// item's node and at its member's node.
func (s *Server) ScopedOrder(r *http.Request, perm auth.Permission) (*redeem.Order, error) {
	id, err := strconv.ParseInt(r.PathValue("order"), 10, 64)
	if err != nil {
		return nil, NotFoundErr
	}
	o, err := s.Redeem.Order(r.Context(), id)
	if err == nil {
		err = AuthorizeOrder(r, perm, o)
	}
	return o, err
}

// AuthorizeOrder checks perm at both nodes of an order: an order whose
// item or member the caller cannot see does not exist for them (404), as
// the queue does not list it; one they see at both but may not act on at
// both is forbidden (403).
func AuthorizeOrder(r *http.Request, perm auth.Permission, o *redeem.Order) error {
	itemErr, memberErr := AuthorizeAt(r, perm, o.NodePath), AuthorizeAt(r, perm, o.MemberPath)
	switch {
	case itemErr == NotFoundErr || memberErr == NotFoundErr:
		return NotFoundErr
	case itemErr != nil:
		return itemErr
	}
	return memberErr
}

// scopeAt narrows the caller's paths for perm to the node named by code
// ("" leaves them as they are); a node the caller cannot see is a field error.
func (s *Server) scopeAt(r *http.Request, perm auth.Permission, code string) ([]string, error) {
	paths := Principal(r).Paths(perm)
	if code == "" {
		return paths, nil
	}
	n, err := s.Org.ByCode(r.Context(), code)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !Principal(r).Sees(n.Path)) {
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

// ItemFilter reads the catalogue's filters: node, kind, active, q.
func (s *Server) ItemFilter(r *http.Request, q url.Values) (redeem.ItemFilter, error) {
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

// OrderFilter reads the queue's filters: status, node, member, from, to
// (China-time days, both included).
func (s *Server) OrderFilter(r *http.Request, q url.Values) (redeem.OrderFilter, error) {
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
	f.From, f.To, err = DayRange(q, "from", "to")
	return f, err
}

// offered reports whether an item is in the catalogue of the member's
// region: the group's items and the region's own.
func offered(it *redeem.Item, m *member.Member) bool {
	region := points.RegionOf(m.NodePath)
	return it.NodePath == RootPath || (region != "" && strings.HasPrefix(it.NodePath, region))
}

// ApplyFor places an order for the member on the caller's behalf, once
// per idempotency key.
func (s *Server) ApplyFor(r *http.Request, m *member.Member, a redeem.Application) (*redeem.Order, error) {
	it, err := s.Redeem.Item(r.Context(), a.ItemID)
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
	return s.Redeem.Apply(r.Context(), a)
}

// RedeemSettings are the group's redemption settings.
type RedeemSettings struct {
	AutoApproveBelow int64 `json:"auto_approve_below"` // 自动审批额度; 0: off
	SpendAnywhere    bool  `json:"spend_anywhere"`     // reward points spent in every region
}

func (s *Server) ReadRedeemSettings(r *http.Request) (RedeemSettings, error) {
	var st RedeemSettings
	var err error
	if st.AutoApproveBelow, err = s.Redeem.AutoApproveBelow(r.Context()); err == nil {
		st.SpendAnywhere, err = s.Points.SpendAnywhere(r.Context())
	}
	return st, err
}

// RedeemSettingsScope is where the settings live: the group, for
// group-level holders of redeem.approve.
func RedeemSettingsScope(r *http.Request) error { return AuthorizeAt(r, auth.RedeemApprove, RootPath) }
