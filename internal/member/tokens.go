package member

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"estateclub/internal/db"
)

// maxNamePiece is the longest piece of a Chinese name kept as a token;
// longer queries look up their first piece and check the rest.
const maxNamePiece = 6

// searchTokens returns the search tokens of a name: every piece of it up to
// maxNamePiece characters ("n:张三"), and every reading's pinyin and initials
// from each syllable on ("p:zhangsan", "p:san", "i:zs", "i:s"), so that a
// prefix of a token is a substring at a syllable boundary. The whole name
// on its usual reading is also "P:zhangsan" and "I:zs", by which a search
// ranks the names that begin with what was typed first.
func searchTokens(name string) []string {
	return tokensOf(name, syllables(name, nameOptions), true)
}

func tokensOf(name string, readings [][]string, ranked bool) []string {
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
	for k, reading := range readings {
		for i := range reading {
			full := strings.Join(reading[i:], "")
			var ini strings.Builder
			for _, s := range reading[i:] {
				ini.WriteString(s[:1])
			}
			add("p:" + full)
			add("i:" + ini.String())
			if ranked && k == 0 && i == 0 {
				add("P:" + full)
				add("I:" + ini.String())
			}
		}
	}
	return out
}

// syllables returns up to maxReadings readings of a name as syllables
// (Latin words count as one syllable), the Chinese characters read as
// options says, the usual reading first.
func syllables(name string, options func([]rune) [][]string) [][]string {
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
	runes := []rune(name)
	opts := options(runes)
	for i, r := range runes {
		switch {
		case unicode.Is(unicode.Han, r):
			flush()
			if len(opts[i]) > 0 {
				push(opts[i])
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

// nameKey is the token every stored name has (its first maxNamePiece
// characters as a piece), by which the bulk path tells a name whose
// tokens are stored already.
func nameKey(name string) string {
	runes := []rune(strings.ToLower(strings.ReplaceAll(name, " ", "")))
	return "n:" + string(runes[:min(len(runes), maxNamePiece)])
}

// nameTokenRows returns the (token, name) rows of names, each distinct
// name once, sorted so that they go into the index in its order.
func nameTokenRows(names []string, tokens func(i int) []string) [][]any {
	seen := map[string]bool{}
	byToken := map[string][]string{}
	for i, name := range names {
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		for _, t := range tokens(i) {
			byToken[t] = append(byToken[t], name)
		}
	}
	// Sorting the distinct tokens, then each token's names, compares far
	// less than sorting the pairs.
	keys := slices.Sorted(maps.Keys(byToken))
	var rows [][]any
	for _, t := range keys {
		ns := byToken[t]
		slices.Sort(ns)
		for _, n := range ns {
			rows = append(rows, []any{t, n})
		}
	}
	return rows
}

// storedNames returns which of names have their tokens stored: one index
// look-up per name instead of a dozen conflicting inserts.
func storedNames(ctx context.Context, tx *db.Tx, names []string) (map[string]bool, error) {
	const per = 500
	out := map[string]bool{}
	var distinct []string
	for _, n := range names {
		if n != "" && !out[n] {
			out[n] = true
			distinct = append(distinct, n)
		}
	}
	clear(out)
	names = distinct
	if tx.Dialect() == db.Postgres {
		// One query with two arrays: a VALUES list of a thousand parameters
		// gets a generic plan after a few runs that took 190 ms per 500
		// names here; unnest keeps the index lookups (~10 ms per 5,000).
		keys := make([]string, len(names))
		for i, n := range names {
			keys[i] = nameKey(n)
		}
		rows, err := tx.Query(ctx, "SELECT nt.name FROM unnest($1::text[], $2::text[]) AS v(token, name) "+
			"JOIN name_tokens nt ON nt.token = v.token AND nt.name = v.name", keys, names)
		if err != nil {
			return nil, err
		}
		return out, scanNames(rows, out)
	}
	for start := 0; start < len(names); start += per {
		part := names[start:min(start+per, len(names))]
		args := make([]any, 0, 2*len(part))
		for _, n := range part {
			args = append(args, nameKey(n), n)
		}
		// A join from the list, not (token, name) IN (VALUES …): SQLite
		// would scan the whole table for the IN.
		rows, err := tx.Query(ctx, "SELECT nt.name FROM (VALUES "+strings.TrimSuffix(strings.Repeat("(?, ?), ", len(part)), ", ")+
			") v JOIN name_tokens nt ON nt.token = v.column1 AND nt.name = v.column2", args...)
		if err != nil {
			return nil, err
		}
		if err := scanNames(rows, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func scanNames(rows *sql.Rows, out map[string]bool) error {
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		out[n] = true
	}
	return rows.Err()
}

// addNameTokens makes sure the search tokens of names are stored. Tokens
// belong to a name, not to a member: a renamed member is found by the new
// name at once, and the old name's tokens stay for the other members who
// bear it (or find nobody).
func addNameTokens(ctx context.Context, tx *db.Tx, names ...string) error {
	rows := nameTokenRows(names, func(i int) []string { return searchTokens(names[i]) })
	return tx.InsertMany(ctx, "name_tokens", []string{"token", "name"}, rows, "ON CONFLICT DO NOTHING", nil)
}
