// Package pii protects members' personal data (个人信息): mobile numbers, ID
// numbers and addresses are encrypted at rest, looked up through keyed
// hashes (blind indexes), and shown masked unless a role may reveal them.
//
// The keys never live in the database: they come from ESTATECLUB_KEY or from
// a key file in the data dir (see LoadKeys). A database copy without the key
// shows no plain mobile or ID number.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"golang.org/x/crypto/hkdf"

	"estateclub/internal/apperr"
)

// KeySize is the length in bytes of the master secret and of each derived key.
const KeySize = 32

// The info strings make each derived key independent: knowing (or leaking)
// the index key says nothing about the encryption key, and vice versa. They
// are part of the stored data's format; changing one makes old data unreadable.
const (
	infoEncrypt = "estateclub/pii/v1/encrypt"
	infoIndex   = "estateclub/pii/v1/blind-index"
	infoLast4   = "estateclub/pii/v1/last4-index"
	infoID      = "estateclub/pii/v1/key-id"
	infoCardQR  = "estateclub/card/v1/qr"
)

// Keys holds the keys derived from one master secret: a 32-byte AES-256-GCM
// key for Seal and Open and separate 32-byte HMAC keys for Index and
// Last4Index. It is safe for concurrent use.
type Keys struct {
	encKey   [KeySize]byte
	indexKey [KeySize]byte
	last4Key [KeySize]byte
	qrKey    [KeySize]byte
	aead     cipher.AEAD
	id       string
}

// NewKeys derives Keys from a 32-byte master secret with HKDF-SHA256. The
// caller may clear master afterwards; Keys keeps only derived keys.
func NewKeys(master []byte) (*Keys, error) {
	if len(master) != KeySize {
		return nil, &apperr.Error{
			Code: apperr.Invalid,
			ZH:   fmt.Sprintf("主密钥必须是 %d 字节，实际 %d 字节", KeySize, len(master)),
			EN:   fmt.Sprintf("master key must be %d bytes, got %d", KeySize, len(master)),
		}
	}
	k := &Keys{}
	for _, d := range []struct {
		info string
		dst  []byte
	}{
		{infoEncrypt, k.encKey[:]},
		{infoIndex, k.indexKey[:]},
		{infoLast4, k.last4Key[:]},
		{infoCardQR, k.qrKey[:]},
	} {
		if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(d.info)), d.dst); err != nil {
			return nil, fmt.Errorf("derive %s key: %w", d.info, err)
		}
	}
	block, err := aes.NewCipher(k.encKey[:])
	if err != nil {
		return nil, fmt.Errorf("aes cipher: %w", err)
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return nil, fmt.Errorf("gcm: %w", err)
	}
	var id [8]byte
	if _, err := io.ReadFull(hkdf.New(sha256.New, master, nil, []byte(infoID)), id[:]); err != nil {
		return nil, fmt.Errorf("derive key id: %w", err)
	}
	k.id = hex.EncodeToString(id[:])
	return k, nil
}

// CardQRSecret is the key that signs membership-card QR codes, derived from
// the same master secret so that every server of a club signs alike.
func (k *Keys) CardQRSecret() []byte { return append([]byte(nil), k.qrKey[:]...) }

// ID is a short public fingerprint of the master secret (16 hex characters).
// It may be logged and stored in the database: at start-up the caller can
// compare it with the stored one and refuse to run with a different key (for
// example a freshly created one because the key file was lost), instead of
// writing rows that no longer match the old ones.
func (k *Keys) ID() string { return k.id }

// String keeps key material out of logs and error messages.
func (k *Keys) String() string { return "pii.Keys{id:" + k.id + "}" }

// GoString keeps key material out of %#v output.
func (k *Keys) GoString() string { return k.String() }

func hmacSum(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
