package request_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
)

// reportSet is the known set of requests the report test counts, played
// through the service with the clock moved (every hour counts: no calendar).
type reportSet struct {
	svc                            *request.Service
	r1, r2, r3, r4, r5, r6, r7, r8 *request.Request
	dept                           *request.Department
}

// mustReportSet plays October to early December 2026:
//
//	R6 10 Oct complaint/property SH-PD, resolved 2 h later, topic 漏水
//	R1 20 Oct complaint/property SH-PD, answered 2 h later, resolved 2 Nov (312 h), topic 漏水
//	R2  3 Nov complaint/property SH-PD by phone: answered after 1 h, waits for the member 24 h,
//	    resolved 4 Nov (30 h − 24 h waiting = 6 h), topic 漏水, rated 2; reopened 3 Dec
//	R3  5 Nov suggestion/events SH-PD: answered after 3 h, resolved 6 Nov, reopened 10 Nov,
//	    resolved again 12 Nov (48 h since the reopening), rated 5
//	R8 15 Nov correction/points HZ-XH on site: untouched
//	R4 20 Nov complaint/service, a member of the SH city (no project), by email: resolved 2 Dec
//	R5 21 Nov complaint/property SH-PD: merged into R4 an hour later
//	R7  1 Dec complaint/other SH-PD: after November
func mustReportSet(t *testing.T, e *testfix.Env) *reportSet {
	t.Helper()
	ctx := context.Background()
	svc := &request.Service{DB: e.DB, Keys: e.Keys}
	st := e.Staff(t, "cr", auth.CustomerRelations, "SH")
	as := db.WithActor(ctx, db.Actor{Kind: "staff", ID: st.ID, Login: st.Login})
	must := func(r *request.Request, err error) *request.Request {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	at := func(m time.Month, d, h int) { e.Clock.At(2026, m, d, h, 0) }
	at(10, 1, 9)
	dept, err := svc.SaveDepartment(as, 0, request.DepartmentInput{NodeID: e.Nodes["SH"].ID, Code: "property", StaffIDs: []int64{st.ID}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SaveRule(as, request.RuleInput{NodeID: e.Nodes["SH"].ID, Kind: request.Complaint, Subkind: request.SubProperty, DepartmentID: dept.ID}, nil); err != nil {
		t.Fatal(err)
	}
	pd, city, hz := e.Member(t, "SH-PD"), e.Member(t, "SH"), e.Member(t, "HZ-XH")
	submit := func(member int64, k request.Kind, sub request.Subkind, ch request.Channel) *request.Request {
		t.Helper()
		return must(svc.Submit(ctx, request.NewRequest{MemberID: member, Kind: k, Subkind: sub, Channel: ch, Text: "测试诉求内容"}))
	}
	reply := func(r *request.Request, wait bool) {
		t.Helper()
		must(svc.Reply(as, r.ID, st.ID, request.Reply{Body: "您好，已收到", Wait: wait}, nil))
	}
	resolve := func(r *request.Request, topic string) {
		t.Helper()
		must(svc.Resolve(as, r.ID, st.ID, "已处理", topic, nil))
	}
	rate := func(r *request.Request, v int) {
		t.Helper()
		if err := e.DB.Update(ctx, func(tx *db.Tx) error { return svc.Rate(ctx, tx, r.ID, v) }); err != nil {
			t.Fatal(err)
		}
	}
	s := &reportSet{svc: svc, dept: dept}
	at(10, 10, 10)
	s.r6 = submit(pd, request.Complaint, request.SubProperty, request.Portal)
	at(10, 10, 12)
	resolve(s.r6, "漏水")
	at(10, 20, 10)
	s.r1 = submit(pd, request.Complaint, request.SubProperty, request.Portal)
	at(10, 20, 12)
	reply(s.r1, false)
	at(11, 2, 10)
	resolve(s.r1, "漏水")
	at(11, 3, 9)
	s.r2 = submit(pd, request.Complaint, request.SubProperty, request.Phone)
	at(11, 3, 10)
	reply(s.r2, false)
	at(11, 3, 11)
	reply(s.r2, true)
	at(11, 4, 11)
	must(svc.MemberReply(ctx, s.r2.ID, pd, "补充一下情况"))
	at(11, 4, 15)
	resolve(s.r2, "漏水")
	at(11, 5, 9)
	rate(s.r2, 2)
	at(11, 5, 10)
	s.r3 = submit(pd, request.Suggestion, request.SubEvents, request.Portal)
	at(11, 5, 13)
	reply(s.r3, false)
	at(11, 6, 10)
	resolve(s.r3, "")
	at(11, 10, 10)
	must(svc.Reopen(as, s.r3.ID, 0, "会员来电说还没解决", nil))
	at(11, 12, 10)
	resolve(s.r3, "")
	at(11, 13, 10)
	rate(s.r3, 5)
	at(11, 15, 10)
	s.r8 = submit(hz, request.Correction, request.SubPoints, request.Site)
	at(11, 20, 10)
	s.r4 = submit(city, request.Complaint, request.SubService, request.Email)
	at(11, 21, 10)
	s.r5 = submit(pd, request.Complaint, request.SubProperty, request.Portal)
	at(11, 21, 11)
	must(svc.Merge(as, s.r5.ID, s.r4.ID, st.ID, nil))
	at(12, 1, 10)
	s.r7 = submit(pd, request.Complaint, request.SubOther, request.Portal)
	at(12, 2, 10)
	resolve(s.r4, "")
	at(12, 3, 10)
	must(svc.Reopen(as, s.r2.ID, 0, "会员说又漏水了", nil))
	return s
}

func f(v float64) *float64 { return &v }

// lineWant is a line's figures as "received/resolved/open/merged responded
// avg-resp median-resp avg-res median-res within/rate rated/avg reopened/rate".
func lineFigures(l request.Line) string {
	p := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprint(*v)
	}
	return fmt.Sprintf("%d/%d/%d/%d resp %d %s %s res %s %s due %d %s rated %d %s reopen %d %s",
		l.Received, l.Resolved, l.OpenAtEnd, l.Merged, l.Responded, p(l.AvgResponseHours), p(l.MedianResponseHours),
		p(l.AvgResolveHours), p(l.MedianResolveHours), l.WithinDue, p(l.WithinDueRate), l.Rated, p(l.AvgRating), l.Reopened, p(l.ReopenRate))
}

func linesByKey(ls []request.Line) map[string]string {
	out := map[string]string{}
	for _, l := range ls {
		out[l.Key] = lineFigures(l)
	}
	return out
}

func wantLines(t *testing.T, name string, got []request.Line, want map[string]string) {
	t.Helper()
	g := linesByKey(got)
	if len(g) != len(want) {
		t.Errorf("%s: %d lines, want %d: %v", name, len(g), len(want), g)
	}
	for k, w := range want {
		if g[k] != w {
			t.Errorf("%s %q:\n got %s\nwant %s", name, k, g[k], w)
		}
	}
}

func TestMonthlyReport(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := mustReportSet(t, e)
		ctx := context.Background()
		rep, err := s.svc.Report(ctx, request.ReportFilter{Month: "2026-11"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Month != "2026-11" || !rep.From.Equal(time.Date(2026, 10, 31, 16, 0, 0, 0, time.UTC)) ||
			!rep.To.Equal(time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)) {
			t.Errorf("month %s from %v to %v", rep.Month, rep.From, rep.To)
		}
		// Received R2 R3 R4 R5 R8; resolved R1 (312 h, late) R2 (6 h) R3 (48 h);
		// open at the end R4 R8 (R2 reopened only in December); R5 merged;
		// first answers R2 (1 h) R3 (3 h); ratings 2 and 5; R2 and R3 reopened.
		want := "5/3/2/1 resp 2 2 2 res 122 48 due 2 0.6667 rated 2 3.5 reopen 2 0.6667"
		if got := lineFigures(rep.Total); got != want {
			t.Errorf("total:\n got %s\nwant %s", got, want)
		}
		wantLines(t, "kind", rep.ByKind, map[string]string{
			"complaint":  "3/2/1/1 resp 1 1 1 res 159 159 due 1 0.5 rated 1 2 reopen 1 0.5",
			"suggestion": "1/1/0/0 resp 1 3 3 res 48 48 due 1 1 rated 1 5 reopen 1 1",
			"correction": "1/0/1/0 resp 0 - - res - - due 0 - rated 0 - reopen 0 -",
		})
		if rep.ByKind[0].Key != "complaint" || rep.ByKind[1].Key != "correction" || rep.ByKind[2].Key != "suggestion" {
			t.Errorf("kinds out of order: %v", rep.ByKind)
		}
		dept := fmt.Sprint(s.dept.ID)
		wantLines(t, "department", rep.ByDepartment, map[string]string{
			dept: "2/2/0/1 resp 1 1 1 res 159 159 due 1 0.5 rated 1 2 reopen 1 0.5",
			"":   "3/1/2/0 resp 1 3 3 res 48 48 due 1 1 rated 1 5 reopen 1 1",
		})
		if d := rep.ByDepartment[1]; d.Key != "" || d.Label("") != "未分派部门" || d.Label("en") != "No department" || d.Typed("en") {
			t.Errorf("the no-department line last: %+v", d)
		}
		if d := rep.ByDepartment[0]; d.Label("") != "物业公司" || d.Label("en") != "Property management" || !d.Typed("") || d.Typed("en") {
			t.Errorf("department line %+v", d)
		}
		wantLines(t, "project", rep.ByProject, map[string]string{
			"SH-PD": "3/3/0/1 resp 2 2 2 res 122 48 due 2 0.6667 rated 2 3.5 reopen 2 0.6667",
			"HZ-XH": "1/0/1/0 resp 0 - - res - - due 0 - rated 0 - reopen 0 -",
			"":      "1/0/1/0 resp 0 - - res - - due 0 - rated 0 - reopen 0 -",
		})
		if p := rep.ByProject; p[0].Key != "SH-PD" || p[1].Key != "HZ-XH" || p[2].Key != "" || p[0].Label("en") != "浦东项目" || !p[0].Typed("en") {
			t.Errorf("projects %+v", p)
		}
		wantLines(t, "channel", rep.ByChannel, map[string]string{
			"portal": "2/2/0/1 resp 1 3 3 res 180 180 due 1 0.5 rated 1 5 reopen 1 0.5",
			"phone":  "1/1/0/0 resp 1 1 1 res 6 6 due 1 1 rated 1 2 reopen 1 1",
			"site":   "1/0/1/0 resp 0 - - res - - due 0 - rated 0 - reopen 0 -",
			"email":  "1/0/1/0 resp 0 - - res - - due 0 - rated 0 - reopen 0 -",
		})

		// Topics of November's requests against October's (R1 and R6: 漏水).
		var topics []string
		for _, tc := range rep.Topics {
			topics = append(topics, fmt.Sprintf("%s %d %d %+d", tc.Label("en"), tc.Count, tc.Previous, tc.Change))
		}
		if got := fmt.Sprint(topics); got != "[Complaint/Property 1 0 +1 Complaint/Service quality 1 0 +1 Correction/Points 1 0 +1 Suggestion/Events 1 0 +1 漏水 1 2 -1]" {
			t.Errorf("topics %s", got)
		}

		// The trend: twelve months to November.
		if len(rep.Trend) != 12 || rep.Trend[0].Month != "2025-12" || rep.Trend[11].Month != "2026-11" {
			t.Fatalf("trend %+v", rep.Trend)
		}
		if got := fmt.Sprint(rep.Trend[9:]); got != "[{2026-09 0 0} {2026-10 2 1} {2026-11 5 3}]" {
			t.Errorf("trend %s", got)
		}

		// December: R7 received; R4 resolved (a week of 24-hour days, late) and
		// R2 reopened, so open at the end with R7 and R8.
		dec, err := s.svc.Report(ctx, request.ReportFilter{Month: "2026-12"})
		if err != nil {
			t.Fatal(err)
		}
		if got := lineFigures(dec.Total); got != "1/1/3/0 resp 1 288 288 res 288 288 due 0 0 rated 0 - reopen 0 0" {
			t.Errorf("december: %s", got)
		}
		// October: R6 resolved in 2 hours, R1 answered in 2 and still open.
		oct, err := s.svc.Report(ctx, request.ReportFilter{Month: "2026-10"})
		if err != nil {
			t.Fatal(err)
		}
		if got := lineFigures(oct.Total); got != "2/1/1/0 resp 2 2 2 res 2 2 due 1 1 rated 0 - reopen 0 0" {
			t.Errorf("october: %s", got)
		}

		// The JSON shape: nothing to measure is null, lists are never null.
		empty, err := s.svc.Report(ctx, request.ReportFilter{Month: "2024-01"})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(empty)
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		total := m["total"].(map[string]any)
		if total["avg_rating"] != nil || total["received"] != 0.0 || m["by_kind"] == nil || m["topics"] == nil || len(m["trend"].([]any)) != 12 {
			t.Errorf("empty month: %s", raw)
		}
	}, testfix.WithClock(testfix.Start))
}

func TestMonthlyReportScope(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := mustReportSet(t, e)
		ctx := context.Background()
		for _, tc := range []struct {
			name string
			f    request.ReportFilter
			want string
		}{
			// Shanghai: no R8.
			{"Shanghai", request.ReportFilter{Scope: &request.Scope{All: []string{e.Path("SH")}}},
				"4/3/1/1 resp 2 2 2 res 122 48 due 2 0.6667 rated 2 3.5 reopen 2 0.6667"},
			// The group, at the Hangzhou project: R8 only.
			{"node HZ-XH", request.ReportFilter{Scope: &request.Scope{All: []string{e.Path("GROUP")}}, Node: e.Path("HZ-XH")},
				"1/0/1/0 resp 0 - - res - - due 0 - rated 0 - reopen 0 -"},
			// A node outside the scope shows nothing.
			{"node outside", request.ReportFilter{Scope: &request.Scope{All: []string{e.Path("SH")}}, Node: e.Path("HZ")},
				"0/0/0/0 resp 0 - - res - - due 0 - rated 0 - reopen 0 -"},
			// Property staff of SH-PD: its property complaints R1 R2 R5.
			{"property staff", request.ReportFilter{Scope: &request.Scope{All: []string{}, Property: []string{e.Path("SH-PD")}}},
				"2/2/0/1 resp 1 1 1 res 159 159 due 1 0.5 rated 1 2 reopen 1 0.5"},
			{"no scope", request.ReportFilter{Scope: &request.Scope{}},
				"0/0/0/0 resp 0 - - res - - due 0 - rated 0 - reopen 0 -"},
		} {
			tc.f.Month = "2026-11"
			rep, err := s.svc.Report(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := lineFigures(rep.Total); got != tc.want {
				t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
			}
		}
		for _, bad := range []string{"", "2026-13", "2026-1", "26-11", "2026/11", "1999-12"} {
			_, err := s.svc.Report(ctx, request.ReportFilter{Month: bad})
			testfix.WantErr(t, err, apperr.Invalid, "month")
		}
	}, testfix.WithClock(testfix.Start))
}
