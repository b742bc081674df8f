package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestPointsExpireEndToEnd: the command really expires the reward points
// earned before the cut-off: members hold only what they earned since,
// points verify still finds every balance equal to its postings, and a
// second run expires nothing more.
func TestPointsExpireEndToEnd(t *testing.T) {
	dir := t.TempDir()
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "system", Login: "test"})
	d, msvc, ids := mustPointsClub(t, ctx, filepath.Join(dir, "estateclub.db"), 6)
	svc := &points.Service{DB: d, Members: msvc}
	// Three years ago every member earned 100; now 3 of them earned 25 more.
	old := time.Now().AddDate(-3, 0, 0)
	d.Clock = func() time.Time { return old }
	for i, id := range ids {
		if _, err := svc.Post(ctx, points.Entry{MemberID: id, Kind: points.Reward, Amount: 100, Source: points.FromAdjustment,
			Reason: "old", IdempotencyKey: fmt.Sprintf("old-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	d.Clock = time.Now
	for i, id := range ids[:3] {
		if _, err := svc.Post(ctx, points.Entry{MemberID: id, Kind: points.Reward, Amount: 25, Source: points.FromAdjustment,
			Reason: "new", IdempotencyKey: fmt.Sprintf("new-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// The last year that has ended in the club's time zone (Asia/Shanghai).
	year := strconv.Itoa(time.Now().In(time.FixedZone("CST", 8*3600)).Year() - 1)
	if out := mustCLI(t, "", "points", "expire", "--year", year, "--dry-run", "--data-dir", dir); !strings.Contains(out, "would expire 600 points in 6 accounts") {
		t.Fatalf("dry run: %s", out)
	}
	if out := mustCLI(t, "", "points", "expire", "--year", year, "--data-dir", dir); !strings.Contains(out, "expired 600 points in 6 accounts") {
		t.Fatalf("run: %s", out)
	}
	for i, id := range ids {
		bs, err := svc.Balances(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var reward int64
		for _, b := range bs {
			if b.Kind == points.Reward {
				reward += b.Balance
			}
		}
		if want := map[bool]int64{true: 25, false: 0}[i < 3]; reward != want {
			t.Errorf("member %d holds %d reward points after expiry, want %d", id, reward, want)
		}
	}
	if out := mustCLI(t, "", "points", "verify", "--data-dir", dir); !strings.Contains(out, "ok: every balance equals its postings") {
		t.Errorf("verify after expiry: %s", out)
	}
	if out := mustCLI(t, "", "points", "expire", "--year", year, "--data-dir", dir); !strings.Contains(out, "expired 0 points") || !strings.Contains(out, "6 accounts, 600 points expired by earlier runs") {
		t.Errorf("a second run: %s", out)
	}
}
