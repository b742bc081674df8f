package validate

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Halfwidth folds full-width forms to their ordinary width: ＡＢＣ１２３ to
// ABC123, "＋" and "（" to "+" and "(", the ideographic space to a space.
// Chinese characters and punctuation such as "。" keep their width, and
// half-width katakana become full-width.
func Halfwidth(s string) string { return width.Fold.String(s) }

// Required trims s and rejects it if nothing is left.
func Required(field, s string) (string, error) {
	s = strings.TrimSpace(stripInvisible(s))
	if s == "" {
		return "", invalid(field, "此项为必填项", "this field is required")
	}
	return s, nil
}

// genders maps the ways forms and spreadsheets write gender (性别), compared
// after lower-casing, to "male" or "female". "1" and "2" are the codes of
// GB/T 2261.1, used in spreadsheets exported from government and HR systems.
var genders = map[string]string{
	"男": "male", "男性": "male", "先生": "male", "male": "male", "m": "male", "man": "male", "1": "male",
	"女": "female", "女性": "female", "女士": "female", "小姐": "female", "female": "female", "f": "female", "woman": "female", "2": "female",
}

// Gender reads 男/女, 男性/女性, 先生/女士/小姐, male/female, man/woman, M/F
// (any case) or the codes 1/2, and returns "male" or "female"; empty input
// returns "".
func Gender(field, s string) (string, error) {
	s = strings.ToLower(clean(s))
	if s == "" {
		return "", nil
	}
	if g, ok := genders[s]; ok {
		return g, nil
	}
	return "", invalid(field, "性别应为 男 或 女", "gender must be male or female")
}

// maxNameRunes is the longest name we accept. Chinese names are 2 to 4
// characters, transliterated minority names such as 迪丽热巴·迪力木拉提 about
// 10; 40 leaves room for long Latin names.
const maxNameRunes = 40

// Name checks a person's name (姓名). It trims, collapses runs of spaces,
// folds full-width Latin letters, removes the spaces people put between
// Chinese characters to align forms ("张　三" becomes 张三), and normalises the
// look-alikes of the middle dot in names such as 迪丽热巴·迪力木拉提 to U+00B7.
// A name is 1 to 40 characters of letters, with spaces, "·", "-", "'" and "."
// between them; digits and other symbols are rejected.
func Name(field, s string) (string, error) {
	s = strings.TrimSpace(stripInvisible(Halfwidth(s)))
	if hasControl(s) {
		return "", invalid(field, "姓名不能包含控制字符", "a name cannot contain control characters")
	}
	s = tidyName(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", invalid(field, "请填写姓名", "a name is required")
	case n > maxNameRunes:
		return "", invalid(field, "姓名不能超过 40 个字", "a name has at most 40 characters")
	case allDigits(s):
		return "", invalid(field, "姓名不能全是数字", "a name cannot be only digits")
	case strings.IndexFunc(s, unicode.IsLetter) < 0:
		return "", invalid(field, "姓名应包含文字", "a name must contain letters")
	}
	if i := strings.IndexFunc(s, notNameRune); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return "", invalid(field, "姓名不能包含“"+string(r)+"”", "a name cannot contain “"+string(r)+"”")
	}
	return s, nil
}

// middleDots are characters typed in place of the middle dot (间隔号) of
// transliterated names: the katakana middle dot, bullet, hyphenation point and
// dot operators.
var middleDots = strings.NewReplacer("・", "·", "•", "·", "‧", "·", "∙", "·", "⋅", "·")

// tidyName collapses spaces, drops spaces next to a Chinese character or a
// middle dot when the other side is one too, and unifies middle dots.
func tidyName(s string) string {
	words := strings.Fields(middleDots.Replace(s))
	var b strings.Builder
	for i, w := range words {
		if i > 0 && !(joinsTight(lastRune(words[i-1])) && joinsTight(firstRune(w))) {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// joinsTight reports whether r is written without spaces around it.
func joinsTight(r rune) bool { return r == '·' || unicode.Is(unicode.Han, r) }

func firstRune(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
func lastRune(s string) rune  { r, _ := utf8.DecodeLastRuneInString(s); return r }

// notNameRune reports a character that has no place in a name. Letters
// include Chinese characters; marks cover accents and scripts written with
// combining signs; letter numbers include 〇; private-use characters are
// where older systems put rare characters (生僻字) missing from the standard.
func notNameRune(r rune) bool {
	switch r {
	case ' ', '·', '-', '\'', '’', '.':
		return false
	}
	return !unicode.In(r, unicode.L, unicode.M, unicode.Nl, unicode.Co)
}
