package web

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"sync"

	"estateclub/internal/card"
)

// qrCacheSize bounds the drawn QR codes kept in memory: a few KB each.
const qrCacheSize = 4096

// qrCache keeps the SVG of each card's QR payload once drawn. A payload
// names the card, its member and its issue time and is signed, so it never
// changes while the card is in use; a reissued card has a new payload and
// so a new entry. When full, the oldest entry goes.
type qrCache struct {
	mu    sync.Mutex
	svg   map[string]string
	order []string // insertion order, oldest first
	max   int
}

func newQRCache(max int) *qrCache { return &qrCache{svg: map[string]string{}, max: max} }

// get returns the SVG of payload, drawing it on a miss.
func (c *qrCache) get(payload string) (string, error) {
	c.mu.Lock()
	svg, ok := c.svg[payload]
	c.mu.Unlock()
	if ok {
		return svg, nil
	}
	svg, err := card.QRSVG(payload, 280)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.svg[payload]; !ok {
		if len(c.order) >= c.max {
			delete(c.svg, c.order[0])
			c.order = c.order[1:]
		}
		c.svg[payload] = svg
		c.order = append(c.order, payload)
	}
	return svg, nil
}

// qrETag is the validator of a payload's image: a digest, so the payload
// itself never appears in a header.
func qrETag(payload string) string {
	sum := sha256.Sum256([]byte(payload))
	return `"qr-` + hex.EncodeToString(sum[:16]) + `"`
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
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
func (s *Server) mCardQR(w http.ResponseWriter, r *http.Request) {
	ms := memberSession(r)
	if ms == nil || ms.MemberID == 0 {
		s.fail(w, r, errPortalSignIn)
		return
	}
	cards, err := s.cards.CardsOf(r.Context(), ms.MemberID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var c *card.Card
	for i := range cards {
		if cards[i].Usable() {
			c = &cards[i]
		}
	}
	if c == nil {
		s.fail(w, r, notFoundErr)
		return
	}
	payload, err := s.cards.QRFor(c)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	etag := qrETag(payload)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Vary", "Cookie")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	svg, err := s.qr.get(payload)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, _ = io.WriteString(w, svg)
}
