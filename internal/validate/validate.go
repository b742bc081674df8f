// Package validate checks and normalises input at the edge of estateclub:
// HTML forms, the JSON API and spreadsheet imports all go through the same
// functions, so a mobile number typed with full-width digits, pasted with
// "+86" or exported by Excel as 1.3812345678E10 ends up stored the same way.
//
// Every error is an *apperr.Error with code Invalid, carrying the field name
// the caller passed in and a message in Chinese and English that says what is
// wrong, so a form, an API response and an import report can show it as is.
//
// Empty input: Email and Gender treat it as "not given" and return "" with no
// error, since both are optional on every form. The others (Mobile, IDNumber,
// Date, DateIn, Name, Required) reject it; a caller with an optional field
// checks for an empty value first.
package validate

import (
	"strings"
	"unicode"

	"estateclub/internal/apperr"
)

// invalid is apperr.Field, named for what it means here.
func invalid(field, zh, en string) error { return apperr.Field(field, zh, en) }

// clean is the first step of every validator: full-width forms to half-width,
// invisible characters that come along with copy and paste removed, and
// surrounding space trimmed.
func clean(s string) string {
	return strings.TrimSpace(stripInvisible(Halfwidth(s)))
}

// stripInvisible drops zero-width characters and the byte-order mark, which
// arrive with text copied from web pages, WeChat and Excel and would otherwise
// make an equal-looking value compare unequal.
func stripInvisible(s string) string {
	if strings.IndexFunc(s, isInvisible) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isInvisible(r) {
			return -1
		}
		return r
	}, s)
}

func isInvisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return false
}

// allDigits reports whether s is non-empty and only ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// hasControl reports whether s holds a control character (tab, newline, NUL ...).
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
