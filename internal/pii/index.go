package pii

import (
	"encoding/hex"
	"strings"
)

// Kinds of blind index. The kind goes into the hashed message, so the same
// digits as a mobile and as an ID number give unrelated index values.
const (
	KindMobile   = "mobile"
	KindIDNumber = "id_number"
)

// indexLen is 128 bits of HMAC output: collisions stay negligible for any
// club's size, and the column stays short.
const indexLen = 32

// Index is the blind index of a normalised value (see NormalizeMobile and
// NormalizeIDNumber): hex(HMAC-SHA256(indexKey, kind+":"+normalized)) cut to
// 32 hex characters. Store it beside the ciphertext and look rows up by it;
// without the key it cannot be reversed or recomputed. An empty value gives
// "" (store NULL), so members without a mobile do not share one index.
// kind is a constant such as KindMobile and must not contain ':'.
func (k *Keys) Index(kind, normalized string) string {
	return indexOf(k.indexKey[:], kind, normalized)
}

// Last4Index is the blind index of the last four digits of a mobile, for the
// front desk's "search by last 4" box. It uses its own key, so the column
// reveals nothing about the full Index column. With only 10,000 values it
// groups members; it must never be the only check of who someone is.
func (k *Keys) Last4Index(kind, last4 string) string {
	return indexOf(k.last4Key[:], kind, last4)
}

func indexOf(key []byte, kind, value string) string {
	if kind == "" || strings.Contains(kind, ":") {
		// A programming error: kind "a:b" with "c" and kind "a" with "b:c"
		// would hash the same message.
		panic("pii: invalid index kind " + kind)
	}
	if value == "" {
		return ""
	}
	return hex.EncodeToString(hmacSum(key, kind+":"+value))[:indexLen]
}
