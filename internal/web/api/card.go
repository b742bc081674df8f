package api

import (
	"net/http"
	"strconv"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/web"
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

// card loads the card named by {number}, checked where it belongs (see
// web.Server.ScopedCard).
func (s *handler) card(r *http.Request, perm auth.Permission) (*card.Card, error) {
	c, _, err := s.ScopedCard(r, r.PathValue("number"), perm)
	return c, err
}

// cardGroup checks, before the body is read, that the caller manages
// cards for the whole group: card designs belong to it.
func cardGroup(r *http.Request, _ auth.Permission) (none, error) {
	return none{}, web.CardScope(r)
}

func (s *handler) cardStock(r *request[none]) (any, error) {
	design, err := queryID(r.Request, "design_id")
	if err != nil {
		return nil, err
	}
	lines, err := s.Cards.Stock(r.Context(), card.StockFilter{Within: r.P.Paths(auth.CardManage),
		City: r.URL.Query().Get("city"), DesignID: design})
	if err != nil {
		return nil, err
	}
	return map[string]any{"items": lines}, nil
}

func (s *handler) cardDesigns(r *request[none]) (any, error) {
	q := r.URL.Query()
	list, _, err := s.Cards.ListDesigns(r.Context(), card.DesignFilter{ActiveOnly: q.Get("active") == "true", Tier: q.Get("tier")})
	if err != nil {
		return nil, err
	}
	return map[string]any{"items": list}, nil
}

func (s *handler) cardDesignCreate(r *request[card.NewDesign], _ none) (any, error) {
	d, err := s.Cards.CreateDesign(r.Context(), r.Body)
	if err != nil {
		return nil, err
	}
	return created(d), nil
}

func (s *handler) cardBatches(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	design, err := queryID(r.Request, "design_id")
	if err != nil {
		return nil, err
	}
	list, total, err := s.Cards.ListBatches(r.Context(), card.BatchFilter{Within: r.P.Paths(auth.CardManage),
		City: r.URL.Query().Get("city"), DesignID: design, Offset: pg.Offset(), Limit: pg.PerPage})
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
}

func (s *handler) cardBatchCreate(r *request[card.NewBatch]) (any, error) {
	if _, err := s.NodeForWrite(r.Request, "city", r.Body.City, auth.CardManage); err != nil {
		return nil, err
	}
	b, err := s.Cards.CreateBatch(r.Context(), r.Body)
	if err != nil {
		return nil, err
	}
	return created(b), nil
}

func (s *handler) cardGet(_ *request[none], c *card.Card) (any, error) { return c, nil }

func (s *handler) memberCards(r *request[none], m *member.Member) (any, error) {
	list, err := s.Cards.CardsOf(r.Context(), m.ID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"items": list}, nil
}

// cardIssue is the body of an issue (发卡): the member is in the path and
// the card comes from the stock of the city company they joined in.
type cardIssue struct {
	Number   string        `json:"number"`
	DesignID int64         `json:"design_id"`
	Delivery card.Delivery `json:"delivery"`
	Tracking string        `json:"tracking"`
}

func (s *handler) memberCardIssue(r *request[cardIssue], m *member.Member) (any, error) {
	// A member holds one usable card: a second issue is refused (409), so
	// a retried request never hands out two cards.
	b := r.Body
	c, err := s.Cards.Issue(r.Context(), card.IssueRequest{MemberID: m.ID, Number: b.Number, DesignID: b.DesignID,
		Delivery: b.Delivery, Tracking: b.Tracking})
	if err != nil {
		return nil, err
	}
	return created(c), nil
}

type cardDeliveryBody struct {
	DeliveryStatus card.DeliveryStatus `json:"delivery_status"`
	Tracking       string              `json:"tracking"`
}

func (s *handler) cardDelivery(r *request[cardDeliveryBody], c *card.Card) (any, error) {
	return s.Cards.UpdateDelivery(r.Context(), c.Number, r.Body.DeliveryStatus, r.Body.Tracking)
}

type cardLostBody struct {
	Reason string `json:"reason"`
}

func (s *handler) cardLost(r *request[cardLostBody], c *card.Card) (any, error) {
	return s.Cards.ReportLost(r.Context(), c.Number, r.Body.Reason)
}

type cardReissueBody struct {
	Reason   string        `json:"reason"`
	FeeFen   int64         `json:"fee_fen"`
	Delivery card.Delivery `json:"delivery"`
	Tracking string        `json:"tracking"`
}

func (s *handler) cardReissue(r *request[cardReissueBody], c *card.Card) (any, error) {
	b := r.Body
	n, err := s.Cards.Reissue(r.Context(), card.ReissueRequest{Number: c.Number, Reason: b.Reason, FeeFen: b.FeeFen,
		Delivery: b.Delivery, Tracking: b.Tracking})
	if err != nil {
		return nil, err
	}
	return created(n), nil
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

type qrBody struct {
	Payload string `json:"payload"`
}

func (s *handler) cardVerifyQR(r *request[qrBody]) (any, error) {
	c, err := s.Cards.ScanQR(r.Context(), r.Body.Payload)
	if apperr.Is(err, apperr.NotFound) {
		// A code signed by us names a card that exists; say no more than "invalid".
		err = apperr.Field("payload", "二维码无效", "invalid QR code")
	}
	if err != nil {
		return nil, err
	}
	m, err := s.Members.Get(r.Context(), *c.MemberID)
	if err != nil {
		return nil, err
	}
	return QRCheck{Number: c.Number, Status: c.Status, StatusLabel: c.Status.Label(web.Lang(r.Request)),
		Usable: c.Usable() && m.Status == member.Active, MemberName: pii.MaskName(m.Name), Tier: m.Tier}, nil
}
