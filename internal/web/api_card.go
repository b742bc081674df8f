package web

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/member"
	"estateclub/internal/pii"
)

// scopedCard loads the card with number and checks perm where it belongs:
// at the node of the member who holds (or held) it, else at the city
// company whose stock it is. A card beyond the caller's reach does not
// exist for them (404). The holder is returned too, nil for stock.
func (s *Server) scopedCard(r *http.Request, number string, perm auth.Permission) (*card.Card, *member.Member, error) {
	c, err := s.cards.Lookup(r.Context(), number)
	if err != nil {
		return nil, nil, err
	}
	path := c.NodePath
	var m *member.Member
	if c.MemberID != nil {
		if m, err = s.members.Get(r.Context(), *c.MemberID); err != nil {
			return nil, nil, err
		}
		path = m.NodePath
	}
	if err := authorizeAt(r, perm, path); err != nil {
		return nil, nil, err
	}
	return c, m, nil
}

// memberCard loads the card named by {card} of the member m: another
// member's card is not found here.
func (s *Server) memberCard(r *http.Request, m *member.Member) (*card.Card, error) {
	c, err := s.cards.Lookup(r.Context(), r.PathValue("card"))
	if err != nil {
		return nil, err
	}
	if c.MemberID == nil || *c.MemberID != m.ID {
		return nil, notFoundErr
	}
	return c, nil
}

// cardScope is where group-wide card settings (designs) live: the group.
func cardScope(r *http.Request) error { return authorizeAt(r, auth.CardManage, rootPath) }

func queryID(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, apperr.Field(name, name+" 须为正整数", name+" must be a positive integer")
	}
	return id, nil
}

func (s *Server) apiCardStock(w http.ResponseWriter, r *http.Request) {
	design, err := queryID(r, "design_id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	lines, err := s.cards.Stock(r.Context(), card.StockFilter{Within: principal(r).Paths(auth.CardManage),
		City: r.URL.Query().Get("city"), DesignID: design})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": lines})
}

func (s *Server) apiCardDesigns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, _, err := s.cards.ListDesigns(r.Context(), card.DesignFilter{ActiveOnly: q.Get("active") == "true", Tier: q.Get("tier")})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) apiCardDesignCreate(w http.ResponseWriter, r *http.Request) {
	if err := cardScope(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	var in card.NewDesign
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.cards.CreateDesign(r.Context(), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) apiCardBatches(w http.ResponseWriter, r *http.Request) {
	pg, err := readPaging(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	design, err := queryID(r, "design_id")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, total, err := s.cards.ListBatches(r.Context(), card.BatchFilter{Within: principal(r).Paths(auth.CardManage),
		City: r.URL.Query().Get("city"), DesignID: design, Offset: pg.offset(), Limit: pg.PerPage})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(list, total, pg))
}

func (s *Server) apiCardBatchCreate(w http.ResponseWriter, r *http.Request) {
	var in card.NewBatch
	if err := decodeJSON(r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := s.nodeForWrite(r, "city", in.City, auth.CardManage); err != nil {
		s.apiError(w, r, err)
		return
	}
	b, err := s.cards.CreateBatch(r.Context(), in)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, b)
}

func (s *Server) apiCardGet(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.scopedCard(r, r.PathValue("number"), auth.CardManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiMemberCards(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.MemberRead)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	list, err := s.cards.CardsOf(r.Context(), m.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

// cardIssue is the body of an issue (发卡): the member is in the path and
// the card comes from the stock of the city company they joined in.
type cardIssue struct {
	Number   string        `json:"number"`
	DesignID int64         `json:"design_id"`
	Delivery card.Delivery `json:"delivery"`
	Tracking string        `json:"tracking"`
}

func (s *Server) apiMemberCardIssue(w http.ResponseWriter, r *http.Request) {
	m, err := s.scopedMember(r, auth.CardManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b cardIssue
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	// A member holds one usable card: a second issue is refused (409), so
	// a retried request never hands out two cards.
	c, err := s.cards.Issue(r.Context(), card.IssueRequest{MemberID: m.ID, Number: b.Number, DesignID: b.DesignID,
		Delivery: b.Delivery, Tracking: b.Tracking})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) apiCardDelivery(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.scopedCard(r, r.PathValue("number"), auth.CardManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		DeliveryStatus card.DeliveryStatus `json:"delivery_status"`
		Tracking       string              `json:"tracking"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if c, err = s.cards.UpdateDelivery(r.Context(), c.Number, b.DeliveryStatus, b.Tracking); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiCardLost(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.scopedCard(r, r.PathValue("number"), auth.CardManage)
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
	if c, err = s.cards.ReportLost(r.Context(), c.Number, b.Reason); err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiCardReissue(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.scopedCard(r, r.PathValue("number"), auth.CardManage)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b struct {
		Reason   string        `json:"reason"`
		FeeFen   int64         `json:"fee_fen"`
		Delivery card.Delivery `json:"delivery"`
		Tracking string        `json:"tracking"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := s.cards.Reissue(r.Context(), card.ReissueRequest{Number: c.Number, Reason: b.Reason, FeeFen: b.FeeFen,
		Delivery: b.Delivery, Tracking: b.Tracking})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

// qrCheck is what merchant staff learn from a member's card QR code (扫码验卡):
// whether to accept the card, and whose it is with the name masked; no
// other personal data.
type qrCheck struct {
	Number      string      `json:"number"`
	Status      card.Status `json:"status"`
	StatusLabel string      `json:"status_label"`
	Usable      bool        `json:"usable"`
	MemberName  string      `json:"member_name"`
	Tier        string      `json:"tier"`
}

func (s *Server) apiCardVerifyQR(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Payload string `json:"payload"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	c, err := s.cards.ScanQR(r.Context(), b.Payload)
	if apperr.Is(err, apperr.NotFound) {
		// A code signed by us names a card that exists; say no more than "invalid".
		err = apperr.Field("payload", "二维码无效", "invalid QR code")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	m, err := s.members.Get(r.Context(), *c.MemberID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, qrCheck{Number: c.Number, Status: c.Status, StatusLabel: c.Status.Label(lang(r)),
		Usable: c.Usable() && m.Status == member.Active, MemberName: pii.MaskName(m.Name), Tier: m.Tier})
}

// cardHolderFilter makes a member search for a card number (查卡号) a
// search for the card's holder, within the caller's scope as any search.
// It lives here because the member area cannot look cards up: card
// imports member. A well-formed number that is no card is searched as typed.
func (s *Server) cardHolderFilter(r *http.Request, f *member.Filter) error {
	n := card.Normalize(f.Q)
	if !card.ValidNumber(n) {
		return nil
	}
	c, err := s.cards.Lookup(r.Context(), n)
	if apperr.Is(err, apperr.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	f.Q, f.IDs = "", []int64{}
	if c.MemberID != nil {
		f.IDs = []int64{*c.MemberID}
	}
	return nil
}
