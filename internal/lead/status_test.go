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

func TestStatusChangeNeedsRequiredFields(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		l := f.mustRegister(t, "wang", lead.Registration{})
		ctx := f.as("wang")
		// No intent needs surname, gender, mobile, media and why lost: each
		// missing one is named in turn.
		_, err := f.svc.ChangeStatus(ctx, l.ID, lead.NoIntent, lead.Update{})
		testfix.WantErr(t, err, apperr.Invalid, "surname")
		_, err = f.svc.ChangeStatus(ctx, l.ID, lead.NoIntent, lead.Update{Surname: ptr("张"), Gender: ptr("女")})
		testfix.WantErr(t, err, apperr.Invalid, "media")
		_, err = f.svc.ChangeStatus(ctx, l.ID, lead.NoIntent, lead.Update{Surname: ptr("张"), Gender: ptr("女"), Media: ptr("网络")})
		testfix.WantErr(t, err, apperr.Invalid, "lost_reason")
		// A refused change changed nothing.
		if got := f.mustGet(t, l.ID); got.Status != lead.C || got.Surname != "" {
			t.Fatalf("after refusals: %+v", got)
		}
		// Values outside the project's lists are refused too.
		_, err = f.svc.ChangeStatus(ctx, l.ID, lead.NoIntent, lead.Update{Surname: ptr("张"), Gender: ptr("女"), Media: ptr("网络"), LostReason: ptr("心情不好")})
		testfix.WantErr(t, err, apperr.Invalid, "lost_reason")
		got, err := f.svc.ChangeStatus(ctx, l.ID, lead.NoIntent, lead.Update{Surname: ptr("张"), Gender: ptr("女"), Media: ptr("网络"),
			LostReason: ptr("价格"), Reason: "预算不够"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != lead.NoIntent || got.LostReason != "价格" || got.Gender != "female" || got.NextAction != "" || got.NextDue.Valid() {
			t.Errorf("lead = %+v", got)
		}
		h := f.history(t, l.ID)
		last := h[len(h)-1]
		if last.Action != "status" || last.Old != "c" || last.New != "none" || last.Reason != "预算不够" || last.ActorLogin != "wang" {
			t.Errorf("history ends %+v", last)
		}
		if countAction(h, "field:lost_reason") != 1 || countAction(h, "field:surname") != 1 {
			t.Errorf("field changes not in the history: %+v", h)
		}
		// Deals come only from a subscription or contract.
		_, err = f.svc.ChangeStatus(ctx, l.ID, lead.Won, lead.Update{})
		testfix.WantErr(t, err, apperr.Invalid, "status")
	})
}

