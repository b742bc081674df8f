package points_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

func TestBatchAllOrNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		a, b, c := f.Member(t, "SH-PD"), f.Member(t, "SH"), f.Member(t, "SZ-QH")
		f.Plan(t, "GROUP", rule(points.EvEventAttendance, points.Reward, 20), rule(points.EvEventAttendance, points.Upgrade, 5))
		f.Plan(t, "EAST", capped(points.EvEventAttendance, 100, points.PerDay, 1, 0))
		batch := func(ids ...int64) points.BatchInput {
			in := points.BatchInput{Type: points.EvEventAttendance, Ref: "EV-2025-031", Note: "春季业主答谢会"}
			for _, id := range ids {
				in.Rows = append(in.Rows, points.BatchRow{MemberID: id})
			}
			return in
		}

		r, err := f.Points.AwardBatch(staffCtx(), batch(a, b, 999999, c))
		if e := testfix.WantCode(t, err, apperr.Invalid); e.Field != "rows" {
			t.Fatalf("err = %v", e)
		}
		if r.Posted || r.Failed != 1 || r.Lines[2].Outcome != points.RowFailed || !apperr.Is(r.Lines[2].Err, apperr.NotFound) || r.Lines[2].Line != 3 ||
			r.Lines[0].Outcome != points.RowNotPosted {
			t.Fatalf("report = %+v", r)
		}
		for _, q := range []string{"point_events", "point_transactions", "point_postings", "point_awards", "point_award_batches",
			"point_accounts WHERE balance <> 0"} { // empty accounts are opened ahead
			if n := f.Count(t, "SELECT count(*) FROM "+q); n != 0 {
				t.Fatalf("a failed batch left %d rows in %s", n, q)
			}
		}

		// A caller who reaches Shanghai only cannot award the Shenzhen member.
		var shPath string
		if err := d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), "SELECT path FROM org_nodes WHERE code = 'SH'").Scan(&shPath)
		}); err != nil {
			t.Fatal(err)
		}
		scoped := batch(a, b, c)
		scoped.Within = []string{shPath}
		r, err = f.Points.AwardBatch(staffCtx(), scoped)
		if e := testfix.WantCode(t, err, apperr.Invalid); e.Field != "rows" || r.Failed != 1 || r.Lines[2].Outcome != points.RowFailed ||
			!apperr.Is(r.Lines[2].Err, apperr.NotFound) || r.Lines[0].Outcome != points.RowNotPosted {
			t.Fatalf("out-of-scope row: err = %v, report = %+v", e, r)
		}
		if n := f.Count(t, "SELECT count(*) FROM point_events"); n != 0 {
			t.Fatalf("a batch with an out-of-scope row recorded %d events", n)
		}

		r, err = f.Points.AwardBatch(staffCtx(), batch(a, b, c))
		if err != nil {
			t.Fatal(err)
		}
		want := points.Amounts{Upgrade: 15, Reward: 60 + 200}
		if !r.Posted || r.Events != 3 || r.Awards != 8 || r.Points != want || r.BatchID == 0 {
			t.Fatalf("report = %+v", r)
		}
		if got := f.Balance(t, a, points.Reward); got != 120 {
			t.Fatalf("a's reward balance = %d", got)
		}
		if got := f.Balance(t, c, points.Reward); got != 20 {
			t.Fatalf("c (south) reward balance = %d", got)
		}

		// Sent again, with a duplicate row: nothing new.
		again := batch(a, b, c, a)
		r, err = f.Points.AwardBatch(staffCtx(), again)
		if err != nil {
			t.Fatal(err)
		}
		if r.Replayed != 3 || r.Duplicates != 1 || r.Awards != 0 || r.Lines[3].EventID != r.Lines[0].EventID || r.Lines[0].Outcome != points.RowReplayed {
			t.Fatalf("resent: %+v", r)
		}
		if n := f.Count(t, "SELECT count(*) FROM point_transactions"); n != 8 {
			t.Fatalf("%d transactions after the resend", n)
		}
		f.Verify(t)
	})
}

