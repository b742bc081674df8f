package lead_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/lead"
	"estateclub/internal/member"
)

func TestRegisterMakesLeadAndDefaultMember(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		l := f.mustRegister(t, "wang", lead.Registration{Mobile: "139 1234 5678", Surname: "张", Gender: "男", Media: "网络"})
		if l.Status != lead.C || l.OwnerID == nil || *l.OwnerID != f.staff["wang"] || l.OwnerName != "王芳" {
			t.Fatalf("lead = %+v", l)
		}
		if l.Mobile != "139****5678" {
			t.Errorf("mobile shown as %q, want masked", l.Mobile)
		}
		// C: invite to the site on day 3.
		if l.NextAction != "邀约到访" || !l.NextDue.Equal(f.today().AddDate(0, 0, 3)) {
			t.Errorf("next action %q due %s, want 邀约到访 on %s", l.NextAction, l.NextDue, f.today().AddDate(0, 0, 3).Format(time.DateOnly))
		}
		// A visit protects the owner for 30 days.
		if l.ProtectedUntil == nil || !l.ProtectedUntil.Equal(f.Clock.Now().AddDate(0, 0, 30)) {
			t.Errorf("protected until %v", l.ProtectedUntil)
		}
		if l.MemberID == nil {
			t.Fatal("the lead was not enrolled as a default member")
		}
		m, err := f.Members.Get(context.Background(), *l.MemberID)
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != member.Default || m.Channel != member.SalesSite || m.NodeCode != "SH-PD" || m.RecruiterID == nil || *m.RecruiterID != f.staff["wang"] {
			t.Errorf("member = %+v", m)
		}
		if n := f.Count(t, "SELECT count(*) FROM lead_contacts WHERE lead_id = ? AND kind = 'visit' AND first", l.ID); n != 1 {
			t.Errorf("contacts = %d, want the first visit", n)
		}
		h := f.history(t, l.ID)
		if countAction(h, "registered") != 1 || countAction(h, "owner") != 1 || countAction(h, "protect") != 1 || countAction(h, "member") != 1 {
			t.Errorf("history = %+v", h)
		}
		// The mobile is stored encrypted: no row holds its digits.
		if n := f.Count(t, "SELECT count(*) FROM leads WHERE mobile_idx LIKE '%13912345678%' OR surname LIKE '%13912345678%'"); n != 0 {
			t.Error("mobile stored in clear")
		}
	})
}

func TestSecondRegistrationShowsOwnerAndCreatesNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		first := f.mustRegister(t, "wang", lead.Registration{Mobile: "13912345678", Surname: "张"})
		counts := func() [5]int {
			return [5]int{f.Count(t, "SELECT count(*) FROM leads"), f.Count(t, "SELECT count(*) FROM lead_contacts"),
				f.Count(t, "SELECT count(*) FROM lead_history"), f.Count(t, "SELECT count(*) FROM members"),
				f.Count(t, "SELECT count(*) FROM audit_log")}
		}
		before := counts()
		f.Clock.Advance(time.Hour)
		// Another consultant, another project, another spelling of the number.
		res, err := f.svc.Register(f.as("zhou"), lead.Registration{ProjectCode: "SH-XH", Source: lead.Call, Mobile: "+86 139-1234-5678",
			Surname: "李", OwnerID: f.id("zhou")})
		if err != nil {
			t.Fatal(err)
		}
		if res.Created || res.Existing == nil || res.Existing.Lead == nil {
			t.Fatalf("result = %+v", res)
		}
		l := res.Existing.Lead
		if l.ID != first.ID || *l.OwnerID != f.staff["wang"] || l.OwnerName != "王芳" || l.ProjectCode != "SH-PD" || l.Surname != "张" {
			t.Errorf("existing lead = %+v", l)
		}
		if l.ProtectedUntil == nil || !l.ProtectedUntil.Equal(*first.ProtectedUntil) {
			t.Errorf("protection shown %v, want %v", l.ProtectedUntil, first.ProtectedUntil)
		}
		if res.Existing.Member == nil || res.Existing.Member.ID != *first.MemberID {
			t.Errorf("existing member = %+v", res.Existing.Member)
		}
		if after := counts(); after != before {
			t.Errorf("rows (leads, contacts, history, members, audit) %v → %v: something was created", before, after)
		}
		// Even a registration the rules would refuse shows the owner first.
		res, err = f.svc.Register(f.as("li"), lead.Registration{ProjectCode: "SH-PD", Source: lead.Visit, Mobile: "13912345678", Status: lead.NoIntent})
		if err != nil || res.Created || res.Existing.Lead.OwnerName != "王芳" {
			t.Errorf("refusable registration of a known mobile = %+v, %v", res, err)
		}
		// 判客 before registering says the same.
		o, err := f.svc.Check(context.Background(), "139 1234 5678")
		if err != nil {
			t.Fatal(err)
		}
		if !o.Known() || o.Lead.ID != first.ID || o.Lead.OwnerName != "王芳" {
			t.Errorf("check = %+v", o)
		}
		o, err = f.svc.Check(context.Background(), f.mobile())
		if err != nil || o.Known() {
			t.Errorf("check of a new number = %+v, %v", o, err)
		}
	})
}

