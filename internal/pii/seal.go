package pii

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"

	"estateclub/internal/apperr"
)

// versionAESGCM is the first byte of every ciphertext. A later key or
// algorithm gets a new version, so old and new rows can be told apart while
// they are re-encrypted.
const versionAESGCM byte = 1

const nonceSize = 12 // the standard GCM nonce

// ErrCorrupt means a ciphertext could not be opened: it was altered, moved
// to another row or column, or sealed with a different key.
var ErrCorrupt = errors.New("pii: ciphertext cannot be opened (tampered, moved, or wrong key)")

// AAD names the column and row a ciphertext belongs to, such as
// AAD("member.mobile", 42) = "member.mobile:42". Seal and Open must be given
// the same value.
func AAD(column string, rowID int64) string {
	return column + ":" + strconv.FormatInt(rowID, 10)
}

// Seal encrypts plain with AES-256-GCM. aad binds the ciphertext to its
// column and row (see AAD), so a ciphertext copied elsewhere fails to open.
// The result is version byte | 12-byte random nonce | ciphertext and tag.
// An empty plain gives nil, to be stored as NULL.
func (k *Keys) Seal(plain, aad string) ([]byte, error) {
	if plain == "" {
		return nil, nil
	}
	if aad == "" {
		return nil, errors.New("pii: seal: empty AAD would let a ciphertext move between rows")
	}
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+k.aead.Overhead())
	out[0] = versionAESGCM
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("pii: seal: nonce: %w", err)
	}
	return k.aead.Seal(out, out[1:], []byte(plain), additional(out[0], aad)), nil
}

// Open decrypts a ciphertext made by Seal with the same aad. A nil or empty
// ciphertext (a NULL column) gives "". Any alteration gives an error that
// wraps ErrCorrupt.
func (k *Keys) Open(ct []byte, aad string) (string, error) {
	if len(ct) == 0 {
		return "", nil
	}
	if ct[0] != versionAESGCM {
		return "", corrupt(fmt.Errorf("unknown ciphertext version %d: %w", ct[0], ErrCorrupt))
	}
	if len(ct) < 1+nonceSize+k.aead.Overhead() {
		return "", corrupt(fmt.Errorf("ciphertext too short (%d bytes): %w", len(ct), ErrCorrupt))
	}
	plain, err := k.aead.Open(nil, ct[1:1+nonceSize], ct[1+nonceSize:], additional(ct[0], aad))
	if err != nil {
		return "", corrupt(fmt.Errorf("%v: %w", err, ErrCorrupt))
	}
	return string(plain), nil
}

// additional authenticates the version byte too, so it cannot be swapped.
func additional(version byte, aad string) []byte {
	return append([]byte{version}, aad...)
}

func corrupt(err error) error {
	return &apperr.Error{
		Code: apperr.Internal,
		ZH:   "会员个人信息无法解密，请联系管理员核对密钥",
		EN:   "member personal data cannot be decrypted; ask an administrator to check the key",
		Err:  err,
	}
}
