package testfix

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"estateclub/internal/db"
)

// ScanForPII reads every column of every row of every table of d (the
// tables from sqlite_master or information_schema, so a table added later
// is scanned too) and fails the test for each needle — a name, a mobile,
// an ID number, an address, an email, a blind index … — found in clear
// anywhere, text or blob. Empty needles are skipped. It reports where,
// never the value.
func ScanForPII(t testing.TB, d *db.DB, needles ...string) {
	t.Helper()
	for _, at := range FindPII(t, d, needles...) {
		t.Errorf("personal data left in %s", at)
	}
}

// FindPII is where ScanForPII finds needles: "table.column (needle #i)",
// once per row and needle.
func FindPII(t testing.TB, d *db.DB, needles ...string) []string {
	t.Helper()
	var out []string
	eachValue(t, d, func(table, col string, v []byte) {
		for i, n := range needles {
			if n != "" && strings.Contains(string(v), n) {
				out = append(out, fmt.Sprintf("%s.%s (needle #%d)", table, col, i))
			}
		}
	})
	return out
}

// Blobs returns every binary value stored in d (sealed personal data,
// file chunks …) by its SHA-256, with the table.column it is in. Taken
// before and after a member's data is written, the difference is that
// member's sealed values, which an erasure must leave nowhere. Columns
// named *hash (a request's digest, kept with the ledger) are left out.
func Blobs(t testing.TB, d *db.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	eachValue(t, d, func(table, col string, v []byte) {
		if len(v) > 0 && !strings.HasSuffix(col, "hash") && isBinary(v) {
			sum := sha256.Sum256(v)
			out[hex.EncodeToString(sum[:])] = table + "." + col
		}
	})
	return out
}

// isBinary tells a sealed value (random bytes) from text.
func isBinary(v []byte) bool {
	return strings.ContainsRune(string(v), '\uFFFD') || strings.IndexFunc(string(v), func(r rune) bool { return r < 0x09 }) >= 0
}

// Tables lists the tables of d: the application's, goose's and River's.
func Tables(t testing.TB, d *db.DB) []string {
	t.Helper()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	if d.Dialect() == db.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	var out []string
	err := d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	if len(out) == 0 {
		t.Fatal("no tables found")
	}
	return out
}

// eachValue calls fn with every non-NULL value of every table of d, as bytes.
func eachValue(t testing.TB, d *db.DB, fn func(table, col string, v []byte)) {
	t.Helper()
	ctx := context.Background()
	for _, table := range Tables(t, d) {
		err := d.View(ctx, func(tx *db.Tx) error {
			rows, err := tx.Query(ctx, `SELECT * FROM "`+table+`"`)
			if err != nil {
				return err
			}
			defer rows.Close()
			cols, err := rows.Columns()
			if err != nil {
				return err
			}
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					return err
				}
				for i, v := range vals {
					switch x := v.(type) {
					case nil:
					case []byte:
						fn(table, cols[i], x)
					case string:
						fn(table, cols[i], []byte(x))
					case time.Time:
					default:
						fn(table, cols[i], []byte(fmt.Sprint(x)))
					}
				}
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
	}
}
