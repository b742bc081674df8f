package event_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/event"
	"estateclub/internal/points"
	"estateclub/internal/survey"
	"estateclub/internal/testfix"
)

// mustCard issues a card of city to member.
func (f *fixture) mustCard(t *testing.T, city string, member int64) *card.Card {
	t.Helper()
	ctx := testfix.Ctx()
	d := must(f.cards.CreateDesign(ctx, card.NewDesign{Name: "卡面 " + city, Description: "测试"}))(t)
	must(f.cards.CreateBatch(ctx, card.NewBatch{DesignID: d.ID, City: city, Quantity: 5, CostFen: 100}))(t)
	return must(f.cards.Issue(ctx, card.IssueRequest{MemberID: member, City: city, DesignID: d.ID, Delivery: card.OnSite}))(t)
}

func TestCheckInAndPoints(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		e := f.mustPublished(t, f.proposal())
		ms := f.members(t, "SH-PD", 3)
		a := f.Application("SH-PD")
		a.Mobile = "13955550001"
		ms[1] = f.Approve(t, a)
		for _, m := range ms[:2] {
			must(f.svc.Register(memberCtx(m), e.ID, event.RegisterInput{MemberID: m}, nil))(t)
		}
		ctx := staffCtx(f.proposer)
		f.Clock.Set(e.StartsAt.Add(-30 * time.Minute))

		// By QR code.
		c := f.mustCard(t, "SH", ms[0])
		qr := must(f.cards.QRFor(c))(t)
		in := must(f.svc.CheckIn(ctx, e.ID, event.CheckInInput{QR: qr, StaffID: f.proposer.ID}, f.sh))(t)
		if in.WalkIn || in.Points != 20 || in.Registration.CheckInMethod != "qr" || in.Registration.PointsStatus != "posted" {
			t.Fatalf("QR check-in %+v %+v", in, in.Registration)
		}
		// A second scan: already checked in, nothing changed.
		_, err := f.svc.CheckIn(ctx, e.ID, event.CheckInInput{QR: qr, StaffID: f.proposer.ID}, f.sh)
		testfix.WantErr(t, err, apperr.Conflict, event.FieldAlreadyIn)
		if b := f.Balance(t, ms[0], points.Reward); b != 20 {
			t.Fatalf("balance after two scans: %d, want 20", b)
		}
		// A retried award posts nothing more.
		must(f.svc.AwardPending(ctx))(t)
		if b := f.Balance(t, ms[0], points.Reward); b != 20 {
			t.Fatalf("balance after a retried award: %d", b)
		}

		// A card of another city is refused with a message saying so.
		hz := f.Member(t, "HZ-XH")
		hc := f.mustCard(t, "HZ", hz)
		_, err = f.svc.CheckIn(ctx, e.ID, event.CheckInInput{CardNumber: hc.Number, WalkIn: true}, f.sh)
		ae := testfix.WantErr(t, err, apperr.Conflict, event.FieldOtherCity)
		if ae.ZH == "" || ae.EN == "" {
			t.Fatal("no message")
		}

		// By mobile's last 4 and surname: candidates to pick.
		m1 := must(f.Members.Get(ctx, ms[1]))(t)
		cands := must(f.svc.FindAttendee(ctx, e.ID, "0001", string([]rune(m1.Name)[:1]), f.sh))(t)
		if len(cands) == 0 || cands[0].MemberID != ms[1] || cands[0].Status != event.Registered {
			t.Fatalf("candidates %+v", cands)
		}
		must(f.svc.CheckIn(ctx, e.ID, event.CheckInInput{MemberID: cands[0].MemberID}, f.sh))(t)

		// Someone who did not register: only as a walk-in.
		_, err = f.svc.CheckIn(ctx, e.ID, event.CheckInInput{MemberID: ms[2]}, f.sh)
		testfix.WantErr(t, err, apperr.Conflict, event.FieldNotOnList)
		w := must(f.svc.CheckIn(ctx, e.ID, event.CheckInInput{MemberID: ms[2], WalkIn: true}, f.sh))(t)
		if !w.WalkIn || !w.Registration.WalkIn {
			t.Fatalf("walk-in %+v", w.Registration)
		}
		got := must(f.svc.Get(ctx, e.ID, f.sh))(t)
		if got.Counts.CheckedIn != 3 || got.Counts.WalkIns != 1 || got.Counts.Registered != 2 {
			t.Fatalf("counts %+v", got.Counts)
		}
		yes, no := true, false
		walk, nw, err := f.svc.Registrations(ctx, e.ID, event.RegFilter{WalkIn: &yes}, f.sh)
		if err != nil || nw != 1 || len(walk) != 1 || walk[0].MemberID != ms[2] {
			t.Fatalf("walk-ins listed: %+v %d %v", walk, nw, err)
		}
		if _, n, err := f.svc.Registrations(ctx, e.ID, event.RegFilter{CheckedIn: &yes, WalkIn: &no}, f.sh); err != nil || n != 2 {
			t.Fatalf("%d registered members checked in, want 2 (%v)", n, err)
		}

		// After the event: held, calls, survey, costs, evaluation, case library.
		f.Clock.Set(e.EndsAt.Add(time.Hour))
		if n := must(f.svc.Advance(ctx))(t); n != 1 {
			t.Fatalf("advance moved %d events", n)
		}
		calls := must(f.svc.MakeCalls(ctx, e.ID, []int64{f.proposer.ID, f.peer.ID}, f.sh))(t)
		if len(calls) != 3 || calls[0].StaffID == calls[len(calls)-1].StaffID && len(calls) > 2 && calls[1].StaffID == calls[0].StaffID {
			t.Fatalf("calls %+v", calls)
		}
		again := must(f.svc.MakeCalls(ctx, e.ID, []int64{f.proposer.ID}, f.sh))(t)
		if len(again) != 3 {
			t.Fatalf("making calls twice: %d", len(again))
		}
		call := must(f.svc.RecordCall(ctx, calls[0].ID, event.Reached, "会员很满意，电话 13900001111", f.sh))(t)
		if call.Outcome != event.Reached || call.Note == "" {
			t.Fatalf("call %+v", call)
		}
		testfix.ScanForPII(t, f.DB, "13900001111")

		// The attendee's data copy holds the registration and the call's
		// note; deleting the account erases the note and keeps the figures.
		area := event.Area{S: f.svc}
		var rows [][]string
		if err := f.DB.Update(ctx, func(tx *db.Tx) error {
			var err error
			_, rows, err = area.Copy(ctx, tx, calls[0].MemberID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0][0] != e.Theme || rows[0][5] == "" || rows[0][6] != string(event.Reached) || rows[0][7] != call.Note {
			t.Fatalf("copy rows %q", rows)
		}
		if err := f.DB.Update(ctx, func(tx *db.Tx) error { return area.Erase(ctx, tx, calls[0].MemberID) }); err != nil {
			t.Fatal(err)
		}
		if n := f.Count(t, "SELECT count(*) FROM event_calls WHERE member_id = ? AND note_enc IS NOT NULL", calls[0].MemberID); n != 0 {
			t.Fatalf("%d call notes left after erasure", n)
		}
		if n := f.Count(t, "SELECT count(*) FROM event_registrations WHERE member_id = ? AND checked_in_at IS NOT NULL", calls[0].MemberID); n != 1 {
			t.Fatalf("erasure changed the attendance: %d", n)
		}

		n := must(f.svc.SendSurvey(ctx, e.ID, f.sh))(t)
		if n != 3 {
			t.Fatalf("survey invites %d", n)
		}
		must(f.svc.SendSurvey(ctx, e.ID, f.sh))(t)
		invs := f.Count(t, "SELECT count(*) FROM survey_invites WHERE subject = 'event' AND subject_id = ?", e.ID)
		if invs != 3 {
			t.Fatalf("%d invites after sending twice", invs)
		}
		answerSurvey(t, f, e.ID, ms[0], 5)
		answerSurvey(t, f, e.ID, ms[1], 3)

		pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")
		_, err = f.svc.AddCost(ctx, e.ID, event.CostInput{BudgetLine: event.BudgetLine{Category: event.BudgetEvents, Item: "场地", AmountFen: 300000},
			Receipt: []byte("not a receipt at all"), ReceiptName: "r.txt"}, f.sh)
		testfix.WantErr(t, err, apperr.Invalid, "receipt")
		must(f.svc.AddCost(ctx, e.ID, event.CostInput{BudgetLine: event.BudgetLine{Category: event.BudgetEvents, Item: "场地", AmountFen: 300000},
			Receipt: pdf, ReceiptName: `C:\票据\场地.pdf`}, f.sh))(t)
		got = must(f.svc.Get(ctx, e.ID, f.sh))(t)
		name, typ, data := must3(f.svc.Receipt(ctx, got.Costs[0].ID, f.sh))(t)
		if name != "场地.pdf" || typ != "application/pdf" || string(data) != string(pdf) {
			t.Fatalf("receipt %q %q %q", name, typ, data)
		}
		ev := must(f.svc.Evaluate(ctx, e.ID, f.sh))(t)
		if ev.Attended != 3 || ev.WalkIns != 1 || ev.AttendanceRate != 100 || ev.ActualFen != 300000 || ev.CostPerHeadFen != 100000 ||
			ev.BudgetFen != 580000 || ev.Survey == nil || ev.Survey.Answered != 2 {
			t.Fatalf("evaluation %+v", ev)
		}
		_, err = f.svc.Close(ctx, e.ID, "", f.sh)
		testfix.WantErr(t, err, apperr.Invalid, "lessons")
		must(f.svc.Close(ctx, e.ID, "提前两周发布效果更好；亲子项目最受欢迎。", f.sh))(t)
		cases, total := must2(f.svc.Cases(ctx, event.CaseFilter{Within: f.sh, Q: "亲子"}))(t)
		if total != 1 || cases[0].ID != e.ID {
			t.Fatalf("case search: %d", total)
		}
		if _, total = must2(f.svc.Cases(ctx, event.CaseFilter{Within: f.sh, Year: 2024}))(t); total != 0 {
			t.Fatal("a 2025 case found in 2024")
		}
		cp := must(f.svc.CopyAsProposal(ctx, e.ID, e.StartsAt.AddDate(1, 0, 0), f.proposer.ID, f.sh))(t)
		if cp.Status != event.Draft || cp.CopiedFrom == nil || cp.Theme != e.Theme || len(cp.Budget) != 2 || !cp.EndsAt.Equal(e.EndsAt.AddDate(1, 0, 0)) {
			t.Fatalf("copy %+v", cp)
		}
		stats := must(f.svc.Monthly(ctx, 2025, f.sh))(t)
		if m := stats[2]; m.Events != 1 || m.Attended != 3 || m.AvgRating == nil || *m.AvgRating != 4 {
			t.Fatalf("March: %+v", m)
		}
		xlsx, fname := must2(f.svc.Export(ctx, e.ID, "en", f.sh, f.sh))(t)
		if len(xlsx) < 100 || fname != e.No+".xlsx" {
			t.Fatalf("export %d bytes %s", len(xlsx), fname)
		}
		book, err := excelize.OpenReader(bytes.NewReader(xlsx))
		if err != nil {
			t.Fatal(err)
		}
		sheet, _ := book.GetRows(book.GetSheetName(0))
		if len(sheet) != 4 || sheet[0][9] != "Points" || sheet[1][9] != "posted" {
			t.Fatalf("export rows %q", sheet)
		}
		xlsx, _ = must2(f.svc.Export(ctx, e.ID, "zh-CN", f.sh, f.sh))(t)
		if book, err = excelize.OpenReader(bytes.NewReader(xlsx)); err != nil {
			t.Fatal(err)
		}
		if sheet, _ = book.GetRows(book.GetSheetName(0)); sheet[0][9] != "积分" || sheet[1][9] != "已发放" {
			t.Fatalf("export rows in Chinese %q", sheet)
		}
	})
}

func answerSurvey(t *testing.T, f *fixture, eventID, memberID int64, rating int) {
	t.Helper()
	sv := must(f.surveys.System(testfix.Ctx(), "event"))(t)
	var inviteID int64
	if err := f.DB.View(testfix.Ctx(), func(tx *db.Tx) error {
		return tx.QueryRow(testfix.Ctx(), "SELECT id FROM survey_invites WHERE survey_id = ? AND member_id = ? AND subject = 'event' AND subject_id = ?",
			sv.ID, memberID, eventID).Scan(&inviteID)
	}); err != nil {
		t.Fatal(err)
	}
	nps := 9
	answers := []survey.Answer{{QuestionID: sv.Questions[0].ID, Value: &rating}, {QuestionID: sv.Questions[1].ID, Value: &nps}}
	if err := f.surveys.Answer(memberCtx(memberID), inviteID, memberID, answers); err != nil {
		t.Fatal(err)
	}
	err := f.surveys.Answer(memberCtx(memberID), inviteID, memberID, answers)
	testfix.WantCode(t, err, apperr.Conflict)
}
