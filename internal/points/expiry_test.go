package points_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/jobs"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

// history is the scripted history of the expiry tests: what each member
// earned in 2025, spent or had reversed in 2026, and earned in 2026.
type history struct {
	m1, m2, m3, m4, m5 int64
	south              string
}

func mustHistory(t *testing.T, f *fixture) history {
	t.Helper()
	h := history{m1: f.Member(t, "SH-PD"), m2: f.Member(t, "SH-PD"), m3: f.Member(t, "SZ-QH"),
		m4: f.Member(t, "SH-PD"), m5: f.Member(t, "SH-PD"), south: f.Nodes["SOUTH"].Path}
	f.Clock.At(2025, 3, 10, 9, 0)
	f.mustPost(t, award(h.m1, 100, "m1-a"))
	f.mustPost(t, award(h.m2, 200, "m2-a"))
	m4a := f.mustPost(t, award(h.m4, 100, "m4-a"))
	f.mustPost(t, award(h.m4, 40, "m4-b"))
	f.mustPost(t, award(h.m5, 60, "m5-a"))
	south := award(h.m5, 70, "m5-b")
	south.Region = h.south
	f.mustPost(t, south)
	f.Clock.At(2025, 11, 1, 9, 0)
	f.mustPost(t, award(h.m1, 50, "m1-b"))
	m2r := f.mustPost(t, redeem(h.m2, 150, "m2-r"))
	f.Clock.At(2026, 2, 1, 9, 0)
	f.mustPost(t, redeem(h.m1, 120, "m1-r")) // spends 2025's points first
	if _, err := f.Points.Reverse(staffCtx(), m2r.ID, "兑换取消", "m2-rr"); err != nil {
		t.Fatal(err) // the 150 come back as 2025 points
	}
	if _, err := f.Points.Reverse(staffCtx(), m4a.ID, "误发", "m4-ar"); err != nil {
		t.Fatal(err) // 2025 earned 40, not 140
	}
	f.mustPost(t, redeem(h.m5, 10, "m5-r"))
	f.Clock.At(2026, 6, 1, 9, 0)
	f.mustPost(t, award(h.m1, 80, "m1-c"))
	f.mustPost(t, award(h.m3, 90, "m3-a"))
	return h
}

func (f *fixture) mustExpire(t *testing.T, run points.ExpiryRun) *points.ExpiryReport {
	t.Helper()
	r, err := f.Points.Expire(staffCtx(), run)
	if err != nil {
		t.Fatalf("expire %+v: %v", run, err)
	}
	return r
}

// expired maps "member region" to the points expired of it.
func expired(r *points.ExpiryReport) map[string]int64 {
	out := map[string]int64{}
	for _, l := range r.Lines {
		out[fmt.Sprint(l.MemberID, " ", l.Region)] = l.Amount
	}
	return out
}

