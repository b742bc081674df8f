package points

import (
	"database/sql"
	"strings"

	"estateclub/internal/db"
)

// maxParams keeps multi-row statements under SQLite's limit of 32,766
// parameters (PostgreSQL's is 65,535).
const maxParams = 30000

// chunks calls fn with consecutive parts of items, each small enough for
// one statement of width parameters per item (and at most 5,000 items).
func chunks[T any](items []T, width int, fn func(part []T) error) error {
	per := min(maxParams/width, 5000)
	for start := 0; start < len(items); start += per {
		if err := fn(items[start:min(start+per, len(items))]); err != nil {
			return err
		}
	}
	return nil
}

// values is the VALUES list of n rows of width placeholders.
func values(width, n int) string {
	row := "(" + marks(width) + ")"
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// marks is n placeholders separated by commas.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// scanIDs reads rows of (id, key) and closes them.
func scanIDs(rows *sql.Rows, fn func(id int64, key string)) error {
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return err
		}
		fn(id, key)
	}
	return rows.Err()
}

// forNoKeyUpdate locks the selected rows of one table against other
// writers but not against rows that reference them: PostgreSQL's FOR
// UPDATE would also wait for every transaction that has just inserted a
// posting or an award referring to the row (a foreign key takes a share
// lock on it). SQLite's write transactions hold the database already.
// (A neighbour of db.Tx.ForUpdate; it belongs there.)
func forNoKeyUpdate(tx *db.Tx) string {
	if tx.Dialect() == db.Postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}