func TestBatchRows(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		a, b := f.Member(t, "SH-PD"), f.Member(t, "SZ-QH")
		f.Plan(t, "GROUP", capped(points.EvSiteVisit, 10, points.PerDay, 1, 0))
		prospect, _, err := f.Members.Enrol(staffCtx(), member.Application{NodeCode: "SZ", Channel: member.SalesSite, Mobile: "13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		ma, _ := f.Members.Get(context.Background(), a)
		in := points.BatchInput{Type: points.EvSiteVisit, Rows: []points.BatchRow{
			{MemberNo: ma.MemberNo, Ref: "V1"},
			{MemberID: a, Ref: "V2"}, // the same day: the cap leaves nothing
			{MemberID: b, Ref: "V1"},
			{MemberID: prospect.ID, Ref: "V1"},
		}, DryRun: true}
		r, err := f.Points.AwardBatch(staffCtx(), in)
		if err != nil {
			t.Fatal(err)
		}
		outcomes := []points.Outcome{points.RowAwarded, points.RowNoPoints, points.RowAwarded, points.RowIneligible}
		for i, o := range outcomes {
			if r.Lines[i].Outcome != o {
				t.Errorf("line %d: %+v, want %s", i+1, r.Lines[i], o)
			}
		}
		if r.Posted || r.Points.Reward != 20 || r.Ineligible != 1 {
			t.Fatalf("dry run: %+v", r)
		}
		if n := f.Count(t, "SELECT count(*) FROM point_events"); n != 0 {
			t.Fatalf("a dry run recorded %d events", n)
		}
		in.DryRun = false
		if r, err = f.Points.AwardBatch(staffCtx(), in); err != nil || r.Points.Reward != 20 || r.Events != 3 {
			t.Fatalf("posted: %+v, %v", r, err)
		}
		events, total, err := f.Points.Events(context.Background(), points.EventFilter{BatchID: r.BatchID})
		if err != nil || total != 3 {
			t.Fatalf("events of the batch: %d, %v", total, err)
		}
		_ = events
		for _, bad := range []points.BatchRow{{MemberID: a, MemberNo: "M99999999"}, {}, {MemberID: b}} {
			_, err := f.Points.AwardBatch(staffCtx(), points.BatchInput{Type: points.EvSiteVisit, Rows: []points.BatchRow{bad}})
			testfix.WantCode(t, err, apperr.Invalid) // unknown number, no member, no ref
		}
		f.Verify(t)
	})
}

