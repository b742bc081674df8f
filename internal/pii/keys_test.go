package pii

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"estateclub/internal/apperr"
)

func TestNewKeysLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			_, err := NewKeys(make([]byte, n))
			if !apperr.Is(err, apperr.Invalid) {
				t.Fatalf("NewKeys(%d bytes) err = %v, want invalid", n, err)
			}
		})
	}
}

func TestDerivedKeysAreDistinct(t *testing.T) {
	k := mustKeys(t, 7)
	master := bytes.Repeat([]byte{7}, KeySize)
	keys := map[string][]byte{"enc": k.encKey[:], "index": k.indexKey[:], "last4": k.last4Key[:], "master": master}
	for a, ka := range keys {
		for b, kb := range keys {
			if a < b && bytes.Equal(ka, kb) {
				t.Errorf("%s key equals %s key", a, b)
			}
		}
	}
}

func TestNewKeysDeterministic(t *testing.T) {
	if !sameKeys(mustKeys(t, 1), mustKeys(t, 1)) {
		t.Fatal("same master gave different keys")
	}
	a, b := mustKeys(t, 1), mustKeys(t, 2)
	if a.encKey == b.encKey || a.indexKey == b.indexKey || a.ID() == b.ID() {
		t.Fatal("different masters share a derived key or ID")
	}
	if len(a.ID()) != 16 {
		t.Errorf("ID %q, want 16 hex characters", a.ID())
	}
}

func TestKeysNotPrinted(t *testing.T) {
	k := mustKeys(t, 0xAB)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		out := fmt.Sprintf(verb, k)
		if strings.Contains(out, "171 171") || strings.Contains(strings.ToLower(out), "abab") || !strings.Contains(out, k.ID()) {
			t.Errorf("Sprintf(%s) = %q, want only the key ID", verb, out)
		}
	}
}

func TestCardQRSecretIsItsOwnKey(t *testing.T) {
	k, err := NewKeys(bytes.Repeat([]byte{3}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	s := k.CardQRSecret()
	if len(s) != KeySize || bytes.Equal(s, k.encKey[:]) || bytes.Equal(s, k.indexKey[:]) || bytes.Equal(s, k.last4Key[:]) {
		t.Fatal("the QR secret must be a separate 32-byte key")
	}
	k2, _ := NewKeys(bytes.Repeat([]byte{3}, KeySize))
	if !bytes.Equal(s, k2.CardQRSecret()) {
		t.Fatal("the QR secret must be the same on every server with the same master key")
	}
	s[0] ^= 1
	if bytes.Equal(s, k.CardQRSecret()) {
		t.Fatal("callers can change the key through the returned slice")
	}
}
