package member

import (
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// maxReadings caps the spellings kept for a name with polyphonic characters
// (曾, 单, 解 …), so that a search finds every reading without the column
// growing without bound.
const maxReadings = 8

// hanReadings caches the readings of each Chinese character: go-pinyin
// rewrites its tones with regular expressions on every call, which was a
// sixth of an import's CPU, and names share a few thousand characters.
var hanReadings sync.Map // rune → []string, at most 3 readings

// readingsOf returns up to 3 toneless readings of the Chinese character r,
// most common first. The slice is shared: do not modify it.
func readingsOf(r rune) []string {
	if v, ok := hanReadings.Load(r); ok {
		return v.([]string)
	}
	args := pinyin.NewArgs()
	args.Heteronym = true
	readings := pinyin.SinglePinyin(r, args)
	if len(readings) > 3 {
		readings = readings[:3]
	}
	hanReadings.Store(r, readings)
	return readings
}

// namePinyin returns the name's full spellings and initials as
// "|zhangsan|" and "|zs|" (several readings separated by |), for LIKE search.
// Latin letters are kept, lower-cased; other characters are dropped.
func namePinyin(name string) (full, initials string) {
	fulls := []string{""}
	inits := []string{""}
	for _, r := range name {
		var readings []string
		switch {
		case unicode.Is(unicode.Han, r):
			readings = readingsOf(r)
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			readings = []string{strings.ToLower(string(r))}
		}
		if len(readings) == 0 {
			continue
		}
		fulls = extend(fulls, readings, func(s string) string { return s })
		inits = extend(inits, readings, func(s string) string { return s[:1] })
	}
	return join(fulls), join(inits)
}

func extend(prefixes, readings []string, f func(string) string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range prefixes {
		for _, r := range readings {
			s := p + f(r)
			if !seen[s] && len(out) < maxReadings {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func join(xs []string) string {
	if len(xs) == 1 && xs[0] == "" {
		return ""
	}
	return "|" + strings.Join(xs, "|") + "|"
}
