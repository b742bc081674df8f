package member

import (
	"context"
	"slices"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// ReindexNames turns tokens stored by version 1 (every reading of every
// character) into today's, for members' names and for names nobody bears
// any more, fixes the sort spellings, and is recorded so it runs once.
func TestReindexNamesRebuildsVersion1Tokens(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		legacy := legacyOptions()
		names := []string{"张俊", "张三", "单田芳", "王五"}
		err := d.Update(ctx, func(tx *db.Tx) error {
			var nodeID int64
			if err := tx.QueryRow(ctx, "SELECT id FROM org_nodes ORDER BY id LIMIT 1").Scan(&nodeID); err != nil {
				return err
			}
			var rows [][]any
			for i, n := range names {
				for _, tk := range tokensOf(n, syllables(n, legacy), false) {
					rows = append(rows, []any{tk, n})
				}
				if n == "王五" {
					continue // a name nobody bears any more
				}
				full, ini := legacyPinyin(n, legacy)
				if _, err := tx.Exec(ctx, `INSERT INTO members (node_id, node_path, status, tier, name, name_pinyin, name_initials, gender,
					mobile_enc, mobile_idx, mobile_last4_idx, channel, created_at, updated_at)
					VALUES (?, '/1/', 'pending', 'regular', ?, ?, ?, '', '', ?, '', 'site', ?, ?)`,
					nodeID, n, full, ini, "idx"+string(rune('0'+i)), tx.Now, tx.Now); err != nil {
					return err
				}
			}
			return tx.InsertMany(ctx, "name_tokens", []string{"token", "name"}, rows, "", nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		if toks := storedTokens(t, d, "张俊"); !slices.Contains(toks, "i:zs") {
			t.Fatalf("version 1 tokens of 张俊 lack i:zs: %v", toks)
		}
		changed, err := ReindexNames(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		// 张俊 (jun, shun, dun), 单田芳 (dan, chan, shan) and 王五 (wang, yu),
		// which nobody bears; 张三 keeps its tokens and gains P:, I:.
		if changed != 3 {
			t.Errorf("%d names changed, want 3", changed)
		}
		for _, n := range names {
			want := searchTokens(n)
			slices.Sort(want)
			if got := storedTokens(t, d, n); !slices.Equal(got, want) {
				t.Errorf("tokens of %s: %v, want %v", n, got, want)
			}
		}
		var full, ini string
		if err := d.View(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT name_pinyin, name_initials FROM members WHERE name = '单田芳'").Scan(&full, &ini)
		}); err != nil {
			t.Fatal(err)
		}
		if full != "|shantianfang|" || ini != "|stf|" {
			t.Errorf("单田芳 spelt %s %s", full, ini)
		}
		// Recorded: a second run changes nothing, even tokens put back.
		if err := d.Update(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO name_tokens (token, name) VALUES ('i:zs', '张俊')")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if changed, err := ReindexNames(ctx, d); err != nil || changed != 0 {
			t.Errorf("second run: %d, %v", changed, err)
		}
		if toks := storedTokens(t, d, "张俊"); !slices.Contains(toks, "i:zs") {
			t.Errorf("second run rebuilt the tokens again")
		}
	})
}

// legacyPinyin spells a name as version 1 did.
func legacyPinyin(name string, legacy func([]rune) [][]string) (string, string) {
	var fulls, inits []string
	for _, r := range syllables(name, legacy) {
		var f, i string
		for _, s := range r {
			f, i = f+s, i+s[:1]
		}
		fulls, inits = append(fulls, f), append(inits, i)
	}
	return join(fulls), join(inits)
}

func storedTokens(t *testing.T, d *db.DB, name string) []string {
	t.Helper()
	var out []string
	err := d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT token FROM name_tokens WHERE name = ? ORDER BY token", name)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var tk string
			if err := rows.Scan(&tk); err != nil {
				return err
			}
			out = append(out, tk)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
