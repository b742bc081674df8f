package pii

import (
	"bytes"
	"testing"
)

// mustKeys derives Keys from a master secret of 32 copies of b.
func mustKeys(t testing.TB, b byte) *Keys {
	t.Helper()
	k, err := NewKeys(bytes.Repeat([]byte{b}, KeySize))
	if err != nil {
		t.Fatalf("NewKeys: %v", err)
	}
	return k
}

// sameKeys compares all derived key material.
func sameKeys(a, b *Keys) bool {
	return a.encKey == b.encKey && a.indexKey == b.indexKey && a.last4Key == b.last4Key && a.id == b.id
}
