package member

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"estateclub/internal/db"
)

// maxNamePiece is the longest piece of a Chinese name kept as a token;
// longer queries look up their first piece and check the rest.
const maxNamePiece = 6

// searchTokens returns the search tokens of a name: every piece of it up to
// maxNamePiece characters ("n:张三"), and every reading's pinyin and initials
// from each syllable on ("p:zhangsan", "p:san", "i:zs", "i:s"), so that a
// prefix of a token is a substring at a syllable boundary.
func searchTokens(name string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	runes := []rune(strings.ToLower(strings.ReplaceAll(name, " ", "")))
	for i := range runes {
		for j := i + 1; j <= len(runes) && j-i <= maxNamePiece; j++ {
			add("n:" + string(runes[i:j]))
		}
	}
	for _, reading := range syllables(name) {
		for i := range reading {
			add("p:" + strings.Join(reading[i:], ""))
			var ini strings.Builder
			for _, s := range reading[i:] {
				ini.WriteString(s[:1])
			}
			add("i:" + ini.String())
		}
	}
	return out
}

// syllables returns up to maxReadings readings of a name as syllables
// (Latin words count as one syllable).
func syllables(name string) [][]string {
	args := pinyin.NewArgs()
	args.Heteronym = true
	readings := [][]string{nil}
	var word strings.Builder
	push := func(options []string) {
		var next [][]string
		for _, r := range readings {
			for _, o := range options {
				if len(next) < maxReadings {
					next = append(next, append(append([]string(nil), r...), o))
				}
			}
		}
		readings = next
	}
	flush := func() {
		if word.Len() > 0 {
			push([]string{strings.ToLower(word.String())})
			word.Reset()
		}
	}
	for _, r := range name {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			opts := pinyin.SinglePinyin(r, args)
			if len(opts) > 3 {
				opts = opts[:3]
			}
			if len(opts) > 0 {
				push(opts)
			}
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			word.WriteRune(r)
		default:
			flush()
		}
	}
	flush()
	if len(readings) == 1 && readings[0] == nil {
		return nil
	}
	return readings
}

// setTokens replaces a member's search tokens for name oldName by those of
// name. The old tokens are deleted by their key, so the table needs no
// second index.
func setTokens(ctx context.Context, tx *db.Tx, id int64, oldName, name string) error {
	for _, t := range searchTokens(oldName) {
		if _, err := tx.Exec(ctx, "DELETE FROM member_tokens WHERE token = ? AND member_id = ?", t, id); err != nil {
			return err
		}
	}
	var rows [][]any
	for _, t := range searchTokens(name) {
		rows = append(rows, []any{t, id})
	}
	return insertRows(ctx, tx, "member_tokens (token, member_id)", rows)
}
