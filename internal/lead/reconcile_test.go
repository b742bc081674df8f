package lead_test

import (
	"context"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/lead"
	"estateclub/internal/testfix"
)

func TestReconciliationDifferencesAndSignOff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		day1 := f.today()
		// wang: 2 walk-ins and a call; li: 1 walk-in, and a return visit of wang's customer.
		a := f.mustRegister(t, "wang", lead.Registration{Surname: "甲"})
		f.mustRegister(t, "wang", lead.Registration{Surname: "乙"})
		f.mustRegister(t, "wang", lead.Registration{Surname: "丙", Source: lead.Call})
		f.mustRegister(t, "li", lead.Registration{Surname: "丁"})
		if _, err := f.svc.RecordContact(f.as("li"), a.ID, lead.Visit); err != nil {
			t.Fatal(err)
		}
		// A registration elsewhere does not count here.
		f.mustRegister(t, "zhou", lead.Registration{ProjectCode: "SH-XH"})
		admin := f.as("admin")
		// On paper: wang wrote 3 visits and 1 call; li 2 visits; zhao 1 call the system lacks.
		rc, err := f.svc.EnterSheet(admin, "SH-PD", day1, []lead.SheetCount{
			{StaffID: f.staff["wang"], Visits: 3, Calls: 1}, {StaffID: f.staff["li"], Visits: 2}, {StaffID: f.staff["zhao"], Calls: 1}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]lead.ReconLine{
			"王芳": {PaperVisits: 3, PaperCalls: 1, SystemVisits: 2, SystemCalls: 1, VisitDiff: -1},
			"李强": {PaperVisits: 2, SystemVisits: 2},
			"赵敏": {PaperCalls: 1, CallDiff: -1},
		}
		if len(rc.Lines) != 3 {
			t.Fatalf("lines = %+v", rc.Lines)
		}
		for _, l := range rc.Lines {
			w := want[l.StaffName]
			if l.PaperVisits != w.PaperVisits || l.PaperCalls != w.PaperCalls || l.SystemVisits != w.SystemVisits || l.SystemCalls != w.SystemCalls ||
				l.VisitDiff != w.VisitDiff || l.CallDiff != w.CallDiff || !l.Entered {
				t.Errorf("%s: %+v, want %+v", l.StaffName, l, w)
			}
		}
		if len(rc.Differences) != 2 || len(rc.Contacts) != 5 {
			t.Errorf("differences %+v, contacts %d", rc.Differences, len(rc.Contacts))
		}
		if rc.Contacts[0].Mobile == "" || rc.Contacts[0].Mobile[3:7] != "****" {
			t.Errorf("contact mobile %q not masked", rc.Contacts[0].Mobile)
		}
		// Today cannot be signed; tomorrow, yesterday can, with a note for the differences.
		_, err = f.svc.SignOff(admin, "SH-PD", day1, "")
		testfix.WantErr(t, err, apperr.Invalid, "day")
		f.Clock.Advance(24 * time.Hour)
		_, err = f.svc.SignOff(admin, "SH-PD", day1, "")
		testfix.WantErr(t, err, apperr.Invalid, "note")
		// The admin corrects wang's line after checking; zhao's call stays unexplained.
		if _, err := f.svc.EnterSheet(admin, "SH-PD", day1, []lead.SheetCount{{StaffID: f.staff["wang"], Visits: 2, Calls: 1}}); err != nil {
			t.Fatal(err)
		}
		rc, err = f.svc.SignOff(admin, "SH-PD", day1, "赵敏来电未登记系统，已提醒")
		if err != nil {
			t.Fatal(err)
		}
		if !rc.Signed || rc.SignedBy != "admin" || len(rc.Differences) != 1 || rc.Differences[0].StaffName != "赵敏" {
			t.Errorf("signed = %+v", rc)
		}
		// Signed days are locked: no sheet, no second signature, no backdated contact.
		_, err = f.svc.EnterSheet(admin, "SH-PD", day1, []lead.SheetCount{{StaffID: f.staff["zhao"], Calls: 0}})
		testfix.WantCode(t, err, apperr.Locked)
		_, err = f.svc.SignOff(admin, "SH-PD", day1, "again")
		testfix.WantCode(t, err, apperr.Locked)
		_, err = f.svc.Register(f.as("zhao"), lead.Registration{ProjectCode: "SH-PD", Source: lead.Call, Mobile: f.mobile(), OwnerID: f.id("zhao"),
			At: startOfDay(day1).Add(15 * time.Hour)})
		testfix.WantCode(t, err, apperr.Locked)
		got, err := f.svc.Reconcile(context.Background(), "SH-PD", day1)
		if err != nil || !got.Signed || got.Note != "赵敏来电未登记系统，已提醒" || len(got.Contacts) != 5 {
			t.Errorf("reconcile after sign-off = %+v, %v", got, err)
		}
		// Another project's day is its own.
		other, err := f.svc.Reconcile(context.Background(), "SH-XH", day1)
		if err != nil || other.Signed || len(other.Contacts) != 1 {
			t.Errorf("SH-XH = %+v, %v", other, err)
		}
	})
}

func startOfDay(d db.Date) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, testfix.CST)
}
