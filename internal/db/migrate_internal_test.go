package db

import (
	"context"
	"path/filepath"
	"testing"
)

// After a migration adds an index to an analyzed SQLite table, the index
// gets its statistics; a database never analyzed is left without any.
func TestAnalyzeNewIndexes(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := d.write.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	stat := func(idx string) int {
		t.Helper()
		var n int
		if err := d.write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat1 WHERE idx = ?", idx).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	exec("CREATE TABLE t (a INTEGER, b INTEGER)")
	exec("CREATE INDEX t_a ON t (a)")
	exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO t SELECT i, i % 7 FROM n")
	if err := d.analyzeNewIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := d.write.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("a database never analyzed got statistics (%d, %v)", tables, err)
	}
	exec("ANALYZE")
	exec("CREATE INDEX t_b ON t (b)") // a migration's new index
	if stat("t_b") != 0 {
		t.Fatal("the new index has statistics before")
	}
	if err := d.analyzeNewIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if stat("t_a") != 1 || stat("t_b") != 1 {
		t.Errorf("statistics: t_a %d, t_b %d, want 1 and 1", stat("t_a"), stat("t_b"))
	}
}
