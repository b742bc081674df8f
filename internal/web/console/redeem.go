package console

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/web"
)

// itemView is a catalogue item with its validity as China-time days.
type itemView struct {
	redeem.Item
	From, To string // the first and the last day, "" when open
}

func viewItem(it redeem.Item) itemView {
	v := itemView{Item: it}
	if it.ValidFrom != nil {
		v.From = it.ValidFrom.In(web.ChinaTime).Format("2006-01-02")
	}
	if it.ValidTo != nil {
		v.To = it.ValidTo.Add(-time.Nanosecond).In(web.ChinaTime).Format("2006-01-02")
	}
	return v
}

type redeemItemsData struct {
	Items    []itemView
	Total    int
	Page     web.Paging
	Pager    web.Pager
	Query    url.Values
	Nodes    []org.Node // where the caller keeps a catalogue
	Kinds    []redeem.Kind
	Settings web.RedeemSettings
	CanSet   bool // the caller may change the group's settings
}

// redeemItemsPage is the catalogue (兑换目录): the items in the caller's
// scope, a form to add one and the group's settings.
func (s *handler) redeemItemsPage(w http.ResponseWriter, r *http.Request, status int, ferr error) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := redeemItemsData{Page: pg, Query: r.URL.Query(), Kinds: redeem.Kinds, CanSet: web.Principal(r).CanAt(auth.RedeemApprove, web.RootPath)}
	if d.Nodes, _, err = s.Org.List(r.Context(), org.Filter{Within: web.Principal(r).Paths(auth.RedeemManage)}); err == nil {
		d.Settings, err = s.ReadRedeemSettings(r)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f, err := s.ItemFilter(r, d.Query)
	if err == nil {
		f.Offset, f.Limit = pg.Offset(), pg.PerPage
		var items []redeem.Item
		items, d.Total, err = s.Redeem.Items(r.Context(), f)
		for _, it := range items {
			d.Items = append(d.Items, viewItem(it))
		}
		d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "redeem.items"), Nav: "redeem", Data: d}
	if ferr == nil {
		ferr = err
	}
	if ferr != nil {
		s.FormError(w, r, "redeem_items", p, ferr)
		return
	}
	s.Render(w, r, status, "redeem_items", p)
}

func (s *handler) redeemItems(w http.ResponseWriter, r *http.Request) {
	s.redeemItemsPage(w, r, http.StatusOK, nil)
}

// formIntOpt reads an optional whole number of a form: nil when empty.
func formIntOpt(r *http.Request, field, zh, en string) (*int64, error) {
	v := strings.TrimSpace(strings.TrimPrefix(r.PostFormValue(field), "+"))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, apperr.Field(field, zh, en)
	}
	return &n, nil
}

// validity reads the form's first and last day; nil when left empty.
func validity(r *http.Request) (from, to *time.Time, err error) {
	f, t, err := web.DayRange(r.PostForm, "valid_from", "valid_to")
	if !f.IsZero() {
		from = &f
	}
	if !t.IsZero() {
		to = &t
	}
	return from, to, err
}

