package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"estateclub/internal/card"
	"estateclub/internal/web"
)

// QRETag is the validator of a payload's image: a digest, so the payload
// itself never appears in a header.
func QRETag(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return `"qr-` + hex.EncodeToString(sum[:16]) + `"`
}

// EtagMatches reports whether an If-None-Match header names etag.
func EtagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/"))
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// mCardQR serves the signed QR code of the member's own usable card: it
// reads only the member's cards, answers 304 when the browser holds this
// card's image, and draws an image once per card. The browser must
// revalidate every time (no-cache), so a card reported lost stops showing
// at once.
func (s *handler) mCardQR(w http.ResponseWriter, r *http.Request) {
	ms := memberSession(r)
	if ms == nil || ms.MemberID == 0 {
		s.Fail(w, r, web.ErrPortalSignIn)
		return
	}
	cards, err := s.Cards.CardsOf(r.Context(), ms.MemberID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var c *card.Card
	for i := range cards {
		if cards[i].Usable() {
			c = &cards[i]
		}
	}
	if c == nil {
		s.Fail(w, r, web.NotFoundErr)
		return
	}
	payload, err := s.Cards.QRFor(c)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	etag := QRETag(payload)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Cookie")
	if EtagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	svg, err := s.QR.Get(payload)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = io.WriteString(w, svg)
}
