package console

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/validate"
	"estateclub/internal/web"
)

// memberCard loads the card named by {card} of the member m: another
// member's card is not found here.
func (s *handler) memberCard(r *http.Request, m *member.Member) (*card.Card, error) {
	c, err := s.Cards.Lookup(r.Context(), r.PathValue("card"))
	if err != nil {
		return nil, err
	}
	if c.MemberID == nil || *c.MemberID != m.ID {
		return nil, web.NotFoundErr
	}
	return c, nil
}

// cardsData is the membership-card page (会员卡): stock, batches, designs
// and a lookup by card number.
type cardsData struct {
	Stock      []card.StockLine
	Batches    []card.Batch
	BatchTotal int
	Pager      web.Pager // of the batches
	Designs    []card.Design
	Cities     []org.Node // where the caller may put a batch into stock
	Tiers      []member.Tier
	CanDesign  bool // designs belong to the group: group-level holders only
	Number     string
	Found      *card.Card
	Holder     *member.Member
	LookupErr  *apperr.Error
}

func (s *handler) cardsPage(w http.ResponseWriter, r *http.Request, ferr error) {
	ctx, within := r.Context(), web.Principal(r).Paths(auth.CardManage)
	d := cardsData{CanDesign: web.CardScope(r) == nil, Number: strings.TrimSpace(r.URL.Query().Get("number"))}
	pg, err := web.ReadPaging(r)
	if err != nil {
		pg = web.Paging{Page: 1, PerPage: 20}
	} else if !r.URL.Query().Has("per_page") {
		pg.PerPage = 20
	}
	if d.Stock, err = s.Cards.Stock(ctx, card.StockFilter{Within: within}); err == nil {
		d.Batches, d.BatchTotal, err = s.Cards.ListBatches(ctx, card.BatchFilter{Within: within, Offset: pg.Offset(), Limit: pg.PerPage})
		d.Pager = web.NewPager(r, pg, d.BatchTotal, len(d.Batches), false)
	}
	if err == nil {
		d.Designs, _, err = s.Cards.ListDesigns(ctx, card.DesignFilter{})
	}
	if err == nil {
		d.Cities, _, err = s.Org.List(ctx, org.Filter{Within: within, Kind: org.City})
	}
	if err == nil {
		d.Tiers, err = s.Members.Tiers(ctx)
	}
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if d.Number != "" {
		d.Found, d.Holder, err = s.ScopedCard(r, d.Number, auth.CardManage)
		switch e := apperr.As(err); {
		case err == nil:
		case e.Code == apperr.NotFound || e.Code == apperr.Forbidden:
			d.LookupErr = &apperr.Error{Code: apperr.NotFound, ZH: "未找到卡号 " + card.Normalize(d.Number), EN: "no card " + card.Normalize(d.Number)}
		case e.Code == apperr.Invalid:
			d.LookupErr = e
		default:
			s.Fail(w, r, err)
			return
		}
	}
	p := web.Page{Title: s.Cat.T(web.Lang(r), "nav.cards"), Nav: "cards", Data: d}
	if ferr != nil {
		s.FormError(w, r, "cards", p, ferr)
		return
	}
	s.Render(w, r, http.StatusOK, "cards", p)
}

func (s *handler) cardList(w http.ResponseWriter, r *http.Request) { s.cardsPage(w, r, nil) }

func (s *handler) cardDesignCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.CardScope(r); err != nil {
		s.Fail(w, r, err)
		return
	}
	f := r.PostFormValue
	if _, err := s.Cards.CreateDesign(r.Context(), card.NewDesign{Name: f("name"), Tier: f("tier"), Description: f("description")}); err != nil {
		s.cardsPage(w, r, err)
		return
	}
	web.Redirect(w, r, "/cards", "flash.card_design_created")
}

func (s *handler) cardBatchCreate(w http.ResponseWriter, r *http.Request) {
	in, err := batchFromForm(r)
	if err == nil {
		_, err = s.NodeForWrite(r, "city", in.City, auth.CardManage)
	}
	if err == nil {
		_, err = s.Cards.CreateBatch(r.Context(), in)
	}
	if err != nil {
		s.cardsPage(w, r, err)
		return
	}
	web.Redirect(w, r, "/cards", "flash.card_batch_created")
}

// batchFromForm reads the batch form; its cost is in yuan (元).
func batchFromForm(r *http.Request) (card.NewBatch, error) {
	f := r.PostFormValue
	in := card.NewBatch{City: f("city"), Note: f("note")}
	var err error
	if in.DesignID, err = formInt(r, "design_id", "请选择卡面", "choose a card design"); err != nil {
		return in, err
	}
	q, err := formInt(r, "quantity", "数量须为正整数", "the quantity must be a whole number")
	if err != nil {
		return in, err
	}
	in.Quantity = int(min(q, card.MaxBatch+1))
	for _, d := range []struct {
		field string
		dst   *db.Date
	}{{"ordered_on", &in.OrderedOn}, {"produced_on", &in.ProducedOn}, {"received_on", &in.ReceivedOn}} {
		if *d.dst, err = formDate(r, d.field); err != nil {
			return in, err
		}
	}
	in.CostFen, err = parseYuan("cost", f("cost"))
	return in, err
}

// formInt reads a required positive whole number from the form.
func formInt(r *http.Request, field, zh, en string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(validate.Halfwidth(r.PostFormValue(field))), 10, 64)
	if err != nil || n < 1 {
		return 0, apperr.Field(field, zh, en)
	}
	return n, nil
}

