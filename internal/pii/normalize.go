package pii

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// NormalizeMobile is the one form of a mobile number that is indexed, so
// that "138 1234 5678", "+86 138-1234-5678" and full-width "１３８１２３４５６７８"
// find the same member. It folds full-width digits, drops spaces, hyphens,
// dots and brackets, and drops a +86/0086/86 prefix before an 11-digit
// number. It does not validate; the member rules do that.
func NormalizeMobile(s string) string {
	var b strings.Builder
	for _, r := range foldWidth(s) {
		switch {
		case unicode.IsSpace(r), strings.ContainsRune("-.()", r):
			continue
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	for _, prefix := range []string{"+86", "0086", "86"} {
		if rest, ok := strings.CutPrefix(out, prefix); ok && len(rest) == 11 && rest[0] == '1' {
			return rest
		}
	}
	return out
}

// NormalizeIDNumber is the one indexed form of a resident ID number (身份证号):
// full-width folded, spaces dropped, the check character x upper-cased.
func NormalizeIDNumber(s string) string {
	var b strings.Builder
	for _, r := range foldWidth(s) {
		if !unicode.IsSpace(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// foldWidth maps full-width forms typed by Chinese input methods (digits,
// letters, the ideographic space) to their ASCII forms.
func foldWidth(s string) string { return width.Fold.String(s) }
