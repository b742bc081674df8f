package pii

import (
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"
)

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestIndexDeterministic(t *testing.T) {
	a, b := mustKeys(t, 1), mustKeys(t, 1)
	got := a.Index(KindMobile, "13812345678")
	if !hex32.MatchString(got) {
		t.Fatalf("Index = %q, want 32 lower-case hex characters", got)
	}
	if got != b.Index(KindMobile, "13812345678") || got != a.Index(KindMobile, "13812345678") {
		t.Fatal("same key and input gave different indexes")
	}
}

func TestIndexSeparation(t *testing.T) {
	k, other := mustKeys(t, 1), mustKeys(t, 2)
	const digits = "110105199001011234"
	values := map[string]string{
		"mobile":           k.Index(KindMobile, "13812345678"),
		"mobile+1":         k.Index(KindMobile, "13812345679"),
		"id":               k.Index(KindIDNumber, digits),
		"same digits, mob": k.Index(KindMobile, digits),
		"other key":        other.Index(KindMobile, "13812345678"),
		"last4":            k.Last4Index(KindMobile, "5678"),
		"last4 as full":    k.Index(KindMobile, "5678"),
		"last4 other key":  other.Last4Index(KindMobile, "5678"),
		"last4 other kind": k.Last4Index(KindIDNumber, "5678"),
	}
	seen := map[string]string{}
	for name, v := range values {
		if !hex32.MatchString(v) {
			t.Errorf("%s = %q, not 32 hex", name, v)
		}
		if prev, ok := seen[v]; ok {
			t.Errorf("%s and %s share index %s", name, prev, v)
		}
		seen[v] = name
	}
}

func TestIndexRevealsNoEncoding(t *testing.T) {
	k := mustKeys(t, 1)
	for _, plain := range []string{"13812345678", "11010519900101123X"} {
		idx := k.Index(KindMobile, plain)
		for _, enc := range []string{
			plain,
			hex.EncodeToString([]byte(plain)),
			base64.StdEncoding.EncodeToString([]byte(plain)),
			base64.RawURLEncoding.EncodeToString([]byte(plain)),
		} {
			if strings.Contains(idx, enc) || strings.Contains(enc, idx) {
				t.Errorf("index %s relates to encoding %s", idx, enc)
			}
		}
	}
}

func TestIndexEmpty(t *testing.T) {
	k := mustKeys(t, 1)
	if got := k.Index(KindMobile, ""); got != "" {
		t.Errorf("Index(\"\") = %q, want \"\"", got)
	}
	if got := k.Last4Index(KindMobile, ""); got != "" {
		t.Errorf("Last4Index(\"\") = %q, want \"\"", got)
	}
}

func TestIndexBadKindPanics(t *testing.T) {
	for _, kind := range []string{"", "mobile:x"} {
		t.Run(kind, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			mustKeys(t, 1).Index(kind, "1")
		})
	}
}
