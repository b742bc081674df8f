package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/web"
	"net/http"
	"strconv"
)

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

func (s *handler) apiCardStock(w http.ResponseWriter, r *http.Request) {
	design, err := queryID(r, "design_id")
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	lines, err := s.Cards.Stock(r.Context(), card.StockFilter{Within: web.Principal(r).Paths(auth.CardManage),
		City: r.URL.Query().Get("city"), DesignID: design})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": lines})
}

func (s *handler) apiCardDesigns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	list, _, err := s.Cards.ListDesigns(r.Context(), card.DesignFilter{ActiveOnly: q.Get("active") == "true", Tier: q.Get("tier")})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *handler) apiCardDesignCreate(w http.ResponseWriter, r *http.Request) {
	if err := web.CardScope(r); err != nil {
		s.APIError(w, r, err)
		return
	}
	var in card.NewDesign
	if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	d, err := s.Cards.CreateDesign(r.Context(), in)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, d)
}

func (s *handler) apiCardBatches(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	design, err := queryID(r, "design_id")
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	list, total, err := s.Cards.ListBatches(r.Context(), card.BatchFilter{Within: web.Principal(r).Paths(auth.CardManage),
		City: r.URL.Query().Get("city"), DesignID: design, Offset: pg.Offset(), Limit: pg.PerPage})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, pg))
}

func (s *handler) apiCardBatchCreate(w http.ResponseWriter, r *http.Request) {
	var in card.NewBatch
	if err := web.DecodeJSON(r, &in); err != nil {
		s.APIError(w, r, err)
		return
	}
	if _, err := s.NodeForWrite(r, "city", in.City, auth.CardManage); err != nil {
		s.APIError(w, r, err)
		return
	}
	b, err := s.Cards.CreateBatch(r.Context(), in)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, b)
}

func (s *handler) apiCardGet(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.ScopedCard(r, r.PathValue("number"), auth.CardManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (s *handler) apiMemberCards(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.MemberRead)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	list, err := s.Cards.CardsOf(r.Context(), m.ID)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": list})
}

// cardIssue is the body of an issue (发卡): the member is in the path and
// the card comes from the stock of the city company they joined in.
type cardIssue struct {
	Number   string        `json:"number"`
	DesignID int64         `json:"design_id"`
	Delivery card.Delivery `json:"delivery"`
	Tracking string        `json:"tracking"`
}

func (s *handler) apiMemberCardIssue(w http.ResponseWriter, r *http.Request) {
	m, err := s.ScopedMember(r, auth.CardManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b cardIssue
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	// A member holds one usable card: a second issue is refused (409), so
	// a retried request never hands out two cards.
	c, err := s.Cards.Issue(r.Context(), card.IssueRequest{MemberID: m.ID, Number: b.Number, DesignID: b.DesignID,
		Delivery: b.Delivery, Tracking: b.Tracking})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, c)
}

func (s *handler) apiCardDelivery(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.ScopedCard(r, r.PathValue("number"), auth.CardManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		DeliveryStatus card.DeliveryStatus `json:"delivery_status"`
		Tracking       string              `json:"tracking"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if c, err = s.Cards.UpdateDelivery(r.Context(), c.Number, b.DeliveryStatus, b.Tracking); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (s *handler) apiCardLost(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.ScopedCard(r, r.PathValue("number"), auth.CardManage)
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
	if c, err = s.Cards.ReportLost(r.Context(), c.Number, b.Reason); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, c)
}

func (s *handler) apiCardReissue(w http.ResponseWriter, r *http.Request) {
	c, _, err := s.ScopedCard(r, r.PathValue("number"), auth.CardManage)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Reason   string        `json:"reason"`
		FeeFen   int64         `json:"fee_fen"`
		Delivery card.Delivery `json:"delivery"`
		Tracking string        `json:"tracking"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	n, err := s.Cards.Reissue(r.Context(), card.ReissueRequest{Number: c.Number, Reason: b.Reason, FeeFen: b.FeeFen,
		Delivery: b.Delivery, Tracking: b.Tracking})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, n)
}

// QRCheck is what merchant staff learn from a member's card QR code (扫码验卡):
// whether to accept the card, and whose it is with the name masked; no
// other personal data.
type QRCheck struct {
	Number      string      `json:"number"`
	Status      card.Status `json:"status"`
	StatusLabel string      `json:"status_label"`
	Usable      bool        `json:"usable"`
	MemberName  string      `json:"member_name"`
	Tier        string      `json:"tier"`
}

func (s *handler) apiCardVerifyQR(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Payload string `json:"payload"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	c, err := s.Cards.ScanQR(r.Context(), b.Payload)
	if apperr.Is(err, apperr.NotFound) {
		// A code signed by us names a card that exists; say no more than "invalid".
		err = apperr.Field("payload", "二维码无效", "invalid QR code")
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	m, err := s.Members.Get(r.Context(), *c.MemberID)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, QRCheck{Number: c.Number, Status: c.Status, StatusLabel: c.Status.Label(web.Lang(r)),
		Usable: c.Usable() && m.Status == member.Active, MemberName: pii.MaskName(m.Name), Tier: m.Tier})
}
