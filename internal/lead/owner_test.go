package lead_test

import (
	"context"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/lead"
	"estateclub/internal/testfix"
)

// A consultant works their own leads: a colleague may not follow up,
// change or close another's lead; the project's sales manager may; once
// the manager assigns the lead, the new owner may and the old one not.
func TestOnlyTheOwnerOrTheManagerWorksALead(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		l := f.mustRegister(t, "wang", lead.Registration{Surname: "孙", Gender: "女", Media: "网络"})
		followUp := func(login string) error {
			_, err := f.svc.AddFollowUp(f.as(login), l.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "回访 " + login})
			return err
		}
		toB := func(login string) error {
			_, err := f.svc.ChangeStatus(f.as(login), l.ID, lead.B, lead.Update{Reason: login})
			return err
		}
		deal := func(login string) error {
			_, err := f.svc.RecordDeal(f.as(login), l.ID, lead.DealInput{Kind: lead.Subscription, Building: "1", Unit: "101"})
			return err
		}
		before := len(f.history(t, l.ID))
		for _, act := range []struct {
			name string
			do   func(string) error
		}{{"follow-up", followUp}, {"status", toB}, {"deal", deal}} {
			t.Run(act.name+" by a colleague", func(t *testing.T) {
				err := act.do("li")
				testfix.WantCode(t, err, apperr.Forbidden)
				if err := act.do("zhou"); !apperr.Is(err, apperr.Forbidden) { // a consultant of another project
					t.Errorf("zhou: err = %v, want forbidden", err)
				}
			})
		}
		if got := f.mustGet(t, l.ID); got.Status != lead.C || len(f.history(t, l.ID)) != before {
			t.Fatalf("refused actions changed the lead: status %s, history %d → %d", got.Status, before, len(f.history(t, l.ID)))
		}
		if fus, err := f.svc.FollowUps(context.Background(), l.ID); err != nil || len(fus) != 0 {
			t.Fatalf("follow-ups = %+v, %v; want none", fus, err)
		}
		// The owner and the project's manager may.
		if err := followUp("wang"); err != nil {
			t.Fatal(err)
		}
		if err := followUp("chen"); err != nil {
			t.Fatal(err)
		}
		fus, err := f.svc.FollowUps(context.Background(), l.ID)
		if err != nil || len(fus) != 2 {
			t.Fatalf("follow-ups = %+v, %v", fus, err)
		}
		for _, fu := range fus {
			if wantOwner := *fu.StaffID == f.staff["wang"]; fu.ByOwner != wantOwner {
				t.Errorf("follow-up by %d: by_owner = %v", *fu.StaffID, fu.ByOwner)
			}
		}
		// A colleague's visit is recorded and becomes a claim for the manager.
		if _, err := f.svc.RecordContact(f.as("li"), l.ID, lead.Visit); err != nil {
			t.Fatal(err)
		}
		if claims, err := f.svc.Claims(context.Background(), []string{"/"}, lead.ClaimOpen); err != nil || len(claims) != 1 ||
			claims[0].ClaimantID != f.staff["li"] {
			t.Fatalf("claims = %+v, %v", claims, err)
		}
		// The manager assigns the lead to li: now li works it, wang not.
		if _, err := f.svc.Assign(f.as("chen"), []int64{l.ID}, f.staff["li"], "顾问调整"); err != nil {
			t.Fatal(err)
		}
		if err := toB("li"); err != nil {
			t.Fatalf("the new owner: %v", err)
		}
		testfix.WantCode(t, followUp("wang"), apperr.Forbidden)
	})
}
