package web

import (
	"testing"

	"estateclub/internal/card"
)

func TestQRCacheKeepsItsBound(t *testing.T) {
	c := newQRCache(2)
	for _, p := range []string{"EC1.a", "EC1.b", "EC1.c", "EC1.c"} {
		got, err := c.get(p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := card.QRSVG(p, 280)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("%s: the cached image differs from a fresh drawing", p)
		}
	}
	if len(c.svg) != 2 || len(c.order) != 2 || c.svg["EC1.a"] != "" || c.svg["EC1.c"] == "" {
		t.Fatalf("cache holds %d (%v), want the two newest", len(c.svg), c.order)
	}
}

func TestETagMatches(t *testing.T) {
	e := qrETag("EC1.x")
	for _, tc := range []struct {
		header string
		want   bool
	}{{e, true}, {`"a", ` + e, true}, {"W/" + e, true}, {"*", true}, {`"a"`, false}, {"", false}} {
		if got := etagMatches(tc.header, e); got != tc.want {
			t.Errorf("etagMatches(%q) = %v", tc.header, got)
		}
	}
}
