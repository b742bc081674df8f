package validate

import (
	"net/mail"
	"strings"
	"unicode"
)

// Limits from RFC 5321 §4.5.3.1, with the 254-character path limit of its
// errata: longer addresses cannot be delivered.
const (
	maxEmail      = 254
	maxEmailLocal = 64
	maxLabel      = 63
)

// Email checks a single e-mail address (电子邮箱) written without a display
// name or angle brackets, and returns it trimmed with the domain in lower
// case. Full-width characters are folded and "。" read as ".", the slips of a
// Chinese input method. Empty input returns "", since the field is optional.
func Email(field, s string) (string, error) {
	s = strings.ReplaceAll(clean(s), "。", ".")
	if s == "" {
		return "", nil
	}
	bad := invalid(field, "邮箱地址格式不正确，例如 name@example.com", "not a valid email address, e.g. name@example.com")
	if len(s) > maxEmail {
		return "", invalid(field, "邮箱地址过长", "the email address is too long")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return "", bad
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], strings.ToLower(s[at+1:])
	if len(local) > maxEmailLocal || !validDomain(domain) {
		return "", bad
	}
	return local + "@" + domain, nil
}

// validDomain accepts a host name with at least two labels of letters, digits
// and inner hyphens, and a top-level label that is not all digits. It rules
// out what net/mail allows but no member has: single-label hosts such as
// "localhost", IP addresses and domain literals ("[10.0.0.1]").
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 || allDigits(labels[len(labels)-1]) {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > maxLabel || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}
