package request_test

import (
	"context"
	"testing"
	"time"

	"estateclub/internal/calendar"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
)

var cst = time.FixedZone("CST", 8*3600)

// A complaint filed the afternoon before National Day: its due times skip
// the holiday (1–7 October) and count the adjusted Saturday (10 October)
// as a working day; waiting for the member over a weekend costs nothing.
func TestDueTimesOnTheWorkingDayCalendar(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		cals := &calendar.Service{DB: e.DB}
		if err := calendar.SeedChina(testfix.Ctx(), cals); err != nil {
			t.Fatal(err)
		}
		f.svc.Calendar = func(ctx context.Context) (request.Calendar, error) { return cals.Load(ctx) }
		r := f.complaint(t)
		// Filed Wednesday 30 September 16:00: 2 working hours that day.
		// First response (4 h): Thursday 8 October 11:00.
		wantRespond := time.Date(2026, 10, 8, 11, 0, 0, 0, cst)
		// Resolution (40 h): 2 + 8 (8th) + 8 (9th) + 8 (Sat 10th, worked) + 8 (12th) + 6 on the 13th,
		// with lunch 12:00–13:00: Tuesday 13 October 16:00.
		wantDue := time.Date(2026, 10, 13, 16, 0, 0, 0, cst)
		if !r.RespondDueAt.Equal(wantRespond) || !r.DueAt.Equal(wantDue) {
			t.Fatalf("due times %v / %v, want %v / %v", r.RespondDueAt.In(cst), r.DueAt.In(cst), wantRespond, wantDue)
		}
		// Time left on 2 October (a holiday): all of it.
		e.Clock.Set(time.Date(2026, 10, 2, 10, 0, 0, 0, cst))
		if left, ok, err := f.svc.TimeLeft(context.Background(), r); err != nil || !ok || left != 2*time.Hour {
			t.Fatalf("time left on the holiday = %v, %v, %v", left, ok, err)
		}
		if n, err := f.svc.Escalate(context.Background()); err != nil || n != 0 {
			t.Fatalf("escalated during the holiday: %d, %v", n, err)
		}
		// Friday 9 October 17:00: asked the member; they answer on Monday 12th 09:00.
		e.Clock.Set(time.Date(2026, 10, 9, 17, 0, 0, 0, cst))
		if _, err := f.svc.Reply(staffCtx(f.handler), r.ID, f.handler.ID, request.Reply{Body: "请提供照片。", Wait: true}, nil); err != nil {
			t.Fatal(err)
		}
		e.Clock.Set(time.Date(2026, 10, 12, 9, 0, 0, 0, cst))
		r, err := f.svc.MemberReply(context.Background(), r.ID, f.member, "照片已上传。")
		if err != nil {
			t.Fatal(err)
		}
		// Paused from Fri 17:00 to Mon 09:00: 1 h on Friday and 8 h on the worked Saturday: 9 working hours later.
		wantDue = time.Date(2026, 10, 14, 17, 0, 0, 0, cst)
		if !r.DueAt.Equal(wantDue) {
			t.Fatalf("due after waiting %v, want %v", r.DueAt.In(cst), wantDue)
		}
	}, testfix.WithClock(time.Date(2026, 9, 30, 16, 0, 0, 0, cst)))
}
