package pii

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// MaskNumbersIn masks, anywhere in free text, the digit runs shaped like a
// mainland mobile number (11 digits 1[3-9]…, or 13 with the 86 country
// code) or a resident ID number (18 characters, the last a digit or X, or
// the old 15 digits): the first 3 and the last 4 digits stay, as
// MaskMobile and MaskIDNumber keep them. Full-width digits count, and so
// do single spaces or hyphens where people group digits ("138 1234 5678").
// A run of any other length is left alone: order and card numbers are not
// personal. Text without such a run comes back unchanged.
func MaskNumbersIn(s string) string {
	if !hasDigitRun(s) {
		return s
	}
	r := []rune(s)
	var b strings.Builder
	for i := 0; i < len(r); {
		if !isDigit(r[i]) {
			b.WriteRune(r[i])
			i++
			continue
		}
		end, digits := digitRun(r, i)
		if personalRun(digits) {
			b.WriteString(maskRun(r[i:end]))
		} else {
			b.WriteString(string(r[i:end]))
		}
		i = end
	}
	return b.String()
}

// hasDigitRun is a cheap test for 11 or more digits (ASCII or full-width)
// in s, so text without numbers is not rebuilt.
func hasDigitRun(s string) bool {
	n := 0
	for _, c := range s {
		if isDigit(c) {
			n++
			if n >= 11 {
				return true
			}
		}
	}
	return false
}

// groupEnds are where people type a space or a hyphen inside a number:
// 138 1234 5678, 110105 19900101 123X. A separator elsewhere ends the run,
// so that lists of ids ("[1391 2345 678]") are not read as one number.
var groupEnds = map[int]bool{3: true, 6: true, 7: true, 14: true}

// digitRun finds the end of the run of digits starting at r[i], single
// spaces or hyphens at groupEnds included, and returns its digits in
// ASCII; a trailing X or x closes it (an ID's check character).
func digitRun(r []rune, i int) (int, string) {
	var d strings.Builder
	j := i
	for j < len(r) {
		switch c := r[j]; {
		case isDigit(c):
			d.WriteRune(asciiDigit(c))
			j++
		case (c == ' ' || c == '-') && j+1 < len(r) && isDigit(r[j+1]) && groupEnds[d.Len()]:
			j++
		case (c == 'X' || c == 'x' || c == 'Ｘ' || c == 'ｘ') && d.Len() == 17:
			d.WriteByte('X')
			return j + 1, d.String()
		default:
			return j, d.String()
		}
	}
	return j, d.String()
}

var personalDigits = regexp.MustCompile(`^(?:(?:86)?1[3-9][0-9]{9}|[0-9]{15}|[0-9]{17}[0-9X])$`)

func personalRun(digits string) bool { return personalDigits.MatchString(digits) }

// maskRun keeps the first 3 and last 4 digits of a run, separators as typed.
func maskRun(run []rune) string {
	total := 0
	for _, c := range run {
		if isDigit(c) || c == 'X' || c == 'x' || c == 'Ｘ' || c == 'ｘ' {
			total++
		}
	}
	out := make([]rune, 0, len(run))
	n := 0
	for _, c := range run {
		if c == ' ' || c == '-' {
			out = append(out, c)
			continue
		}
		if n < 3 || n >= total-4 {
			out = append(out, c)
		} else {
			out = append(out, '*')
		}
		n++
	}
	return string(out)
}

func isDigit(c rune) bool { return ('0' <= c && c <= '9') || ('０' <= c && c <= '９') }

func asciiDigit(c rune) rune {
	if c >= '０' {
		return '0' + (c - '０')
	}
	return c
}

// The kinds of a search term, as MaskSearch names them.
const (
	SearchMemberNo = "member_no"
	SearchLast4    = "mobile_last4"
	SearchIDNumber = "id_number"
	SearchMobile   = "mobile"
	SearchPinyin   = "pinyin"
	SearchName     = "name"
)

var (
	searchMemberNo = regexp.MustCompile(`^M[0-9]{8}$`)
	searchDigits   = regexp.MustCompile(`^\+?[0-9]+$`)
	searchID       = regexp.MustCompile(`^(?:[0-9]{15}|[0-9]{17}[0-9X])$`)
	searchLetters  = regexp.MustCompile(`^[A-Za-z]+$`)
)

// MaskSearch gives the form of a search term that may be kept in the audit
// log, and what kind of term it is, read the way the member search reads
// it: a member number stays (it is no personal datum), the last 4 digits
// of a mobile are all stars, a mobile or an ID number keeps its first 3
// and last 4, pinyin keeps its first letter and a name its surname
// (MaskName). An empty term is "", "".
func MaskSearch(q string) (masked, kind string) {
	q = strings.TrimSpace(foldWidth(q))
	if q == "" {
		return "", ""
	}
	compact := strings.NewReplacer(" ", "", "-", "").Replace(q)
	upper := strings.ToUpper(compact)
	switch {
	case searchMemberNo.MatchString(upper):
		return upper, SearchMemberNo
	case searchDigits.MatchString(compact) && len(compact) == 4:
		return "****", SearchLast4
	case searchID.MatchString(upper):
		return MaskIDNumber(upper), SearchIDNumber
	case searchDigits.MatchString(compact):
		return MaskMobile(NormalizeMobile(compact)), SearchMobile
	case searchLetters.MatchString(compact):
		return keepEnds(strings.ToLower(compact), 1, 0), SearchPinyin
	}
	if utf8.RuneCountInString(q) > 64 {
		q = string([]rune(q)[:64])
	}
	return MaskNumbersIn(MaskName(q)), SearchName
}