func TestExpiryIsFIFO(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		h := mustHistory(t, f)
		east := f.Nodes["EAST"].Path
		want := map[string]int64{fmt.Sprint(h.m1, " ", east): 30, fmt.Sprint(h.m2, " ", east): 200,
			fmt.Sprint(h.m4, " ", east): 40, fmt.Sprint(h.m5, " ", east): 50, fmt.Sprint(h.m5, " ", h.south): 70}

		f.Clock.At(2026, 12, 31, 23, 0)
		_, err := f.Points.Expire(staffCtx(), points.ExpiryRun{Year: 2026})
		testfix.WantCode(t, err, apperr.Conflict) // the year has not ended
		preview := f.mustExpire(t, points.ExpiryRun{Year: 2026, DryRun: true})
		if got := expired(preview); fmt.Sprint(got) != fmt.Sprint(want) || preview.Points != 390 || preview.Accounts != 5 {
			t.Errorf("dry run before the cut-off: %v (%d points in %d accounts), want %v", got, preview.Points, preview.Accounts, want)
		}

		f.Clock.At(2027, 1, 1, 0, 30)
		before := f.Count(t, "SELECT count(*) FROM point_transactions")
		dry := f.mustExpire(t, points.ExpiryRun{DryRun: true}) // year 0: the year that just ended
		if n := f.Count(t, "SELECT count(*) FROM point_transactions"); n != before {
			t.Fatalf("the dry run posted %d transactions", n-before)
		}
		if dry.Year != 2026 || !dry.Cutoff.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, testfix.CST)) || !dry.EarnedBefore.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, testfix.CST)) {
			t.Errorf("period = %+v", dry.ExpiryPeriod)
		}
		run := f.mustExpire(t, points.ExpiryRun{Year: 2026})
		if got := expired(run); fmt.Sprint(got) != fmt.Sprint(want) || run.Points != 390 || run.Accounts != 5 || run.Already != 0 || run.DryRun {
			t.Errorf("run: %v (%+v), want %v", got, run, want)
		}
		if fmt.Sprint(expired(dry)) != fmt.Sprint(expired(run)) || len(run.Regions) != 2 || run.Regions[0].Name == "" {
			t.Errorf("dry run %+v, run %+v", dry, run)
		}
		for _, l := range run.Lines {
			tr, err := f.Points.Transaction(context.Background(), l.TransactionID)
			if err != nil {
				t.Fatal(err)
			}
			if tr.Source != points.FromExpiry || tr.Amount != -l.Amount || tr.MemberID != l.MemberID || tr.Region != l.Region ||
				tr.IdempotencyKey != fmt.Sprintf("expiry:2026:%d:%s", l.MemberID, l.Region) || tr.Postings[1].Account != "expired" {
				t.Errorf("transaction %+v for line %+v", tr, l)
			}
		}
		for m, want := range map[int64]int64{h.m1: 80, h.m2: 0, h.m3: 90, h.m4: 0, h.m5: 0} {
			if got := f.Balance(t, m, points.Reward); got != want {
				t.Errorf("member %d: balance %d, want %d", m, got, want)
			}
		}
		f.Verify(t)

		// Running the year again posts nothing and says what was done.
		after := f.Count(t, "SELECT count(*) FROM point_transactions")
		for _, dry := range []bool{true, false} {
			again := f.mustExpire(t, points.ExpiryRun{Year: 2026, DryRun: dry})
			if again.Accounts != 0 || again.Points != 0 || again.Already != 5 || again.AlreadyPoints != 390 {
				t.Errorf("run again (dry %v): %+v", dry, again)
			}
		}
		if n := f.Count(t, "SELECT count(*) FROM point_transactions"); n != after {
			t.Errorf("running again posted %d transactions", n-after)
		}

		// A year later the points of 2026 go, after the earlier expiry.
		f.Clock.At(2028, 1, 2, 9, 0)
		next := f.mustExpire(t, points.ExpiryRun{Year: 2027})
		wantNext := map[string]int64{fmt.Sprint(h.m1, " ", east): 80, fmt.Sprint(h.m3, " ", h.south): 90}
		if got := expired(next); fmt.Sprint(got) != fmt.Sprint(wantNext) {
			t.Errorf("2027: %v, want %v", got, wantNext)
		}
		f.Verify(t)
		entries, _, err := audit.List(context.Background(), d, audit.Filter{Action: "points.expire", Unscoped: true})
		if err != nil || len(entries) != 3 { // dry runs are not audited
			t.Errorf("audit = %+v, %v", entries, err)
		}
	})
}

func TestUpcomingExpiries(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		h := mustHistory(t, f)
		east := f.Nodes["EAST"].Path
		upcoming := func(m int64) string {
			t.Helper()
			us, err := f.Points.UpcomingExpiries(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			s := ""
			for _, u := range us {
				s += fmt.Sprintf("%s %d %s %d %v; ", u.Region, u.Year, u.ExpiresAt.In(testfix.CST).Format("2006-01-02"), u.Points, u.Overdue)
				if u.RegionName == "" {
					t.Errorf("no region name in %+v", u)
				}
			}
			return s
		}
		f.Clock.At(2026, 7, 1, 9, 0)
		for m, want := range map[int64]string{
			h.m1: east + " 2026 2027-01-01 30 false; " + east + " 2027 2028-01-01 80 false; ",
			h.m3: h.south + " 2027 2028-01-01 90 false; ",
			h.m5: east + " 2026 2027-01-01 50 false; " + h.south + " 2026 2027-01-01 70 false; ",
			h.m4: east + " 2026 2027-01-01 40 false; ",
		} {
			if got := upcoming(m); got != want {
				t.Errorf("member %d on 2026-07-01: %s, want %s", m, got, want)
			}
		}
		f.Clock.At(2027, 1, 1, 0, 30) // the year-end has passed, not run yet
		if got, want := upcoming(h.m1), east+" 2026 2027-01-01 30 true; "+east+" 2027 2028-01-01 80 false; "; got != want {
			t.Errorf("before the run: %s, want %s", got, want)
		}
		f.mustExpire(t, points.ExpiryRun{Year: 2026})
		if got, want := upcoming(h.m1), east+" 2027 2028-01-01 80 false; "; got != want {
			t.Errorf("after the run: %s, want %s", got, want)
		}
		if got := upcoming(h.m2); got != "" {
			t.Errorf("member 2 after the run: %s", got)
		}
		if err := f.Points.SetExpiryYears(staffCtx(), 0); err != nil {
			t.Fatal(err)
		}
		if got := upcoming(h.m1); got != "" {
			t.Errorf("points that never expire: %s", got)
		}
		_, err := f.Points.UpcomingExpiries(context.Background(), 999999)
		testfix.WantCode(t, err, apperr.NotFound)
	})
}