// TestBatchMatchesSingleAwards records the same history for two members,
// one event at a time for the first and in batches for the second: the
// ledger must tell the same story for both.
func TestBatchMatchesSingleAwards(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		one, many := f.Member(t, "SH-PD"), f.Member(t, "SH-PD")
		f.Plan(t, "EAST", rule(points.EvEventAttendance, points.Upgrade, 700), capped(points.EvEventAttendance, 40, points.PerMonth, 0, 100))
		f.Plan(t, "GROUP", rule(points.EvEventAttendance, points.Reward, 1))
		for i := range 4 {
			ref := fmt.Sprint("EV-", i)
			f.mustEvent(t, points.EventInput{MemberID: one, Type: points.EvEventAttendance, Ref: ref})
			r, err := f.Points.AwardBatch(staffCtx(), points.BatchInput{Type: points.EvEventAttendance, Ref: ref, Rows: []points.BatchRow{{MemberID: many}}})
			if err != nil || r.Events != 1 {
				t.Fatalf("batch %d: %+v, %v", i, r, err)
			}
			f.Clock.Advance(time.Hour)
		}
		lines := func(m int64) []string {
			ls, _, err := f.Points.Statement(context.Background(), m, points.Filter{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range ls {
				out = append(out, fmt.Sprintf("%s %s %+d → %d %s %q plan %d rule %d %s %s", l.Kind, l.Region, l.Amount, l.Balance,
					l.Source, l.Reason, *l.PlanID, *l.RuleID, l.Ref, l.ActorLogin))
			}
			slices.Sort(out) // one event's postings may be made in another order
			return out
		}
		a, b := lines(one), lines(many)
		if len(a) != 11 || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("one at a time:\n%s\nin batches:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
		// The bulk path claimed the key and request hash Post would have:
		// posting the same entry again replays it.
		evs, _, err := f.Points.Events(context.Background(), points.EventFilter{MemberID: many, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		aw := evs[0].Awards[0]
		tr, err := f.Points.Post(staffCtx(), points.Entry{MemberID: many, Kind: aw.Kind, Amount: aw.Amount, Source: points.FromRule,
			Reason: "参加活动 · EAST 2025 年度积分计划", PlanID: &aw.PlanID, RuleID: &aw.RuleID, Ref: evs[0].Ref,
			IdempotencyKey: fmt.Sprintf("award:%d:%d", evs[0].ID, aw.RuleID)})
		if err != nil || !tr.Replayed || tr.ID != aw.TransactionID {
			t.Fatalf("post again: %+v, %v", tr, err)
		}
		ma, _ := f.Members.Get(context.Background(), one)
		mb, _ := f.Members.Get(context.Background(), many)
		if ma.Tier != "silver" || mb.Tier != ma.Tier {
			t.Fatalf("tiers %s and %s", ma.Tier, mb.Tier)
		}
		f.Verify(t)
	})
}

func TestBatchBudgetAndSheet(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		var members []int64
		for range 5 {
			members = append(members, f.Member(t, "SZ-QH"))
		}
		p, err := f.Points.CreatePlan(specialist, points.PlanInput{NodeCode: "SOUTH", Kind: points.AdHoc, Name: "问卷季",
			ValidFrom: db.DateOf(2025, 3, 1), ValidTo: db.DateOf(2025, 3, 31), Budget: points.Amounts{Reward: 200},
			Rules: []points.RuleInput{rule(points.EvSurvey, points.Reward, 50)}})
		if err != nil {
			t.Fatal(err)
		}
		mustSubmitApprove(t, f, p.ID)

		sheet := mustSheet(t, [][]any{
			{"2025 年 3 月满意度问卷发放名单"},
			{},
			{"序号", "会员编号", "会员ID", "关联编号", "日期"},
		}, members, "Q-2025-03")
		rows, err := points.ReadAwardSheet(bytes.NewReader(sheet))
		if err != nil || len(rows) != 5 || rows[0].Line != 4 || rows[0].MemberNo == "" || rows[1].MemberID != members[1] || rows[0].Ref != "Q-2025-03" {
			t.Fatalf("sheet rows: %+v, %v", rows, err)
		}
		if want := time.Date(2025, 3, 8, 0, 0, 0, 0, time.FixedZone("", 8*3600)); !rows[0].OccurredAt.Equal(want) {
			t.Fatalf("date = %s", rows[0].OccurredAt)
		}
		in := points.BatchInput{Type: points.EvSurvey, Rows: rows, Source: "xlsx", File: "名单.xlsx"}
		r, err := f.Points.AwardBatch(staffCtx(), in)
		if e := testfix.WantCode(t, err, apperr.Conflict); e.Field != "budget" || r.Posted || r.Lines[4].Outcome != points.RowNotPosted || r.Lines[4].Points.Reward != 50 {
			t.Fatalf("over budget: %v, %+v", e, r)
		}
		if n := f.Count(t, "SELECT count(*) FROM point_transactions"); n != 0 {
			t.Fatalf("%d transactions", n)
		}
		in.Rows = rows[:4]
		if r, err = f.Points.AwardBatch(staffCtx(), in); err != nil || r.Points.Reward != 200 {
			t.Fatalf("within budget: %+v, %v", r, err)
		}
		if got, _ := f.Points.Plan(context.Background(), p.ID); got.Issued.Reward != 200 {
			t.Fatalf("issued = %+v", got.Issued)
		}
		_, err = points.ReadAwardSheet(bytes.NewReader(mustSheet(t, [][]any{{"姓名", "手机"}}, nil, "")))
		testfix.WantCode(t, err, apperr.Invalid)
		f.Verify(t)
	})
}

// mustSheet writes an .xlsx of the head rows and a row per member: its
// number, its id, the ref and 8 March 2025 as an Excel date.
func mustSheet(t testing.TB, head [][]any, members []int64, ref string) []byte {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, row := range head {
		if err := x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range members {
		no, id := fmt.Sprintf("M%08d", m), any(m)
		if i%2 == 1 {
			no = "" // by id only
		} else {
			id = ""
		}
		row := []any{i + 1, no, id, ref, time.Date(2025, 3, 8, 0, 0, 0, 0, time.UTC)}
		if err := x.SetSheetRow("Sheet1", fmt.Sprintf("A%d", len(head)+i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAwardsConcurrently runs batches over overlapping members, single
// events, retries of both and redemptions at once: no deadlock, no cap
// exceeded, one posting per event, and a ledger that adds up.
func TestAwardsConcurrently(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		var members []int64
		for i := range 16 {
			members = append(members, f.Member(t, []string{"SH-PD", "SZ-QH", "SH"}[i%3]))
		}
		group := f.Plan(t, "GROUP", capped(points.EvEventAttendance, 10, points.PerDay, 3, 0), rule(points.EvEventAttendance, points.Upgrade, 400))
		f.Plan(t, "EAST", rule(points.EvEventAttendance, points.Reward, 1))
		errs := make(chan error, 1000)
		testfix.Together(8, func(g int) {
			r := rand.New(rand.NewPCG(uint64(g), 7))
			for i := range 6 {
				switch g % 4 {
				case 0, 1: // two clients send the same batches
					ids := slices.Clone(members)
					r.Shuffle(len(ids), func(a, b int) { ids[a], ids[b] = ids[b], ids[a] })
					in := points.BatchInput{Type: points.EvEventAttendance, Ref: fmt.Sprint("B-", g/4, "-", i)}
					for _, id := range ids[:10] {
						in.Rows = append(in.Rows, points.BatchRow{MemberID: id})
					}
					if _, err := f.Points.AwardBatch(staffCtx(), in); err != nil {
						errs <- err
					}
				case 2:
					if i == 3 && g == 2 { // the supervisor raises a budget meanwhile
						c, err := f.Points.ProposePlanChange(specialist, group.ID, points.PlanRevision{
							Plan: points.PlanUpdate{Budget: &points.Amounts{Upgrade: 2_000_000, Reward: 2_000_000}}}, "追加")
						if err == nil {
							_, err = f.Points.DecidePlanChange(supervisor, c.ID, true, "")
						}
						if err != nil {
							errs <- err
						}
					}
					m := members[r.IntN(len(members))]
					if _, err := f.Points.RecordEvent(staffCtx(), points.EventInput{MemberID: m, Type: points.EvEventAttendance, Ref: fmt.Sprint("S-", i%3)}); err != nil {
						errs <- err
					}
				case 3:
					m := members[r.IntN(len(members))]
					if _, err := f.Points.Post(staffCtx(), redeem(m, 5, fmt.Sprint("gift-", g, "-", i))); err != nil && !apperr.Is(err, apperr.InsufficientPoints) {
						errs <- err
					}
					up := points.Entry{MemberID: m, Kind: points.Upgrade, Amount: 50, Source: points.FromPlan, PlanID: &group.ID,
						Reason: "补记", IdempotencyKey: fmt.Sprint("up-", g, "-", i)}
					if _, err := f.Points.Post(staffCtx(), up); err != nil {
						errs <- err
					}
					a, err := f.Points.ProposeAdjustment(specialist, points.AdjustmentInput{MemberID: m, Kind: points.Reward, Amount: 3, Reason: "补偿"})
					if err == nil {
						_, err = f.Points.DecideAdjustment(supervisor, a.ID, true, "")
					}
					if err != nil {
						errs <- err
					}
				}
			}
		})
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := f.Count(t, `SELECT count(*) FROM (SELECT member_id FROM point_awards a JOIN point_rules r ON r.id = a.rule_id
			WHERE r.cap_period = 'day' GROUP BY member_id HAVING count(*) > 3) x`); n != 0 {
			t.Errorf("%d members past the cap", n)
		}
		if n := f.Count(t, "SELECT count(*) FROM (SELECT event_id, rule_id FROM point_awards GROUP BY event_id, rule_id HAVING count(*) > 1) x"); n != 0 {
			t.Errorf("%d events awarded twice by a rule", n)
		}
		f.Verify(t)
	})
}
