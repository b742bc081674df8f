package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/points"
)

// TestPointsVerify: verify passes on a ledger written by the service and
// exits 1, naming the account, once a balance is changed behind its back.
func TestPointsVerify(t *testing.T) {
	dir := t.TempDir()
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "test"})
	d, msvc, ids := mustPointsClub(t, ctx, filepath.Join(dir, "estateclub.db"), 10)
	if _, err := bench.Awards(ctx, &points.Service{DB: d, Members: msvc}, ids, 4, 100, 1, points.Reward); err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, "", "points", "verify", "--data-dir", dir)
	if !strings.HasPrefix(out, "checked 10 member accounts, 2 club accounts") || !strings.Contains(out, "100 transactions, 200 postings\nok:") {
		t.Errorf("verify: %q", out)
	}
	if err := d.Update(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE point_accounts SET balance = balance + 1
			WHERE id = (SELECT min(id) FROM point_accounts WHERE member_id IS NOT NULL)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cli(t, "", "points", "verify", "--data-dir", dir)
	if code != 1 || !strings.Contains(out, "MISMATCH balance: member:") || !strings.Contains(errs, "1 differences") {
		t.Errorf("verify after tampering: exit %d\n%s%s", code, out, errs)
	}
}

func TestPointsBench(t *testing.T) {
	out := mustCLI(t, "", "points", "bench", "--clients", "4", "--postings", "200", "--members", "20", "--kind", "upgrade")
	if !strings.Contains(out, "awards: 200 in") || !strings.Contains(out, "ok: every balance equals its postings") {
		t.Errorf("bench: %q", out)
	}
}

func TestPointsExpireCommand(t *testing.T) {
	dir := t.TempDir()
	out := mustCLI(t, "", "points", "expire", "--dry-run", "--data-dir", dir)
	if !strings.Contains(out, "would expire 0 points") {
		t.Fatalf("dry run: %s", out)
	}
	_, errs, code := cli(t, "", "points", "expire", "--year", "2999", "--data-dir", dir)
	if code == 0 || !strings.Contains(errs, "尚未结束") {
		t.Fatalf("a year that has not ended: exit %d, %s", code, errs)
	}
}

// mustPointsClub migrates the database at dsn and gives it n approved
// members ready for points, encrypted with bench.PointsMembers' key.
func mustPointsClub(t *testing.T, ctx context.Context, dsn string, n int) (*db.DB, *member.Service, []int64) {
	t.Helper()
	d, err := db.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	if err := d.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	msvc, ids, err := bench.PointsMembers(ctx, d, n)
	if err != nil {
		t.Fatal(err)
	}
	return d, msvc, ids
}

// TestPointsReportRebuild: report-rebuild sums every member posting into
// the report's rollup, and the rows hold them all.
func TestPointsReportRebuild(t *testing.T) {
	dir := t.TempDir()
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "test"})
	d, msvc, ids := mustPointsClub(t, ctx, filepath.Join(dir, "estateclub.db"), 10)
	if _, err := bench.Awards(ctx, &points.Service{DB: d, Members: msvc}, ids, 4, 100, 1, points.Reward); err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, "", "points", "report-rebuild", "--data-dir", dir)
	if !strings.HasPrefix(out, "report rollup rebuilt: 100 member postings up to posting 200") {
		t.Errorf("report-rebuild: %q", out)
	}
	var rolled int
	if err := d.View(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT CAST(SUM(postings) AS INTEGER) FROM point_report_days").Scan(&rolled)
	}); err != nil || rolled != 100 {
		t.Errorf("rollup holds %d postings (%v), want 100", rolled, err)
	}
}
