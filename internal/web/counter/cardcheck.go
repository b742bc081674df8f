package counter

import (
	"net/http"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/member"
	"estateclub/internal/pii"
	"estateclub/internal/web"
)

// The card check (会员卡核验) at an alliance merchant's counter: the
// member shows the QR code of the portal's card page (a scanner types it
// into the field) or the card, whose number is typed. The answer is what
// the counter needs and no more: whether the card may be used, the tier
// and its benefits, and the holder's masked name to compare with the
// person at the counter.

// cardCheck is the answer to one check.
type cardCheck struct {
	Number   string
	Status   card.Status
	Usable   bool
	Name     string // masked
	Tier     string
	Benefits string
	ByQR     bool
}

type cardCheckData struct {
	Check *cardCheck
}

func (s *handler) cardCheckPage(w http.ResponseWriter, r *http.Request) {
	s.Render(w, r, http.StatusOK, "card_check", web.Page{Title: s.Cat.T(web.Lang(r), "cardcheck.title"), Nav: "cardcheck", Data: cardCheckData{}})
}

func (s *handler) cardCheckSubmit(w http.ResponseWriter, r *http.Request) {
	c, err := s.checkCard(r, strings.TrimSpace(r.PostFormValue("code")))
	pg := web.Page{Title: s.Cat.T(web.Lang(r), "cardcheck.title"), Nav: "cardcheck", Data: cardCheckData{Check: c}}
	if err != nil {
		s.FormError(w, r, "card_check", pg, err)
		return
	}
	s.Render(w, r, http.StatusOK, "card_check", pg)
}

// checkCard reads a scanned QR code or a typed card number.
func (s *handler) checkCard(r *http.Request, in string) (*cardCheck, error) {
	if in == "" {
		return nil, apperr.Field("code", "请扫描会员卡二维码或输入卡号", "scan the card's QR code or type its number")
	}
	var c *card.Card
	var err error
	byQR := strings.Count(in, ".") >= 4
	if byQR {
		c, err = s.Cards.ScanQR(r.Context(), in)
	} else if n := card.Normalize(in); card.ValidNumber(n) {
		c, err = s.Cards.Lookup(r.Context(), n)
	} else {
		return nil, apperr.Field("code", "卡号格式不正确", "not a card number")
	}
	if apperr.Is(err, apperr.NotFound) || (err == nil && c.MemberID == nil) {
		// Say no more than "not a member's card" of a number or code.
		return nil, apperr.Field("code", "没有这张会员卡，或二维码无效", "no such member card, or an invalid QR code")
	}
	if err != nil {
		if e := apperr.As(err); e.Code == apperr.Invalid {
			return nil, apperr.Field("code", "二维码无效或已过期，请请会员刷新卡页面", "the QR code is invalid or expired; ask the member to reload the card page")
		}
		return nil, err
	}
	m, err := s.Members.Get(r.Context(), *c.MemberID)
	if err != nil {
		return nil, err
	}
	out := &cardCheck{Number: c.Number, Status: c.Status, Usable: c.Usable() && m.Status == member.Active,
		Name: pii.MaskName(m.Name), Tier: m.Tier, ByQR: byQR}
	tiers, err := s.Members.Tiers(r.Context())
	if err != nil {
		return nil, err
	}
	for _, t := range tiers {
		if t.Code == m.Tier {
			out.Benefits = t.Benefits
		}
	}
	return out, nil
}
