package member

import (
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// maxReadings caps the spellings kept for a name whose surname is read
// two ways (盖 gai/ge, 翟 zhai/di …), so that a search finds every reading
// without the column growing without bound.
const maxReadings = 8

// surnameReadings are the readings of single-character surnames whose
// reading as a surname is not the character's common one (单 is dan, but
// the surname 单 is shan). The first reading ranks first; a second is kept
// only where the surname itself is read both ways in common use (the
// 现代汉语词典 lists both as surnames, and people bearing it use both):
// 盖 gai/ge, 翟 zhai/di, 乐 yue/le, 覃 qin/tan, 莘 shen/xin, 谌 chen/shen,
// 行 xing/hang. 曾 is only zeng, 解 only xie, 查 only zha: ceng, jie and cha
// are never said of a person.
var surnameReadings = map[rune][]string{
	'单': {"shan"}, '曾': {"zeng"}, '解': {"xie"}, '查': {"zha"}, '仇': {"qiu"},
	'区': {"ou"}, '朴': {"piao"}, '覃': {"qin", "tan"}, '盖': {"gai", "ge"},
	'缪': {"miao"}, '翟': {"zhai", "di"}, '乐': {"yue", "le"}, '召': {"shao"},
	'秘': {"bi"}, '种': {"chong"}, '员': {"yun"}, '繁': {"po"}, '宿': {"su"},
	'句': {"gou"}, '能': {"nai"}, '黑': {"he"}, '折': {"she"}, '洗': {"xian"},
	'莘': {"shen", "xin"}, '隗': {"wei"}, '都': {"du"}, '重': {"chong"},
	'行': {"xing", "hang"}, '祭': {"zhai"}, '蕃': {"pi"}, '贲': {"ben"},
	'角': {"jue"}, '长': {"chang"}, '谌': {"chen", "shen"}, '薄': {"bo"},
}

// compoundSurnames are two-character surnames read otherwise than their
// characters' common readings (尉 is wei, 尉迟 is yuchi), one syllable per
// character.
var compoundSurnames = map[string][2]string{
	"尉迟": {"yu", "chi"}, "万俟": {"mo", "qi"}, "长孙": {"zhang", "sun"},
	"澹台": {"tan", "tai"}, "令狐": {"ling", "hu"},
}

// givenReadings are characters whose dictionary-first reading is not the
// one they have in given names (长 is zhang in 长大 but chang in 长青, 长生).
var givenReadings = map[rune]string{'长': "chang"}

// hanReadings caches the common reading of each Chinese character:
// go-pinyin rewrites its tones with regular expressions on every call,
// which was a sixth of an import's CPU, and names share a few thousand
// characters.
var hanReadings sync.Map // rune → []string, one reading

// readingOf returns the common toneless reading of the Chinese character r
// (the dictionary's first: 俊 jun, never its rare shun) as a one-element
// slice, or nil. The slice is shared: do not modify it.
func readingOf(r rune) []string {
	if v, ok := hanReadings.Load(r); ok {
		return v.([]string)
	}
	var reading []string
	if g, ok := givenReadings[r]; ok {
		reading = []string{g}
	} else if ps := pinyin.SinglePinyin(r, pinyin.NewArgs()); len(ps) > 0 {
		reading = ps[:1]
	}
	hanReadings.Store(r, reading)
	return reading
}

// nameOptions returns the readings of each rune of a name (nil for runes
// that are not Chinese characters): the surname's readings for its first
// one or two characters, the common reading for the rest.
func nameOptions(runes []rune) [][]string {
	opts := make([][]string, len(runes))
	i := 0
	for i < len(runes) && unicode.IsSpace(runes[i]) {
		i++
	}
	if c, ok := compoundSurnames[string(runes[i:min(i+2, len(runes))])]; ok {
		opts[i], opts[i+1] = c[:1], c[1:]
		i += 2
	} else if i < len(runes) && surnameReadings[runes[i]] != nil {
		opts[i] = surnameReadings[runes[i]]
		i++
	}
	for ; i < len(runes); i++ {
		if unicode.Is(unicode.Han, runes[i]) {
			opts[i] = readingOf(runes[i])
		}
	}
	return opts
}

// namePinyin returns the name's full spellings and initials as
// "|zhangsan|" and "|zs|" (a surname read two ways gives two, separated
// by |, the usual first), for sorting by name.
// Latin letters are kept, lower-cased; other characters are dropped.
func namePinyin(name string) (full, initials string) {
	fulls := []string{""}
	inits := []string{""}
	runes := []rune(name)
	opts := nameOptions(runes)
	for i, r := range runes {
		readings := opts[i]
		if readings == nil && r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
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
