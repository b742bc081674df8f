package pii

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"

	"estateclub/internal/apperr"
)

func TestSealOpenRoundTrip(t *testing.T) {
	k := mustKeys(t, 1)
	tests := []struct{ name, plain string }{
		{"mobile", "13812345678"},
		{"id number", "11010519900101123X"},
		{"chinese address", "北京市朝阳区建国路88号院3号楼1单元1201室"},
		{"full-width", "１３８１２３４５６７８"},
		{"emoji and nul", "家🏠\x00end"},
		{"one byte", "a"},
		{"long", string(bytes.Repeat([]byte("广东省深圳市"), 500))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aad := AAD("member.address", 42)
			ct, err := k.Seal(tt.plain, aad)
			if err != nil {
				t.Fatal(err)
			}
			// The body must be the AES-256-GCM encryption of the plaintext
			// under the derived key and the stored nonce: computed here
			// independently, this cannot hold by chance (a search for the
			// plaintext bytes in random output can, for short values).
			if want := independentSeal(t, k, ct[1:1+nonceSize], tt.plain, aad); !bytes.Equal(ct[1+nonceSize:], want) {
				t.Fatalf("body = %x, want the AES-GCM encryption %x", ct[1+nonceSize:], want)
			}
			if len(tt.plain) >= 8 && bytes.Contains(ct, []byte(tt.plain)) {
				t.Fatal("ciphertext contains the plaintext")
			}
			again, err := k.Seal(tt.plain, aad)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(again[1:1+nonceSize], ct[1:1+nonceSize]) {
				t.Fatal("two seals of the same value reused a nonce")
			}
			if got, want := len(ct), 1+12+len(tt.plain)+16; got != want {
				t.Errorf("len = %d, want %d", got, want)
			}
			got, err := k.Open(ct, aad)
			if err != nil || got != tt.plain {
				t.Fatalf("Open = %q, %v; want %q", got, err, tt.plain)
			}
		})
	}
}

func TestSealEmpty(t *testing.T) {
	k := mustKeys(t, 1)
	ct, err := k.Seal("", "member.mobile:1")
	if ct != nil || err != nil {
		t.Fatalf("Seal(\"\") = %v, %v; want nil, nil", ct, err)
	}
	for _, ct := range [][]byte{nil, {}} {
		if got, err := k.Open(ct, "member.mobile:1"); got != "" || err != nil {
			t.Fatalf("Open(%v) = %q, %v; want \"\", nil", ct, got, err)
		}
	}
}

func TestSealEmptyAAD(t *testing.T) {
	if _, err := mustKeys(t, 1).Seal("13812345678", ""); err == nil {
		t.Fatal("Seal with empty AAD succeeded")
	}
}

func TestAAD(t *testing.T) {
	if got := AAD("member.mobile", 42); got != "member.mobile:42" {
		t.Fatalf("AAD = %q", got)
	}
}

func TestOpenFails(t *testing.T) {
	k := mustKeys(t, 1)
	ct, err := k.Seal("13812345678", AAD("member.mobile", 42))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		c := bytes.Clone(ct)
		c[i] ^= 0x01
		return c
	}
	tests := []struct {
		name string
		keys *Keys
		ct   []byte
		aad  string
	}{
		{"other row", k, ct, AAD("member.mobile", 43)},
		{"other column", k, ct, AAD("member.id_number", 42)},
		{"empty aad", k, ct, ""},
		{"other key", mustKeys(t, 2), ct, AAD("member.mobile", 42)},
		{"flipped version", k, flip(0), AAD("member.mobile", 42)},
		{"flipped nonce", k, flip(5), AAD("member.mobile", 42)},
		{"flipped body", k, flip(14), AAD("member.mobile", 42)},
		{"flipped tag", k, flip(len(ct) - 1), AAD("member.mobile", 42)},
		{"truncated", k, ct[:len(ct)-1], AAD("member.mobile", 42)},
		{"only header", k, ct[:13], AAD("member.mobile", 42)},
		{"appended", k, append(bytes.Clone(ct), 0), AAD("member.mobile", 42)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.keys.Open(tt.ct, tt.aad)
			if err == nil {
				t.Fatalf("Open succeeded with %q", got)
			}
			if !errors.Is(err, ErrCorrupt) || !apperr.Is(err, apperr.Internal) {
				t.Errorf("err = %v, want ErrCorrupt as an internal apperr", err)
			}
			if got != "" {
				t.Errorf("Open returned %q on failure", got)
			}
		})
	}
}

func TestEveryBitFlipFails(t *testing.T) {
	k := mustKeys(t, 1)
	ct, _ := k.Seal("欧阳娜娜", "member.name:7")
	for i := range ct {
		for bit := range 8 {
			c := bytes.Clone(ct)
			c[i] ^= 1 << bit
			if _, err := k.Open(c, "member.name:7"); err == nil {
				t.Fatalf("flip of byte %d bit %d went unnoticed", i, bit)
			}
		}
	}
}

func TestVersionByte(t *testing.T) {
	k := mustKeys(t, 1)
	ct, _ := k.Seal("13812345678", "member.mobile:1")
	if ct[0] != 1 {
		t.Fatalf("version = %d, want 1", ct[0])
	}
	ct[0] = 2
	if _, err := k.Open(ct, "member.mobile:1"); err == nil {
		t.Fatal("unknown version opened")
	}
}

func TestNonceUnique(t *testing.T) {
	k := mustKeys(t, 1)
	seen := map[string]bool{}
	var first []byte
	for i := range 1000 {
		ct, err := k.Seal("13812345678", "member.mobile:1")
		if err != nil {
			t.Fatal(err)
		}
		nonce := string(ct[1:13])
		if seen[nonce] {
			t.Fatalf("nonce repeated after %d seals", i)
		}
		seen[nonce] = true
		if first != nil && bytes.Equal(first, ct) {
			t.Fatal("same plaintext gave the same ciphertext")
		}
		first = ct
	}
}

func FuzzSealOpen(f *testing.F) {
	f.Add("13812345678", "member.mobile:1")
	f.Add("北京市朝阳区", "member.address:99")
	f.Add("", "x")
	f.Add("\xff\xfe", "member.name:0")
	k := mustKeys(f, 9)
	f.Fuzz(func(t *testing.T, plain, aad string) {
		ct, err := k.Seal(plain, aad)
		if aad == "" && plain != "" {
			if err == nil {
				t.Fatal("empty AAD accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.Open(ct, aad)
		if err != nil || got != plain {
			t.Fatalf("round trip = %q, %v; want %q", got, err, plain)
		}
		if plain != "" {
			if _, err := k.Open(ct, aad+"x"); err == nil {
				t.Fatal("opened with another AAD")
			}
		}
	})
}

// independentSeal encrypts plain with AES-256-GCM under k's encryption key
// and the given nonce, built from the standard library alone.
func independentSeal(t *testing.T, k *Keys, nonce []byte, plain, aad string) []byte {
	t.Helper()
	block, err := aes.NewCipher(k.encKey[:])
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return gcm.Seal(nil, nonce, []byte(plain), append([]byte{versionAESGCM}, aad...))
}
