package web

import (
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
	Svg   map[string]string
	Order []string // insertion order, oldest first
	max   int
}

func NewQRCache(max int) *qrCache { return &qrCache{Svg: map[string]string{}, max: max} }

// Get returns the SVG of payload, drawing it on a miss.
func (c *qrCache) Get(payload string) (string, error) {
	c.mu.Lock()
	svg, ok := c.Svg[payload]
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
	if _, ok := c.Svg[payload]; !ok {
		if len(c.Order) >= c.max {
			delete(c.Svg, c.Order[0])
			c.Order = c.Order[1:]
		}
		c.Svg[payload] = svg
		c.Order = append(c.Order, payload)
	}
	return svg, nil
}
