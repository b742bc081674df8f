package member

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"

	"estateclub/internal/db"
)

// nameTokensKey is the setting that records which derivation of search
// tokens the stored ones follow; nameTokensVersion is the current one.
// Version 2: given names read only their common reading (俊 jun, not also
// shun), surnames their surname readings (单 shan), and the whole name on
// its usual reading is also a ranking token (P:, I:).
const (
	nameTokensKey     = "member.name_tokens_version"
	nameTokensVersion = "2"
)

// reindexBatch is how many stored names one transaction re-derives.
const reindexBatch = 2000

// ReindexNames brings the stored search tokens and sort spellings of every
// name to the current derivation, once: it is recorded in settings and
// returns at once the next time. Names are walked in batches from the
// token index (one "n:" key per stored name, including names nobody bears
// any more, which the bulk import would otherwise take as up to date); a
// name whose readings did not change only gains its ranking tokens. It is
// safe to interrupt: a rerun starts over and repeats no harm. It returns
// the number of names whose readings changed.
func ReindexNames(ctx context.Context, d *db.DB) (int, error) {
	var version string
	err := d.View(ctx, func(tx *db.Tx) error {
		err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", nameTokensKey).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil || version == nameTokensVersion {
		return 0, err
	}
	legacy := legacyOptions()
	changed := 0
	after := [2]string{"n:", ""}
	for more := true; more; {
		var names []string
		err := d.View(ctx, func(tx *db.Tx) error {
			var err error
			names, after, more, err = storedNameBatch(ctx, tx, after)
			return err
		})
		if err != nil {
			return changed, fmt.Errorf("reindex names: %w", err)
		}
		err = d.Update(ctx, func(tx *db.Tx) error {
			n, err := reindexNames(ctx, tx, names, legacy)
			changed += n
			return err
		})
		if err != nil {
			return changed, fmt.Errorf("reindex names: %w", err)
		}
	}
	err = d.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, nameTokensKey, nameTokensVersion, tx.Now)
		return err
	})
	return changed, err
}

// storedNameBatch reads the next rows of the "n:" token range after the
// (token, name) after, and returns the names whose key token is among
// them, the last row read, and whether rows may remain.
func storedNameBatch(ctx context.Context, tx *db.Tx, after [2]string) (names []string, last [2]string, more bool, err error) {
	const rowsPer = 5 * reindexBatch
	rows, err := tx.Query(ctx, "SELECT token, name FROM name_tokens WHERE (token, name) > (?, ?) AND token < ? ORDER BY token, name LIMIT ?",
		after[0], after[1], "n:"+maxRune, rowsPer)
	if err != nil {
		return nil, after, false, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := rows.Scan(&after[0], &after[1]); err != nil {
			return nil, after, false, err
		}
		n++
		if after[0] == nameKey(after[1]) {
			names = append(names, after[1])
		}
	}
	return names, after, n == rowsPer, rows.Err()
}

// reindexNames re-derives the tokens and sort spellings of names.
func reindexNames(ctx context.Context, tx *db.Tx, names []string, legacy func([]rune) [][]string) (int, error) {
	var add, drop [][]any
	var renamed []string
	for _, name := range names {
		now := syllables(name, nameOptions)
		was := syllables(name, legacy)
		tokens := searchTokens(name)
		if slices.EqualFunc(now, was, slices.Equal) {
			for _, t := range tokens {
				if strings.HasPrefix(t, "P:") || strings.HasPrefix(t, "I:") {
					add = append(add, []any{t, name})
				}
			}
			continue
		}
		renamed = append(renamed, name)
		stored := map[string]bool{}
		for _, t := range tokensOf(name, was, false) {
			stored[t] = true
		}
		for _, t := range tokens {
			if !stored[t] {
				add = append(add, []any{t, name})
			}
			delete(stored, t)
		}
		for t := range stored {
			drop = append(drop, []any{t, name})
		}
	}
	if err := dropTokens(ctx, tx, drop); err != nil {
		return 0, err
	}
	if err := respell(ctx, tx, renamed); err != nil {
		return 0, err
	}
	slices.SortFunc(add, func(a, b []any) int {
		return strings.Compare(a[0].(string)+"\x00"+a[1].(string), b[0].(string)+"\x00"+b[1].(string))
	})
	return len(renamed), tx.InsertMany(ctx, "name_tokens", []string{"token", "name"}, add, "ON CONFLICT DO NOTHING", nil)
}

// dropTokens deletes (token, name) rows: on PostgreSQL in one statement
// from two arrays, on SQLite (in process) one by one.
func dropTokens(ctx context.Context, tx *db.Tx, rows [][]any) error {
	if tx.Dialect() == db.Postgres {
		tokens, names := make([]string, len(rows)), make([]string, len(rows))
		for i, r := range rows {
			tokens[i], names[i] = r[0].(string), r[1].(string)
		}
		_, err := tx.Exec(ctx, "DELETE FROM name_tokens nt USING unnest($1::text[], $2::text[]) AS v(token, name) "+
			"WHERE nt.token = v.token AND nt.name = v.name", tokens, names)
		return err
	}
	for _, r := range rows {
		if _, err := tx.Exec(ctx, "DELETE FROM name_tokens WHERE token = ? AND name = ?", r...); err != nil {
			return err
		}
	}
	return nil
}

// respell stores the sort spellings (name_pinyin, name_initials) of the
// members bearing names.
func respell(ctx context.Context, tx *db.Tx, names []string) error {
	fulls, inits := make([]string, len(names)), make([]string, len(names))
	for i, n := range names {
		fulls[i], inits[i] = namePinyin(n)
	}
	if tx.Dialect() == db.Postgres {
		_, err := tx.Exec(ctx, "UPDATE members m SET name_pinyin = v.py, name_initials = v.ini "+
			"FROM unnest($1::text[], $2::text[], $3::text[]) AS v(name, py, ini) WHERE m.name = v.name", names, fulls, inits)
		return err
	}
	for i, n := range names {
		if _, err := tx.Exec(ctx, "UPDATE members SET name_pinyin = ?, name_initials = ? WHERE name = ?", fulls[i], inits[i], n); err != nil {
			return err
		}
	}
	return nil
}

// legacyOptions reads names the way version 1 did, to find the tokens it
// stored: up to three readings of every Chinese character, surname or not.
func legacyOptions() func([]rune) [][]string {
	cache := map[rune][]string{}
	args := pinyin.NewArgs()
	args.Heteronym = true
	return func(runes []rune) [][]string {
		opts := make([][]string, len(runes))
		for i, r := range runes {
			if !unicode.Is(unicode.Han, r) {
				continue
			}
			rs, ok := cache[r]
			if !ok {
				rs = pinyin.SinglePinyin(r, args)
				rs = slices.Compact(rs[:min(len(rs), 3)]) // toneless: 王 wáng, wàng
				cache[r] = rs
			}
			opts[i] = rs
		}
		return opts
	}
}