func TestCheckFindsMemberWithoutLead(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m, _, err := f.Members.Enrol(system(), member.Application{NodeCode: "SH", Name: "孙丽", Mobile: "13800001111"})
		if err != nil {
			t.Fatal(err)
		}
		o, err := f.svc.Check(context.Background(), "13800001111")
		if err != nil {
			t.Fatal(err)
		}
		if o.Lead != nil || o.Member == nil || o.Member.ID != m.ID {
			t.Fatalf("check = %+v", o)
		}
		// Registering them makes a lead linked to the same member.
		l := f.mustRegister(t, "li", lead.Registration{Mobile: "13800001111"})
		if l.MemberID == nil || *l.MemberID != m.ID {
			t.Errorf("lead member = %v, want %d", l.MemberID, m.ID)
		}
		if n := f.Count(t, "SELECT count(*) FROM members"); n != 1 {
			t.Errorf("members = %d", n)
		}
	})
}

func TestConcurrentDuplicateRegistration(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		const n = 16
		logins := []string{"wang", "li", "zhao"}
		var wg sync.WaitGroup
		results := make([]*lead.RegisterResult, n)
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				login := logins[i%len(logins)]
				results[i], errs[i] = f.svc.Register(f.as(login), lead.Registration{ProjectCode: "SH-PD", Source: lead.Visit,
					Mobile: "13911112222", Surname: "周", OwnerID: f.id(login)})
			}()
		}
		wg.Wait()
		created, id := 0, int64(0)
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("registration %d: %v", i, errs[i])
			}
			if results[i].Created {
				created++
			}
			if id == 0 {
				id = results[i].Lead.ID
			}
			if results[i].Lead.ID != id {
				t.Errorf("registration %d saw lead %d, others %d", i, results[i].Lead.ID, id)
			}
			if !results[i].Created && (results[i].Existing == nil || results[i].Existing.Lead.OwnerID == nil) {
				t.Errorf("registration %d: duplicate without the owner: %+v", i, results[i])
			}
		}
		if created != 1 {
			t.Errorf("created = %d, want exactly 1", created)
		}
		if c := f.Count(t, "SELECT count(*) FROM leads"); c != 1 {
			t.Errorf("leads = %d", c)
		}
		if c := f.Count(t, "SELECT count(*) FROM lead_contacts"); c != 1 {
			t.Errorf("contacts = %d", c)
		}
		if c := f.Count(t, "SELECT count(*) FROM members"); c != 1 {
			t.Errorf("members = %d", c)
		}
	})
}
