package lead_test

import (
	"context"
	"math"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/lead"
	"estateclub/internal/testfix"
)

func TestReports(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		wang, li := f.as("wang"), f.as("li")
		// 2025-03-10: wang receives a, b (walk-ins) and c (a call); li receives d (walk-in).
		a := f.mustRegister(t, "wang", lead.Registration{Surname: "赵", Gender: "男", Media: "网络"})
		b := f.mustRegister(t, "wang", lead.Registration{Name: "钱多多", Gender: "男", Media: "老带新"})
		c := f.mustRegister(t, "wang", lead.Registration{Source: lead.Call, Media: "网络"})
		dd := f.mustRegister(t, "li", lead.Registration{Surname: "孙", Gender: "女", Media: "网络"})
		f.mustRegister(t, "zhou", lead.Registration{ProjectCode: "SH-XH", Media: "网络"}) // another project
		// 2025-03-11: li takes a call (e); a comes back; a turns B, b turns A and signs; d is lost.
		f.Clock.Advance(24 * time.Hour)
		f.mustRegister(t, "li", lead.Registration{Source: lead.Call, Media: "户外广告"})
		steps := []func() error{
			func() error { _, err := f.svc.RecordContact(wang, a.ID, lead.Visit); return err },
			func() error { _, err := f.svc.ChangeStatus(wang, a.ID, lead.B, lead.Update{}); return err },
			func() error { _, err := f.svc.ChangeStatus(wang, b.ID, lead.A, lead.Update{}); return err },
			func() error {
				_, err := f.svc.AddFollowUp(wang, b.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "确认认购"})
				return err
			},
			func() error {
				_, err := f.svc.ChangeStatus(li, dd.ID, lead.NoIntent, lead.Update{LostReason: ptr("价格")})
				return err
			},
			func() error {
				_, err := f.svc.RecordDeal(wang, b.ID, lead.DealInput{Kind: lead.Contract, Building: "1", Unit: "801"})
				return err
			},
		}
		for i, step := range steps {
			if err := step(); err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		}
		// 2025-03-14: wang follows c up a day late.
		f.Clock.Advance(3 * 24 * time.Hour)
		if _, err := f.svc.AddFollowUp(wang, c.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "回访"}); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		rf := lead.ReportFilter{Within: []string{"/1/"}, ProjectCode: "SH-PD", From: db.DateOf(2025, 3, 10), To: db.DateOf(2025, 3, 14)}

		type vcn struct{ v, c, n int }
		want := map[lead.Dimension]map[string]vcn{
			lead.PerDay:        {"2025-03-10": {3, 1, 4}, "2025-03-11": {1, 1, 1}},
			lead.PerConsultant: {"王芳": {3, 1, 3}, "李强": {1, 1, 2}},
			lead.PerMedia:      {"网络": {3, 1, 3}, "老带新": {1, 0, 1}, "户外广告": {0, 1, 1}},
			lead.PerProject:    {"浦东项目": {4, 2, 5}},
		}
		for dim, groups := range want {
			got, err := f.svc.Contacts(ctx, rf, dim)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(groups) {
				t.Errorf("%s: %+v", dim, got)
			}
			for _, g := range got {
				if w := groups[g.Label]; (vcn{g.Visits, g.Calls, g.New}) != w {
					t.Errorf("%s %s: visits, calls, new = %d %d %d, want %v", dim, g.Label, g.Visits, g.Calls, g.New, w)
				}
			}
		}
		fn, err := f.svc.Funnel(ctx, rf)
		if err != nil {
			t.Fatal(err)
		}
		// Visitors a, b, d; a and b reached B/A; b signed.
		if fn.Visitors != 3 || fn.Intent != 2 || fn.Deals != 1 || !near(fn.IntentRate, 2.0/3) || !near(fn.DealRate, 0.5) || !near(fn.OverallRate, 1.0/3) {
			t.Errorf("funnel = %+v", fn)
		}
		// The whole group counts SH-XH's visitor too.
		all := rf
		all.ProjectCode = ""
		if fn, err := f.svc.Funnel(ctx, all); err != nil || fn.Visitors != 4 {
			t.Errorf("group funnel = %+v, %v", fn, err)
		}
		lost, err := f.svc.LostReasons(ctx, rf)
		if err != nil || len(lost) != 1 || lost[0].Reason != "价格" || lost[0].Leads != 1 || lost[0].Share != 1 {
			t.Errorf("lost = %+v, %v", lost, err)
		}
		tl, err := f.svc.Timeliness(ctx, rf)
		if err != nil {
			t.Fatal(err)
		}
		// wang answered b on time and c late; a (B, due 03-13) is overdue now.
		if len(tl) != 1 || tl[0].StaffName != "王芳" || tl[0].FollowUps != 2 || tl[0].OnTime != 1 || tl[0].Late != 1 || tl[0].Overdue != 1 || tl[0].Rate != 0.5 {
			t.Errorf("timeliness = %+v", tl)
		}
		work, err := f.svc.Workload(ctx, []string{"/1/"})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range work {
			switch w.StaffName {
			case "王芳":
				if w.Leads != 3 || w.Deals != 1 || w.Overdue != 1 || w.DueToday != 0 {
					t.Errorf("wang's work = %+v", w)
				}
			case "李强":
				if w.Leads != 2 || w.Lost != 1 || w.DueToday != 1 {
					t.Errorf("li's work = %+v", w)
				}
			}
		}
		_, err = f.svc.Funnel(ctx, lead.ReportFilter{From: db.DateOf(2025, 3, 10), To: db.DateOf(2025, 3, 1)})
		testfix.WantErr(t, err, apperr.Invalid, "from")
	})
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