func TestNextActionDatesFollowConfig(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		cfg := lead.DefaultConfig()
		cfg.NextActions = map[lead.Status]lead.NextAction{lead.C: {Action: "邀约到访", Days: 3}, lead.B: {Action: "二次回访", Days: 5}, lead.A: {Action: "邀约认购", Days: 1}}
		cfg.Required[lead.B] = []string{"surname", "budget"}
		cfg.ExtraFields = []lead.FieldDef{{Key: "budget", ZH: "预算", EN: "Budget"}}
		cfg.Questionnaires = map[lead.Status][]lead.Question{lead.B: {{Key: "area", Text: "意向面积", Options: []string{"90", "120", "140"}, Required: true}}}
		if _, err := f.svc.SetConfig(f.as("chen"), "SH-PD", cfg); err != nil {
			t.Fatal(err)
		}
		// Late in the evening in China is already the next day in UTC terms; due days are China days.
		late := time.Date(2025, 3, 10, 23, 30, 0, 0, testfix.CST)
		f.Clock.Set(late)
		l := f.mustRegister(t, "wang", lead.Registration{Surname: "陈"})
		if want := db.DateOf(2025, 3, 13); !l.NextDue.Equal(want.Time) {
			t.Errorf("C due %s, want %s", l.NextDue, want)
		}
		ctx := f.as("wang")
		_, err := f.svc.ChangeStatus(ctx, l.ID, lead.B, lead.Update{})
		testfix.WantErr(t, err, apperr.Invalid, "budget")
		f.Clock.Advance(time.Hour) // 2025-03-11 00:30 China
		got, err := f.svc.ChangeStatus(ctx, l.ID, lead.B, lead.Update{Fields: map[string]string{"budget": "500万"}})
		if err != nil {
			t.Fatal(err)
		}
		if got.NextAction != "二次回访" || got.NextDue.String() != "2025-03-16" || got.Fields["budget"] != "500万" {
			t.Errorf("B: %q due %s, fields %v", got.NextAction, got.NextDue, got.Fields)
		}
		// A follow-up answers the B questionnaire; the next step defaults to the status's.
		_, err = f.svc.AddFollowUp(ctx, l.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "电话沟通户型"})
		testfix.WantErr(t, err, apperr.Invalid, "answers.area")
		_, err = f.svc.AddFollowUp(ctx, l.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "电话沟通户型", Answers: map[string]string{"area": "200"}})
		testfix.WantErr(t, err, apperr.Invalid, "answers.area")
		fu, err := f.svc.AddFollowUp(ctx, l.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "电话沟通户型", Answers: map[string]string{"area": "120"}})
		if err != nil {
			t.Fatal(err)
		}
		if fu.NextAction != "二次回访" || fu.NextDue.String() != "2025-03-16" || !fu.ByOwner || fu.DueWas.String() != "2025-03-16" {
			t.Errorf("follow-up = %+v", fu)
		}
		// Given next steps win; a past day is refused.
		_, err = f.svc.AddFollowUp(ctx, l.ID, lead.FollowUpInput{Channel: lead.ByWeChat, Content: "发了楼书", Answers: map[string]string{"area": "120"},
			NextAction: "约周末看房", NextDue: "2025-03-01"})
		testfix.WantErr(t, err, apperr.Invalid, "next_due")
		if _, err = f.svc.AddFollowUp(ctx, l.ID, lead.FollowUpInput{Channel: lead.ByWeChat, Content: "发了楼书", Answers: map[string]string{"area": "140"},
			NextAction: "约周末看房", NextDue: "2025-03-15"}); err != nil {
			t.Fatal(err)
		}
		got = f.mustGet(t, l.ID)
		if got.NextAction != "约周末看房" || got.NextDue.String() != "2025-03-15" {
			t.Errorf("lead next = %q %s", got.NextAction, got.NextDue)
		}
		fus, err := f.svc.FollowUps(context.Background(), l.ID)
		if err != nil || len(fus) != 2 || fus[0].Answers["area"] != "140" || fus[0].StaffName != "王芳" {
			t.Errorf("follow-ups = %+v, %v", fus, err)
		}
	})
}

func TestConfigValidationAndInheritance(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		bad := lead.DefaultConfig()
		bad.Required[lead.A] = []string{"shoe_size"}
		_, err := f.svc.SetConfig(f.as("chen"), "GROUP", bad)
		testfix.WantErr(t, err, apperr.Invalid, "required.a")
		bad = lead.DefaultConfig()
		bad.PoolReturnDays = 0
		_, err = f.svc.SetConfig(f.as("chen"), "GROUP", bad)
		testfix.WantErr(t, err, apperr.Invalid, "pool_return_days")
		bad = lead.DefaultConfig()
		bad.Rotation = []int64{f.staff["wang"], f.staff["zhou"]} // zhou works at SH-XH
		_, err = f.svc.SetConfig(f.as("chen"), "SH-PD", bad)
		testfix.WantErr(t, err, apperr.Invalid, "rotation")

		group := lead.DefaultConfig()
		group.PoolReturnDays = 20
		if _, err := f.svc.SetConfig(f.as("chen"), "GROUP", group); err != nil {
			t.Fatal(err)
		}
		own := lead.DefaultConfig()
		own.PoolReturnDays = 7
		if _, err := f.svc.SetConfig(f.as("chen"), "SH-XH", own); err != nil {
			t.Fatal(err)
		}
		for code, want := range map[string]int{"SH-PD": 20, "SH-XH": 7} {
			c, err := f.svc.Config(context.Background(), code)
			if err != nil || c.PoolReturnDays != want {
				t.Errorf("%s pool days = %v, %v; want %d", code, c, err, want)
			}
		}
	})
}