// formDate reads an optional YYYY-MM-DD day from the form.
func formDate(r *http.Request, field string) (db.Date, error) {
	v := strings.TrimSpace(r.PostFormValue(field))
	if v == "" {
		return db.Date{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return db.Date{}, apperr.Field(field, "日期格式须为 YYYY-MM-DD", "dates must look like YYYY-MM-DD")
	}
	return db.Date{Time: t}, nil
}

var yuanPattern = regexp.MustCompile(`^([0-9]{1,9})(?:\.([0-9]{1,2}))?$`)

// parseYuan reads an amount typed in yuan (元, "12", "12.5", "¥1,200.00")
// as fen; "" is zero.
func parseYuan(field, v string) (int64, error) {
	v = strings.NewReplacer("¥", "", "￥", "", ",", "", "元", "").Replace(strings.TrimSpace(validate.Halfwidth(v)))
	if v == "" {
		return 0, nil
	}
	m := yuanPattern.FindStringSubmatch(v)
	if m == nil {
		return 0, apperr.Field(field, "金额以元为单位，最多两位小数，不能为负数", "amounts are in yuan, not negative, with at most two decimals")
	}
	yuan, _ := strconv.ParseInt(m[1], 10, 64)
	fen, _ := strconv.ParseInt((m[2] + "00")[:2], 10, 64)
	return yuan*100 + fen, nil
}

// memberCards is the membership-card section of a member's page.
type memberCards struct {
	List     []card.Card
	Current  *card.Card    // the usable card, if any
	CanIssue bool          // no usable card, and no lost one waiting for its reissue (补办)
	Designs  []card.Design // active designs fit for the member's tier
	Delivery []card.Delivery
	Statuses []card.DeliveryStatus
}

func (s *handler) memberCards(r *http.Request, m *member.Member) (memberCards, error) {
	mc := memberCards{Delivery: card.Deliveries, Statuses: card.DeliveryStatuses}
	var err error
	if mc.List, err = s.Cards.CardsOf(r.Context(), m.ID); err != nil {
		return mc, err
	}
	mc.CanIssue = m.Status == member.Active
	for i, c := range mc.List {
		if c.Usable() {
			mc.Current = &mc.List[i]
		}
		if c.Usable() || (c.Status == card.Blocked && c.ReplacedBy == "") {
			mc.CanIssue = false
		}
	}
	if web.Principal(r).CanAt(auth.CardManage, m.NodePath) {
		mc.Designs, _, err = s.Cards.ListDesigns(r.Context(), card.DesignFilter{ActiveOnly: true, Tier: m.Tier})
	}
	return mc, err
}

// memberCardAction runs a card action of the member page and answers with
// the page again: redirected with flash on success, with the error if not.
func (s *handler) memberCardAction(w http.ResponseWriter, r *http.Request, flash string, act func(m *member.Member) error) {
	m, err := s.ScopedMember(r, auth.CardManage)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := act(m); err != nil {
		e := apperr.As(err)
		if e.Code == apperr.NotFound || e.Code == apperr.Forbidden || e.Code == apperr.Internal {
			s.Fail(w, r, err)
			return
		}
		s.memberPage(w, r, m, nil, apperr.HTTPStatus(e.Code), "", err)
		return
	}
	web.Redirect(w, r, "/members/"+strconv.FormatInt(m.ID, 10), flash)
}

func (s *handler) memberCardIssue(w http.ResponseWriter, r *http.Request) {
	s.memberCardAction(w, r, "flash.card_issued", func(m *member.Member) error {
		f := r.PostFormValue
		req := card.IssueRequest{MemberID: m.ID, Number: f("number"), Delivery: card.Delivery(f("delivery")), Tracking: f("tracking")}
		if v := f("design_id"); v != "" {
			var err error
			if req.DesignID, err = formInt(r, "design_id", "请选择卡面", "choose a card design"); err != nil {
				return err
			}
		}
		_, err := s.Cards.Issue(r.Context(), req)
		return err
	})
}

func (s *handler) memberCardLost(w http.ResponseWriter, r *http.Request) {
	s.memberCardAction(w, r, "flash.card_lost", func(m *member.Member) error {
		c, err := s.memberCard(r, m)
		if err == nil {
			_, err = s.Cards.ReportLost(r.Context(), c.Number, r.PostFormValue("reason"))
		}
		return err
	})
}

func (s *handler) memberCardReissue(w http.ResponseWriter, r *http.Request) {
	s.memberCardAction(w, r, "flash.card_reissued", func(m *member.Member) error {
		c, err := s.memberCard(r, m)
		if err != nil {
			return err
		}
		fee, err := parseYuan("fee", r.PostFormValue("fee"))
		if err != nil {
			return err
		}
		_, err = s.Cards.Reissue(r.Context(), card.ReissueRequest{Number: c.Number, Reason: r.PostFormValue("reason"), FeeFen: fee,
			Delivery: card.Delivery(r.PostFormValue("delivery")), Tracking: r.PostFormValue("tracking")})
		return err
	})
}

func (s *handler) memberCardDelivery(w http.ResponseWriter, r *http.Request) {
	s.memberCardAction(w, r, "flash.card_delivery", func(m *member.Member) error {
		c, err := s.memberCard(r, m)
		if err == nil {
			_, err = s.Cards.UpdateDelivery(r.Context(), c.Number, card.DeliveryStatus(r.PostFormValue("delivery_status")), r.PostFormValue("tracking"))
		}
		return err
	})
}

// memberCardQR serves the QR code of a member's usable card as an SVG
// image. The code identifies the member, so it is never cached.
func (s *handler) memberCardQR(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberRead)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	c, err := s.memberCard(r, m)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	payload, err := s.Cards.QRFor(c)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	svg, err := card.QRSVG(payload, 200)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(svg))
}