func (s *handler) redeemItemCreate(w http.ResponseWriter, r *http.Request) {
	in := redeem.NewItem{NodeCode: r.PostFormValue("node"), Kind: redeem.Kind(r.PostFormValue("kind")), Name: r.PostFormValue("name"),
		Description: r.PostFormValue("description"), Inactive: r.PostFormValue("inactive") == "on"}
	price, err := formIntOpt(r, "price", "兑换积分须为整数", "the price is a whole number of points")
	if err == nil {
		if price != nil {
			in.Price = *price
		}
		in.Stock, err = formIntOpt(r, "stock", "库存须为整数（不填为不限）", "stock is a whole number (empty: unlimited)")
	}
	var limit *int64
	if err == nil {
		limit, err = formIntOpt(r, "member_limit", "每人限兑须为整数（不填为不限）", "the limit per member is a whole number (empty: none)")
	}
	if limit != nil {
		n := int(min(max(*limit, -1), redeem.MaxMemberLimit+1))
		in.MemberLimit = &n
	}
	if err == nil {
		in.ValidFrom, in.ValidTo, err = validity(r)
	}
	if err == nil {
		_, err = s.NodeForWrite(r, "node", in.NodeCode, auth.RedeemManage)
	}
	if err == nil {
		_, err = s.Redeem.CreateItem(r.Context(), in)
	}
	if err != nil {
		s.redeemItemsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/redeem/items", "flash.saved")
}

func (s *handler) redeemItemPage(w http.ResponseWriter, r *http.Request, it *redeem.Item, status int, ferr error) {
	p := web.Page{Title: it.Name, Nav: "redeem", Data: viewItem(*it)}
	if ferr != nil {
		s.FormError(w, r, "redeem_item", p, ferr)
		return
	}
	s.Render(w, r, status, "redeem_item", p)
}

func (s *handler) redeemItem(w http.ResponseWriter, r *http.Request) {
	it, err := s.ScopedItem(r, auth.RedeemManage)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.redeemItemPage(w, r, it, http.StatusOK, nil)
}

// redeemItemUpdate saves the edit form: stock moves by a delta (补货 or
// 减少) or is set, never overwritten from a stale page.
func (s *handler) redeemItemUpdate(w http.ResponseWriter, r *http.Request) {
	it, err := s.ScopedItem(r, auth.RedeemManage)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	u := redeem.ItemUpdate{Name: optional(r, "name"), Description: optional(r, "description")}
	if u.Price, err = formIntOpt(r, "price", "兑换积分须为整数", "the price is a whole number of points"); err == nil {
		u.StockDelta, err = formIntOpt(r, "stock_delta", "库存增减须为整数", "the stock change is a whole number")
	}
	if err == nil && r.PostFormValue("unlimited") == "on" {
		u.Stock = new(int64(-1))
	} else if err == nil {
		u.Stock, err = formIntOpt(r, "stock", "库存须为整数", "stock is a whole number")
	}
	var limit *int64
	if err == nil {
		limit, err = formIntOpt(r, "member_limit", "每人限兑须为整数", "the limit per member is a whole number")
	}
	if err == nil && r.PostForm.Has("member_limit") {
		n := 0 // empty: no limit
		if limit != nil {
			n = int(min(max(*limit, -1), redeem.MaxMemberLimit+1))
		}
		u.MemberLimit = &n
	}
	if err == nil && r.PostForm.Has("valid_from") {
		var from, to *time.Time
		from, to, err = validity(r)
		u.ValidFrom, u.ValidTo = orZero(from), orZero(to)
	}
	if r.PostForm.Has("active") {
		u.Active = new(r.PostFormValue("active") == "true")
	}
	if err == nil {
		_, err = s.Redeem.UpdateItem(r.Context(), it.ID, u)
	}
	if err != nil {
		s.redeemItemPage(w, r, it, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/redeem/items/"+r.PathValue("item"), "flash.saved")
}

// orZero is t, or the zero time that clears a validity bound.
func orZero(t *time.Time) *time.Time {
	if t == nil {
		return &time.Time{}
	}
	return t
}

// redeemSettingsSave changes the group's auto-approval threshold and
// whether reward points may be spent in every region.
func (s *handler) redeemSettingsSave(w http.ResponseWriter, r *http.Request) {
	if err := web.RedeemSettingsScope(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	n, err := formIntOpt(r, "auto_approve_below", "自动审批额度须为整数", "the threshold is a whole number of points")
	if err == nil {
		if n == nil {
			n = new(int64(0))
		}
		err = s.Redeem.SetAutoApproveBelow(r.Context(), *n)
	}
	if err == nil {
		err = s.Points.SetSpendAnywhere(r.Context(), r.PostFormValue("spend_anywhere") == "on")
	}
	if err != nil {
		s.redeemItemsPage(w, r, apperr.HTTPStatus(apperr.As(err).Code), err)
		return
	}
	web.Redirect(w, r, "/redeem/items", "flash.saved")
}

// memberRedemptions is the redemption part of a member's points page: the
// items on offer in the member's region, the member's orders and a fresh
// idempotency key for the form.
type memberRedemptions struct {
	CanApply bool
	Items    []redeem.Item
	Orders   []redeem.Order
	Key      string
}

func (s *handler) memberRedemptionsOf(r *http.Request, m *member.Member) (memberRedemptions, error) {
	d := memberRedemptions{CanApply: web.Principal(r).CanAt(auth.RedeemManage, m.NodePath) && m.Status == member.Active, Key: rand.Text()}
	var err error
	d.Orders, _, err = s.Redeem.Orders(r.Context(), redeem.OrderFilter{MemberID: m.ID, Limit: 20})
	if err == nil && d.CanApply {
		region := points.RegionOf(m.NodePath)
		d.Items, _, err = s.Redeem.Items(r.Context(), redeem.ItemFilter{Region: region, Available: true, Limit: 500})
	}
	return d, err
}

// memberRedeem applies for a member from the points page. The form's
// hidden key makes a double submit order once.
func (s *handler) memberRedeem(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.RedeemManage)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	back := "/members/" + r.PathValue("member") + "/points"
	a := redeem.Application{IdempotencyKey: r.PostFormValue("key"), Note: strings.TrimSpace(r.PostFormValue("address"))}
	if r.PostFormValue("delivery") == "post" {
		a.Note = "邮寄：" + a.Note
	} else if a.Note == "" {
		a.Note = "现场领取"
	}
	item, err := formIntOpt(r, "item_id", "请选择兑换商品", "choose an item")
	var qty *int64
	if err == nil {
		qty, err = formIntOpt(r, "quantity", "数量须为整数", "the quantity is a whole number")
	}
	if err == nil && item == nil {
		err = apperr.Field("item_id", "请选择兑换商品", "choose an item")
	}
	var o *redeem.Order
	if err == nil {
		a.ItemID = *item
		if qty != nil {
			a.Quantity = int(min(max(*qty, -1), redeem.MaxQuantity+1))
		}
		o, err = s.ApplyFor(r, m, a)
	}
	if err != nil {
		if apperr.As(err).Code == apperr.Internal {
			s.Fail(w, r, err)
			return
		}
		web.Redirect(w, r, back+"?error="+url.QueryEscape(apperr.As(err).Message(web.Lang(r))), "")
		return
	}
	flash := "flash.redeem_applied"
	if o.AutoApproved {
		flash = "flash.redeem_auto_approved"
	}
	web.Redirect(w, r, back, flash)
}