// TestExpiryResumes stops a run after a few batches, as a crash would, and
// runs the year again: each account expires exactly once.
func TestExpiryResumes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.Clock.At(2025, 5, 1, 9, 0)
		const n = 30
		members := make([]int64, n)
		for i := range members {
			members[i] = f.Member(t, []string{"SH-PD", "SZ-QH"}[i%2])
			f.mustPost(t, award(members[i], int64(10+i), fmt.Sprint("award-", i)))
		}
		f.Clock.At(2027, 1, 1, 1, 0)
		ctx, cancel := context.WithCancel(staffCtx())
		first, err := f.Points.Expire(ctx, points.ExpiryRun{Year: 2026, Batch: 4, Workers: 2, Progress: func(done, total int64) {
			if done >= 8 {
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("interrupted run: %v", err)
		}
		done := f.Count(t, "SELECT count(*) FROM point_transactions WHERE source = 'expiry'")
		if done < 8 || done >= n || first.Accounts != done {
			t.Fatalf("the interrupted run expired %d accounts (reported %d)", done, first.Accounts)
		}
		f.Verify(t)
		second := f.mustExpire(t, points.ExpiryRun{Year: 2026, Batch: 4, Workers: 2})
		if second.Accounts != n-done || second.Already != done {
			t.Errorf("resumed run: %+v, want %d accounts after %d", second, n-done, done)
		}
		f.mustExpire(t, points.ExpiryRun{Year: 2026})
		perMember := f.Count(t, `SELECT count(*) FROM (SELECT a.member_id FROM point_postings p
			JOIN point_accounts a ON a.id = p.account_id JOIN point_transactions t ON t.id = p.transaction_id
			WHERE t.source = 'expiry' AND a.member_id IS NOT NULL GROUP BY a.member_id HAVING count(*) = 1) x`)
		if total := f.Count(t, "SELECT count(*) FROM point_transactions WHERE source = 'expiry'"); total != n || perMember != n {
			t.Errorf("%d expiries, %d members expired once; want %d", total, perMember, n)
		}
		for _, m := range members {
			if b := f.Balance(t, m, points.Reward); b != 0 {
				t.Errorf("member %d keeps %d", m, b)
			}
		}
		f.Verify(t)
	})
}

// TestConcurrentExpiryRuns runs one year-end twice at once: every account
// still expires once.
func TestConcurrentExpiryRuns(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		f.Clock.At(2025, 5, 1, 9, 0)
		const n = 40
		for i := range n {
			f.mustPost(t, award(f.Member(t, "SH-PD"), 100, fmt.Sprint("award-", i)))
		}
		f.Clock.At(2027, 1, 1, 1, 0)
		var mu sync.Mutex
		total := 0
		testfix.Together(3, func(int) {
			r, err := f.Points.Expire(staffCtx(), points.ExpiryRun{Year: 2026, Batch: 3, Workers: 3})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			total += r.Accounts
			mu.Unlock()
		})
		if got := f.Count(t, "SELECT count(*) FROM point_transactions WHERE source = 'expiry'"); got != n || total != n {
			t.Errorf("%d expiries (runs reported %d), want %d", got, total, n)
		}
		f.Verify(t)
	})
}

func TestExpirySettingsAndJob(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		h := mustHistory(t, f)
		if y, err := f.Points.ExpiryYears(context.Background()); err != nil || y != points.DefaultExpiryYears {
			t.Fatalf("default validity %d, %v", y, err)
		}
		testfix.WantCode(t, f.Points.SetExpiryYears(staffCtx(), 11), apperr.Invalid)
		if err := f.Points.SetExpiryYears(staffCtx(), 2); err != nil {
			t.Fatal(err)
		}
		f.Clock.At(2027, 1, 1, 0, 30)
		if r := f.mustExpire(t, points.ExpiryRun{Year: 2026}); r.Accounts != 0 || r.Years != 2 {
			t.Errorf("two years' validity: 2025's points kept, got %+v", r)
		}
		f.Clock.At(2028, 1, 1, 0, 30)
		job := f.Points.ExpiryJob()
		res, err := job(staffCtx(), &jobs.Job{Kind: points.ExpiryJobKind, Params: `{"year": 2027}`}, nil, func(int64, int64) {})
		if err != nil {
			t.Fatal(err)
		}
		var r points.ExpiryReport
		if err := json.Unmarshal([]byte(res.Summary), &r); err != nil {
			t.Fatal(err)
		}
		// 2025's points under two years: what is left of them after 2026's spending.
		if r.Year != 2027 || r.Points != 390 || r.Accounts != 5 {
			t.Errorf("job summary %+v", r)
		}
		if b := f.Balance(t, h.m1, points.Reward); b != 80 {
			t.Errorf("member 1 keeps %d, want 80", b)
		}

		on, err := f.Points.SpendAnywhere(context.Background())
		if err != nil || on {
			t.Fatalf("spend anywhere by default: %v, %v", on, err)
		}
		if err := f.Points.SetSpendAnywhere(staffCtx(), true); err != nil {
			t.Fatal(err)
		}
		if on, _ := f.Points.SpendAnywhere(context.Background()); !on {
			t.Error("the setting did not stick")
		}
		for _, action := range []string{"points.expiry_years", "points.spend_anywhere"} {
			entries, _, err := audit.List(context.Background(), d, audit.Filter{Action: action, Unscoped: true})
			if err != nil || len(entries) != 1 || entries[0].ActorLogin != "tester" {
				t.Errorf("audit of %s: %+v, %v", action, entries, err)
			}
		}
		f.Verify(t)
	})
}
