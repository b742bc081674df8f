package points_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"testing"

	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

// auditedExpiries lists the accounts ("member region") that the audit
// log's batch entries say were expired, failing on one listed twice.
func auditedExpiries(t *testing.T, f *fixture) []string {
	t.Helper()
	entries, _, err := audit.List(context.Background(), f.DB, audit.Filter{Action: "points.expire.batch", Unscoped: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	seen := map[string]bool{}
	for _, e := range entries {
		var after struct {
			Accounts int                 `json:"accounts"`
			Lines    []points.ExpiryLine `json:"lines"`
		}
		if err := json.Unmarshal([]byte(e.After), &after); err != nil {
			t.Fatalf("entry %d: %v: %s", e.ID, err, e.After)
		}
		if after.Accounts != len(after.Lines) || len(after.Lines) == 0 {
			t.Errorf("entry %d: %d accounts, %d lines", e.ID, after.Accounts, len(after.Lines))
		}
		for _, l := range after.Lines {
			k := fmt.Sprint(l.MemberID, " ", l.Region)
			if seen[k] || l.Amount <= 0 || l.TransactionID == 0 {
				t.Errorf("entry %d: line %+v (listed before: %v)", e.ID, l, seen[k])
			}
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// ledgerExpiries lists the accounts the ledger holds an expiry of.
func ledgerExpiries(t *testing.T, f *fixture) []string {
	t.Helper()
	var out []string
	err := f.DB.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), `SELECT a.member_id, a.region_path FROM point_postings p
			JOIN point_accounts a ON a.id = p.account_id JOIN point_transactions t ON t.id = p.transaction_id
			WHERE t.source = 'expiry' AND a.member_id IS NOT NULL`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m int64
			var region string
			if err := rows.Scan(&m, &region); err != nil {
				return err
			}
			out = append(out, fmt.Sprint(m, " ", region))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// A year-end run stopped after its first batch leaves batch entries in the
// audit log for exactly the accounts it expired (each written in its
// batch's transaction); the run that finishes the year adds the rest.
func TestInterruptedExpiryIsAudited(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.Clock.At(2025, 5, 1, 9, 0)
		const n = 12
		for i := range n {
			f.mustPost(t, award(f.Member(t, []string{"SH-PD", "SZ-QH"}[i%2]), int64(10+i), fmt.Sprint("award-", i)))
		}
		f.Clock.At(2027, 1, 1, 1, 0)
		ctx, cancel := context.WithCancel(staffCtx())
		_, err := f.Points.Expire(ctx, points.ExpiryRun{Year: 2026, Batch: 1, Workers: 4, Progress: func(done, total int64) { cancel() }})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		ledger, audited := ledgerExpiries(t, f), auditedExpiries(t, f)
		if len(ledger) == 0 || len(ledger) >= n {
			t.Fatalf("the interrupted run expired %d of %d accounts", len(ledger), n)
		}
		if fmt.Sprint(audited) != fmt.Sprint(ledger) {
			t.Errorf("audited %v, the ledger expired %v", audited, ledger)
		}
		if runs := f.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'points.expire'"); runs != 0 {
			t.Errorf("%d run entries for a run that did not finish", runs)
		}

		f.mustExpire(t, points.ExpiryRun{Year: 2026, Batch: 5})
		ledger, audited = ledgerExpiries(t, f), auditedExpiries(t, f)
		if len(ledger) != n || fmt.Sprint(audited) != fmt.Sprint(ledger) {
			t.Errorf("after the finishing run: audited %v, the ledger expired %v", audited, ledger)
		}
		if runs := f.Count(t, "SELECT count(*) FROM audit_log WHERE action = 'points.expire'"); runs != 1 {
			t.Errorf("%d run entries, want 1", runs)
		}
	})
}
