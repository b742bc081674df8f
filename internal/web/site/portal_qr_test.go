package site

import (
	"testing"

	"estateclub/internal/card"
	"estateclub/internal/web"
	"estateclub/internal/web/portal"
)

func TestQRCacheKeepsItsBound(t *testing.T) {
	c := web.NewQRCache(2)
	for _, p := range []string{"EC1.a", "EC1.b", "EC1.c", "EC1.c"} {
		got, err := c.Get(p)
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
	if len(c.Svg) != 2 || len(c.Order) != 2 || c.Svg["EC1.a"] != "" || c.Svg["EC1.c"] == "" {
		t.Fatalf("cache holds %d (%v), want the two newest", len(c.Svg), c.Order)
	}
}

func TestETagMatches(t *testing.T) {
	e := portal.QRETag("EC1.x")
	for _, tc := range []struct {
		header string
		want   bool
	}{{e, true}, {`"a", ` + e, true}, {"W/" + e, true}, {"*", true}, {`"a"`, false}, {"", false}} {
		if got := portal.EtagMatches(tc.header, e); got != tc.want {
			t.Errorf("etagMatches(%q) = %v", tc.header, got)
		}
	}
}
