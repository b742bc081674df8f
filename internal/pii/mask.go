package pii

import (
	"strings"
	"unicode/utf8"
)

// The Mask functions give the display form of personal data for pages, API
// answers and exports when the user's role lacks member.reveal_pii. They
// count runes, not bytes, so Chinese and full-width text is never cut inside
// a character, and they never fail: short or empty input is masked more, not
// less. They are for display only — never index or compare masked values.

// MaskMobile keeps the first 3 and last 4 characters of a number of 11 or
// more ("13812345678" → "138****5678"), the last 2 of 5–10 characters, the
// last 1 of 3–4, and nothing of 1–2.
func MaskMobile(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case n >= 11:
		return keepEnds(s, 3, 4)
	case n >= 5:
		return keepEnds(s, 0, 2)
	case n >= 3:
		return keepEnds(s, 0, 1)
	default:
		return keepEnds(s, 0, 0)
	}
}

// MaskIDNumber keeps the first 3 and last 4 characters of an ID of 12 or more
// ("110105199001011234" → "110***********1234"): the first 3 name only the
// province and city, while the hidden middle holds the district and the
// birth date. Passports and permits of 6–11 keep the first 1 and last 2,
// 3–5 keep the last 1, shorter ones nothing.
func MaskIDNumber(s string) string {
	switch n := utf8.RuneCountInString(s); {
	case n >= 12:
		return keepEnds(s, 3, 4)
	case n >= 6:
		return keepEnds(s, 1, 2)
	case n >= 3:
		return keepEnds(s, 0, 1)
	default:
		return keepEnds(s, 0, 0)
	}
}

// MaskName keeps the surname: the first rune of a 2–3 rune name ("张三" →
// "张*", "张三丰" → "张**") and the first two of a 4+ rune name, where a
// compound surname is likely ("欧阳娜娜" → "欧阳**"). A 1-rune name is "*".
func MaskName(s string) string {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n >= 4:
		return keepEnds(s, 2, 0)
	case n >= 2:
		return keepEnds(s, 1, 0)
	default:
		return keepEnds(s, 0, 0)
	}
}

// MaskEmail keeps the domain and the first and last characters of the local
// part ("zhangsan@example.com" → "z******n@example.com"); a local part of
// 1–2 characters keeps at most the first.
func MaskEmail(s string) string {
	local, domain := s, ""
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		local, domain = s[:i], s[i:]
	}
	switch n := utf8.RuneCountInString(local); {
	case n >= 3:
		local = keepEnds(local, 1, 1)
	case n == 2:
		local = keepEnds(local, 1, 0)
	default:
		local = keepEnds(local, 0, 0)
	}
	return local + domain
}

// keepEnds keeps head runes at the start and tail at the end and puts one
// '*' for each rune between; a string too short for both is all stars.
func keepEnds(s string, head, tail int) string {
	r := []rune(s)
	if head+tail > len(r) {
		head, tail = 0, 0
	}
	return string(r[:head]) + strings.Repeat("*", len(r)-head-tail) + string(r[len(r)-tail:])
}
