package portal

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/redeem"
	"estateclub/internal/request"
	"estateclub/internal/web"
)

// --- home and card ---

type mHomeData struct {
	M        *member.Member
	Card     *card.Card
	Tier     *member.Tier
	Next     *member.Tier
	Upgrade  int64 // upgrade points
	Reward   int64 // reward points, every region
	ToNext   int64 // upgrade points still needed for the next tier
	Percent  int
	Upcoming []points.UpcomingExpiry
}

func (s *handler) mHomeData(r *http.Request) (*mHomeData, error) {
	m, err := s.me(r)
	if err != nil {
		return nil, err
	}
	d := &mHomeData{M: m}
	cards, err := s.Cards.CardsOf(r.Context(), m.ID)
	if err != nil {
		return nil, err
	}
	for i := range cards {
		if cards[i].Usable() {
			d.Card = &cards[i]
		}
	}
	bs, err := s.Points.Balances(r.Context(), m.ID)
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if b.Kind == points.Upgrade {
			d.Upgrade += b.Balance
		} else {
			d.Reward += b.Balance
		}
	}
	tiers, err := s.Members.Tiers(r.Context())
	if err != nil {
		return nil, err
	}
	for i := range tiers {
		if tiers[i].Code == m.Tier {
			d.Tier = &tiers[i]
			if i+1 < len(tiers) {
				d.Next = &tiers[i+1]
			}
		}
	}
	if d.Next != nil && d.Next.Threshold > 0 {
		d.ToNext = max(d.Next.Threshold-d.Upgrade, 0)
		d.Percent = int(min(d.Upgrade*100/d.Next.Threshold, 100))
	}
	if d.Upcoming, err = s.Points.UpcomingExpiries(r.Context(), m.ID); err != nil {
		return nil, err
	}
	return d, nil
}

