package card

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/validate"
)

// DefaultPrefix is the number prefix of a group that has not set its own.
const DefaultPrefix = "HC"

// MaxSeq is the largest sequence a card number holds (nine digits).
const MaxSeq = 999_999_999

// seqDigits is the width of the zero-padded sequence in a card number.
const seqDigits = 9

var prefixPattern = regexp.MustCompile(`^[A-Z0-9]{2,6}$`)

// ValidPrefix reports whether p can start a card number (卡号前缀): 2–6
// upper-case letters or digits.
func ValidPrefix(p string) bool { return prefixPattern.MatchString(p) }

// Number makes the card number (卡号) of a sequence: the prefix, the
// sequence zero-padded to nine digits, and a Luhn check digit, e.g.
// Number("HC", 1) = "HC0000000015".
//
// The check digit covers the prefix too: each prefix character counts as
// its base-36 value written in decimal (0–9 as themselves, A = 10 … Z = 35,
// as ISIN numbers do), followed by the sequence's digits. So every
// single-digit error and every swap of two adjacent digits in the numeric
// part is caught, except the swap 09 ↔ 90, which Luhn cannot see; a mistyped
// prefix letter is caught in most cases and otherwise finds no card.
//
// Number panics on a prefix that fails ValidPrefix or a sequence outside
// 1..MaxSeq: callers check both first.
func Number(prefix string, seq int64) string {
	if !ValidPrefix(prefix) || seq < 1 || seq > MaxSeq {
		panic(fmt.Sprintf("card.Number(%q, %d): bad prefix or sequence", prefix, seq))
	}
	body := prefix + fmt.Sprintf("%0*d", seqDigits, seq)
	return body + strconv.Itoa(int(luhnCheckDigit(body)))
}

// ValidNumber reports whether s is a well-formed card number whose check
// digit is right. s must be in canonical form (see Normalize).
func ValidNumber(s string) bool {
	_, _, ok := ParseNumber(s)
	return ok
}

// ParseNumber splits a valid card number into its prefix and sequence.
func ParseNumber(s string) (prefix string, seq int64, ok bool) {
	n := len(s) - seqDigits - 1
	if n < 2 || n > 6 || !ValidPrefix(s[:n]) {
		return "", 0, false
	}
	for i := n; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", 0, false
		}
	}
	seq, err := strconv.ParseInt(s[n:len(s)-1], 10, 64)
	if err != nil || seq < 1 {
		return "", 0, false
	}
	if luhnCheckDigit(s[:len(s)-1]) != s[len(s)-1]-'0' {
		return "", 0, false
	}
	return s[:n], seq, true
}

// Normalize turns a card number as typed or scanned into canonical form:
// full-width characters folded, letters upper-cased, spaces and hyphens
// dropped ("hc 0000-0000 15" → "HC0000000015").
func Normalize(s string) string {
	s = strings.ToUpper(validate.Halfwidth(s))
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t', '\u00a0', '\u200b':
			return -1
		}
		return r
	}, s)
}

// checkNumber normalises a number from input and rejects a malformed one
// or a typo (wrong check digit) with an error about field.
func checkNumber(field, s string) (string, error) {
	n := Normalize(s)
	if n == "" {
		return "", apperr.Field(field, "请填写卡号", "the card number is required")
	}
	if !ValidNumber(n) {
		return "", apperr.Field(field, "卡号 "+n+" 有误，请核对", "card number "+n+" is not valid; check it for typos")
	}
	return n, nil
}

// luhnCheckDigit computes the Luhn check digit of body (prefix and
// sequence, without the check digit).
func luhnCheckDigit(body string) byte {
	digits := luhnDigits(body)
	sum := 0
	// The check digit will stand to the right, so the rightmost digit of
	// the body is the first one doubled.
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i])
		if (len(digits)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return byte((10 - sum%10) % 10)
}

// luhnDigits spells body as decimal digits: 0–9 as themselves, A–Z as
// their base-36 value 10–35.
func luhnDigits(body string) []byte {
	out := make([]byte, 0, len(body)+6)
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			out = append(out, c-'0')
		case c >= 'A' && c <= 'Z':
			v := c - 'A' + 10
			out = append(out, v/10, v%10)
		}
	}
	return out
}
