package web

import (
	"fmt"
	"net/http"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/card"
	"estateclub/internal/member"
)

// ScopedCard loads the card with number and checks perm where it belongs:
// at the node of the member who holds (or held) it, else at the city
// company whose stock it is. A card beyond the caller's reach does not
// exist for them (404). The holder is returned too, nil for stock.
func (s *Server) ScopedCard(r *http.Request, number string, perm auth.Permission) (*card.Card, *member.Member, error) {
	c, err := s.Cards.Lookup(r.Context(), number)
	if err != nil {
		return nil, nil, err
	}
	path := c.NodePath
	var m *member.Member
	if c.MemberID != nil {
		if m, err = s.Members.Get(r.Context(), *c.MemberID); err != nil {
			return nil, nil, err
		}
		path = m.NodePath
	}
	if err := AuthorizeAt(r, perm, path); err != nil {
		return nil, nil, err
	}
	return c, m, nil
}

// CardScope is where group-wide card settings (designs) live: the group.
func CardScope(r *http.Request) error { return AuthorizeAt(r, auth.CardManage, RootPath) }

// cardHolderFilter makes a member search for a card number (查卡号) a
// search for the card's holder, within the caller's scope as any search.
// It lives here because the member area cannot look cards up: card
// imports member. A well-formed number that is no card is searched as typed.
func (s *Server) cardHolderFilter(r *http.Request, f *member.Filter) error {
	n := card.Normalize(f.Q)
	if !card.ValidNumber(n) {
		return nil
	}
	c, err := s.Cards.Lookup(r.Context(), n)
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

// Yuan shows an amount in fen as yuan: 123456 → "1234.56".
func Yuan(fen int64) string {
	sign := ""
	if fen < 0 {
		sign, fen = "-", -fen
	}
	return fmt.Sprintf("%s%d.%02d", sign, fen/100, fen%100)
}