// mHome is the portal's first page: the card, tier and points at a glance.
func (s *handler) mHome(w http.ResponseWriter, r *http.Request) {
	d, err := s.mHomeData(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.RenderPortal(w, r, http.StatusOK, "m_home", web.Mpage{Title: s.Cat.T(web.Lang(r), "m.home.title"), Nav: "home", Data: d})
}

// mCard shows the card number and its QR code, large enough to scan.
func (s *handler) mCard(w http.ResponseWriter, r *http.Request) {
	d, err := s.mHomeData(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.RenderPortal(w, r, http.StatusOK, "m_card", web.Mpage{Title: s.Cat.T(web.Lang(r), "m.card.title"), Nav: "card", Data: d})
}

// --- points ---

type mPointsData struct {
	Balances []points.Balance
	Upcoming []points.UpcomingExpiry
	Lines    []points.Line
	Total    int
	Page     web.Paging
	Pager    web.Pager
	Kind     string
}

func (s *handler) mPoints(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	pg.PerPage = min(pg.PerPage, 20)
	d := mPointsData{Page: pg}
	f := points.Filter{Offset: pg.Offset(), Limit: pg.PerPage}
	switch k := points.Kind(r.URL.Query().Get("kind")); k {
	case points.Upgrade, points.Reward:
		f.Kind, d.Kind = k, string(k)
	}
	ctx := r.Context()
	if d.Balances, err = s.Points.Balances(ctx, m.ID); err == nil {
		if d.Upcoming, err = s.Points.UpcomingExpiries(ctx, m.ID); err == nil {
			d.Lines, d.Total, err = s.Points.Statement(ctx, m.ID, f)
		}
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d.Pager = web.NewPager(r, pg, d.Total, 0, false)
	s.RenderPortal(w, r, http.StatusOK, "m_points", web.Mpage{Title: s.Cat.T(web.Lang(r), "m.points.title"), Nav: "points", Data: d})
}

// --- rewards ---

type mRewardsData struct {
	Items  []redeem.Item
	Orders []redeem.Order
	Reward int64 // spendable here
	Key    string
	Pager  web.Pager // of the orders
}

// newKey is a fresh idempotency key for a form: submitting the form twice
// sends the same key, so the order is made once.
func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mItemFilter is the catalogue a member may redeem from: their region's
// items and the group's, or every region's when the group allows it.
func (s *handler) mItemFilter(r *http.Request, m *member.Member) (redeem.ItemFilter, error) {
	f := redeem.ItemFilter{Available: true, Limit: 200}
	anywhere, err := s.Points.SpendAnywhere(r.Context())
	if err != nil {
		return f, err
	}
	if !anywhere {
		f.Region = points.RegionOf(m.NodePath)
	}
	return f, nil
}

func (s *handler) mRewards(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d := mRewardsData{Key: newKey()}
	f, err := s.mItemFilter(r, m)
	if err == nil {
		d.Items, _, err = s.Redeem.Items(r.Context(), f)
	}
	at, perr := web.ReadPaging(r)
	if err == nil {
		err = perr
	}
	if err == nil {
		at.PerPage = min(at.PerPage, 20)
		var total int
		d.Orders, total, err = s.Redeem.Orders(r.Context(), redeem.OrderFilter{MemberID: m.ID, Offset: at.Offset(), Limit: at.PerPage})
		d.Pager = web.NewPager(r, at, total, len(d.Orders), false)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	bs, err := s.Points.Balances(r.Context(), m.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, b := range bs {
		if b.Kind == points.Reward {
			d.Reward += b.Balance
		}
	}
	pg := web.Mpage{Title: s.Cat.T(web.Lang(r), "m.rewards.title"), Nav: "rewards", Data: d}
	if msg := r.URL.Query().Get("error"); msg != "" {
		pg.Error = &apperr.Error{Code: apperr.Invalid, ZH: msg, EN: msg}
	}
	s.RenderPortal(w, r, http.StatusOK, "m_rewards", pg)
}

// mItem is the item {item} if the member may redeem it.
func (s *handler) mItem(r *http.Request, m *member.Member) (*redeem.Item, error) {
	id, err := strconv.ParseInt(r.PathValue("item"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	it, err := s.Redeem.Item(r.Context(), id)
	if err != nil {
		return nil, err
	}
	f, err := s.mItemFilter(r, m)
	if err != nil {
		return nil, err
	}
	if !it.Active || (f.Region != "" && !strings.HasPrefix(it.NodePath, f.Region) && !strings.HasPrefix(f.Region, it.NodePath)) {
		return nil, web.NotFoundErr
	}
	return it, nil
}

// mRedeem orders an item; the form's key makes a double tap order once.
func (s *handler) mRedeem(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	it, err := s.mItem(r, m)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	qty, qerr := strconv.Atoi(strings.TrimSpace(r.PostFormValue("quantity")))
	if qerr != nil || qty < 1 {
		qty = 1
	}
	key := strings.TrimSpace(r.PostFormValue("key"))
	if key == "" {
		key = newKey()
	}
	o, err := s.Redeem.Apply(r.Context(), redeem.Application{MemberID: m.ID, ItemID: it.ID, Quantity: qty,
		Note: r.PostFormValue("note"), IdempotencyKey: "portal:" + strconv.FormatInt(m.ID, 10) + ":" + key})
	if err != nil {
		if e := apperr.As(err); e.Code != apperr.Internal {
			http.Redirect(w, r, "/m/rewards?error="+url.QueryEscape(e.Message(web.Lang(r))), http.StatusSeeOther)
			return
		}
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/m/orders/"+strconv.FormatInt(o.ID, 10)+"?flash=m.flash.redeemed", http.StatusSeeOther)
}

// mOrder is the member's own order {order}; anyone else's does not exist.
func (s *handler) mOrder(r *http.Request) (*redeem.Order, error) {
	m, err := s.me(r)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("order"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	o, err := s.Redeem.Order(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if o.MemberID != m.ID {
		return nil, web.NotFoundErr
	}
	return o, nil
}

func (s *handler) mOrderShow(w http.ResponseWriter, r *http.Request) {
	o, err := s.mOrder(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.RenderPortal(w, r, http.StatusOK, "m_order", web.Mpage{Title: o.ItemName, Nav: "rewards", Data: o})
}

func (s *handler) mOrderCancel(w http.ResponseWriter, r *http.Request) {
	o, err := s.mOrder(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if o, err = s.Redeem.Cancel(r.Context(), o.ID, r.PostFormValue("reason")); err != nil {
		if e := apperr.As(err); e.Code == apperr.Conflict || e.Code == apperr.Invalid {
			s.portalError(w, r, "m_order", web.Mpage{Title: s.Cat.T(web.Lang(r), "m.rewards.title"), Nav: "rewards", Data: o}, err)
			return
		}
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/m/orders/"+strconv.FormatInt(o.ID, 10)+"?flash=m.flash.cancelled", http.StatusSeeOther)
}

// --- join ---

type mJoinData struct {
	Mobile string // masked
	Nodes  []org.Node
}

func (s *handler) mJoinPage(w http.ResponseWriter, r *http.Request, err error) {
	ms := memberSession(r)
	nodes, _, lerr := s.Org.List(r.Context(), org.Filter{})
	if lerr != nil {
		s.Fail(w, r, lerr)
		return
	}
	d := mJoinData{Mobile: pii.MaskMobile(ms.Mobile)}
	for _, n := range nodes {
		if n.Kind == org.Project {
			d.Nodes = append(d.Nodes, n)
		}
	}
	pg := web.Mpage{Title: s.Cat.T(web.Lang(r), "m.join.title"), Nav: "join", Data: d}
	if err != nil {
		s.portalError(w, r, "m_join", pg, err)
		return
	}
	s.RenderPortal(w, r, http.StatusOK, "m_join", pg)
}

func (s *handler) mJoin(w http.ResponseWriter, r *http.Request) {
	ms := memberSession(r)
	if ms.MemberID != 0 {
		if m, err := s.Members.Get(r.Context(), ms.MemberID); err == nil && m.Status != member.Default && m.Status != member.Returned {
			http.Redirect(w, r, "/m/", http.StatusSeeOther)
			return
		}
	}
	s.mJoinPage(w, r, nil)
}

// mJoinSubmit files the membership application (网上入会): it goes to the
// city supervisor's review queue; a default member of that mobile is
// completed, never duplicated.
func (s *handler) mJoinSubmit(w http.ResponseWriter, r *http.Request) {
	ms := memberSession(r)
	f := r.PostFormValue
	if f("terms") != "on" {
		s.mJoinPage(w, r, apperr.Field("terms", "请阅读并同意会员章程", "read and accept the club's terms"))
		return
	}
	a := member.Application{NodeCode: f("org"), Channel: member.Online, Name: f("name"), Gender: f("gender"),
		Mobile: ms.Mobile, Birthday: f("birthday"), Email: f("email"), Address: f("address"), Occupation: f("occupation"),
		Tags:    splitTags(f("interests")),
		Consent: member.Consent{SMS: f("consent_sms") == "on", Email: f("consent_email") == "on", Post: f("consent_post") == "on", How: "portal"}}
	m, _, err := s.Members.Apply(r.Context(), a)
	if err != nil {
		s.mJoinPage(w, r, err)
		return
	}
	if err := s.MemberAuth.Attach(r.Context(), ms.ID, m.ID); err != nil {
		s.Fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/m/?flash=m.flash.joined", http.StatusSeeOther)
}

func splitTags(s string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ' ' }) {
		out = append(out, t)
	}
	return out
}

// --- profile ---

type mProfileData struct {
	M       *member.Member
	History []member.Change
	Privacy []request.Request // open data copy / deletion requests
}

func (s *handler) mProfilePage(w http.ResponseWriter, r *http.Request, status int, err error) {
	m, merr := s.me(r)
	if merr != nil {
		s.Fail(w, r, merr)
		return
	}
	d := mProfileData{M: m}
	if d.History, merr = s.Members.History(r.Context(), m.ID); merr != nil {
		s.Fail(w, r, merr)
		return
	}
	reqs, _, merr := s.Requests.ForMember(r.Context(), m.ID, 0, 100)
	if merr != nil {
		s.Fail(w, r, merr)
		return
	}
	for _, q := range reqs {
		if q.Kind == request.Privacy && (q.Subkind == request.SubDataCopy || q.Subkind == request.SubAccountDeletion) {
			d.Privacy = append(d.Privacy, q)
		}
	}
	pg := web.Mpage{Title: s.Cat.T(web.Lang(r), "m.profile.title"), Nav: "profile", Data: d}
	if err != nil {
		s.portalError(w, r, "m_profile", pg, err)
		return
	}
	s.RenderPortal(w, r, status, "m_profile", pg)
}

func (s *handler) mProfile(w http.ResponseWriter, r *http.Request) {
	s.mProfilePage(w, r, http.StatusOK, nil)
}

// mProfileUpdate saves what members may change themselves: address,
// email, occupation, interests and contact consent. Withdrawing consent
// takes effect at once.
func (s *handler) mProfileUpdate(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f := r.PostFormValue
	email, occupation := strings.TrimSpace(f("email")), strings.TrimSpace(f("occupation"))
	tags := splitTags(f("interests"))
	u := member.Update{Email: &email, Occupation: &occupation, Tags: &tags}
	if addr := strings.TrimSpace(f("address")); addr != "" {
		u.Address = &addr // the stored address is masked on the page: blank keeps it
	}
	c := member.Consent{SMS: f("consent_sms") == "on", Email: f("consent_email") == "on", Post: f("consent_post") == "on", How: "portal"}
	if c.SMS != m.Consent.SMS || c.Email != m.Consent.Email || c.Post != m.Consent.Post {
		u.Consent = &c
	}
	if _, err := s.Members.Update(r.Context(), m.ID, u); err != nil {
		s.mProfilePage(w, r, 0, err)
		return
	}
	http.Redirect(w, r, "/m/profile?flash=m.flash.saved", http.StatusSeeOther)
}

// mPrivacyRequest asks for a copy of the member's data or the deletion of
// the account (PIPL): a request for staff to handle.
func (s *handler) mPrivacyRequest(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	sub := request.Subkind(r.PostFormValue("what"))
	if sub != request.SubDataCopy && sub != request.SubAccountDeletion {
		s.mProfilePage(w, r, 0, apperr.Field("what", "请选择申请类型", "choose what to ask for"))
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	if text == "" {
		text = s.Cat.T(web.Lang(r), "m.privacy.text."+string(sub))
	}
	if _, err := s.Requests.Submit(r.Context(), request.NewRequest{MemberID: m.ID, Kind: request.Privacy, Subkind: sub,
		Channel: request.Portal, Text: text}); err != nil {
		s.mProfilePage(w, r, 0, err)
		return
	}
	http.Redirect(w, r, "/m/profile?flash=m.flash.privacy_requested", http.StatusSeeOther)
}

// --- requests ---

type mRequestsData struct {
	Items []mRequestRow
	Kinds []request.Kind
	Subs  map[request.Kind][]request.SubkindDef // offered for a new request
	Pager web.Pager
}

func (s *handler) mRequestsPage(w http.ResponseWriter, r *http.Request, status int, err error) {
	m, merr := s.me(r)
	if merr != nil {
		s.Fail(w, r, merr)
		return
	}
	d := mRequestsData{Kinds: request.Kinds, Subs: map[request.Kind][]request.SubkindDef{}}
	cat, merr := s.Requests.Catalogue(r.Context())
	if merr != nil {
		s.Fail(w, r, merr)
		return
	}
	for _, kd := range cat.Kinds {
		d.Subs[kd.Kind] = kd.Offered()
	}
	at, merr := web.ReadPaging(r)
	if merr != nil {
		s.Fail(w, r, merr)
		return
	}
	at.PerPage = min(at.PerPage, 20)
	var total int
	if d.Items, total, merr = s.mRequestRows(r, m.ID, at.Offset(), at.PerPage); merr != nil {
		s.Fail(w, r, merr)
		return
	}
	d.Pager = web.NewPager(r, at, total, len(d.Items), false)
	pg := web.Mpage{Title: s.Cat.T(web.Lang(r), "m.requests.title"), Nav: "requests", Data: d}
	if err != nil {
		s.portalError(w, r, "m_requests", pg, err)
		return
	}
	s.RenderPortal(w, r, status, "m_requests", pg)
}

func (s *handler) mRequests(w http.ResponseWriter, r *http.Request) {
	s.mRequestsPage(w, r, http.StatusOK, nil)
}

// mRequestSubmit files a request or complaint, with optional files.
func (s *handler) mRequestSubmit(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in := request.NewRequest{MemberID: m.ID, Channel: request.Portal}
	// "kind/subkind" in one select keeps the form usable without script.
	k, sub, _ := strings.Cut(r.FormValue("topic"), "/")
	in.Kind, in.Subkind, in.Text = request.Kind(k), request.Subkind(sub), r.FormValue("text")
	in.Files, err = web.FormUploads(r)
	var q *request.Request
	if err == nil {
		q, err = s.Requests.Submit(r.Context(), in)
	}
	if err != nil {
		s.mRequestsPage(w, r, 0, err)
		return
	}
	http.Redirect(w, r, "/m/requests/"+strconv.FormatInt(q.ID, 10)+"?flash=m.flash.request_sent", http.StatusSeeOther)
}

// mRequestFile downloads a file of the member's own request; an internal
// note's file, like another member's request, is not found.
func (s *handler) mRequestFile(w http.ResponseWriter, r *http.Request) {
	m, err := s.me(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	rid, err := strconv.ParseInt(r.PathValue("request"), 10, 64)
	if err != nil {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	fid, err := web.FileID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	d, err := s.Requests.MemberFile(r.Context(), rid, fid, m.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	web.WriteRequestFile(w, d)
}
