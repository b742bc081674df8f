package request_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/notify"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
)

// A Monday morning in China.
var monday = time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC) // 09:00 CST

type flow struct {
	e        *testfix.Env
	svc      *request.Service
	texts    atomic.Int32
	dept     *request.Department // 物业, at SH, with handler and other
	club     *request.Department // 客户会, at HZ
	handler  *auth.Staff         // customer relations in SH, in 物业
	other    *auth.Staff         // customer relations in SH, in 物业 too
	cityBoss *auth.Staff         // city supervisor of SH
	topBoss  *auth.Staff         // group supervisor
	member   int64               // a member at SH-PD
}

func staffCtx(s *auth.Staff) context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: s.ID, Login: s.Login})
}

func newFlow(t *testing.T, e *testfix.Env) *flow {
	t.Helper()
	f := &flow{e: e}
	f.svc = &request.Service{DB: e.DB, Keys: e.Keys,
		Text: func(context.Context, int64, string) { f.texts.Add(1) }}
	f.handler = e.Staff(t, "cr1", auth.CustomerRelations, "SH")
	f.other = e.Staff(t, "cr2", auth.CustomerRelations, "SH")
	f.cityBoss = e.Staff(t, "boss.sh", auth.CitySupervisor, "SH")
	f.topBoss = e.Staff(t, "boss.group", auth.GroupSupervisor, "GROUP")
	ctx := testfix.Ctx()
	var err error
	f.dept, err = f.svc.SaveDepartment(ctx, 0, request.DepartmentInput{NodeID: e.Nodes["SH"].ID, Code: "property",
		StaffIDs: []int64{f.handler.ID, f.other.ID}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.dept.Name != "物业公司" || len(f.dept.Staff) != 2 {
		t.Fatalf("department = %+v", f.dept)
	}
	f.club, err = f.svc.SaveDepartment(ctx, 0, request.DepartmentInput{NodeID: e.Nodes["HZ"].ID, Code: "customer_relations"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SaveRule(ctx, request.RuleInput{NodeID: e.Nodes["SH"].ID, Kind: request.Complaint,
		Subkind: request.SubProperty, DepartmentID: f.dept.ID}, nil); err != nil {
		t.Fatal(err)
	}
	f.member = e.Member(t, "SH-PD")
	return f
}

func (f *flow) complaint(t *testing.T) *request.Request {
	t.Helper()
	r, err := f.svc.Submit(context.Background(), request.NewRequest{MemberID: f.member, Kind: request.Complaint,
		Subkind: request.SubProperty, Text: "地库 B2 的灯坏了一周。"})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRoutingAndTake(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		r := f.complaint(t)
		if r.Status != request.Assigned || r.DepartmentID == nil || *r.DepartmentID != f.dept.ID || r.ProjectPath != e.Path("SH-PD") {
			t.Fatalf("routed = %+v", r)
		}
		// A suggestion has no rule: it stays open for the club.
		s, err := f.svc.Submit(context.Background(), request.NewRequest{MemberID: f.member, Kind: request.Suggestion,
			Subkind: request.SubEvents, Text: "多办亲子活动。"})
		if err != nil || s.Status != request.Open || s.DepartmentID != nil {
			t.Fatalf("unrouted = %+v, %v", s, err)
		}
		// The department's staff were told.
		notices := &notify.Service{DB: e.DB}
		if n, err := notices.Unread(context.Background(), f.handler.ID); err != nil || n != 1 {
			t.Fatalf("handler's unread notices = %d, %v", n, err)
		}

		// Two staff take it at once: one wins, the other is told who.
		var won, lost atomic.Int32
		var loser error
		testfix.Together(2, func(i int) {
			st := []*auth.Staff{f.handler, f.other}[i]
			_, err := f.svc.Take(staffCtx(st), r.ID, st.ID, nil)
			if err == nil {
				won.Add(1)
			} else {
				lost.Add(1)
				loser = err
			}
		})
		if won.Load() != 1 || lost.Load() != 1 || !apperr.Is(loser, apperr.Conflict) || !strings.Contains(apperr.As(loser).ZH, "已由") {
			t.Fatalf("won %d, lost %d: %v", won.Load(), lost.Load(), loser)
		}
		got, err := f.svc.Get(context.Background(), r.ID)
		if err != nil || got.Status != request.InProgress || got.AssigneeID == nil {
			t.Fatalf("after take: %+v, %v", got, err)
		}
		if n := e.Count(t, "SELECT count(*) FROM request_events WHERE request_id = ? AND action = 'taken'", r.ID); n != 1 {
			t.Fatalf("taken lines = %d", n)
		}
		// Taking it again by its holder is a retry, not a second line.
		holder := &auth.Staff{ID: *got.AssigneeID}
		if _, err := f.svc.Take(context.Background(), r.ID, holder.ID, nil); err != nil {
			t.Fatal(err)
		}
		if n := e.Count(t, "SELECT count(*) FROM request_events WHERE request_id = ? AND action = 'taken'", r.ID); n != 1 {
			t.Fatalf("taken lines after retry = %d", n)
		}
	}, testfix.WithClock(monday))
}

func TestReplyWaitResolveRate(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		r := f.complaint(t)
		ctx := staffCtx(f.handler)
		// An internal note is no response and no text.
		r, err := f.svc.Reply(ctx, r.ID, f.handler.ID, request.Reply{Body: "先联系物业经理", Internal: true}, nil)
		if err != nil || r.RespondedAt != nil || f.texts.Load() != 0 {
			t.Fatalf("note: %+v, %v, texts %d", r, err, f.texts.Load())
		}
		// Asking the member stops the clock.
		e.Clock.Advance(time.Hour)
		r, err = f.svc.Reply(ctx, r.ID, f.handler.ID, request.Reply{Body: "请问是哪一栋楼的车位？", Wait: true}, nil)
		if err != nil || r.Status != request.Waiting || r.RespondedAt == nil || r.PausedAt == nil || f.texts.Load() != 1 {
			t.Fatalf("wait: %+v, %v", r, err)
		}
		due := *r.DueAt
		e.Clock.Advance(5 * time.Hour)
		r, err = f.svc.MemberReply(context.Background(), r.ID, f.member, "3 栋地下 B2。")
		if err != nil || r.Status != request.InProgress || r.PausedAt != nil {
			t.Fatalf("member reply: %+v, %v", r, err)
		}
		// No calendar: every hour counts, so the due time moved by the 5 hours waited.
		if !r.DueAt.Equal(due.Add(5 * time.Hour)) {
			t.Fatalf("due %v, want %v", r.DueAt, due.Add(5*time.Hour))
		}
		// The member sees replies but not the note.
		mine, err := f.svc.GetForMember(context.Background(), r.ID, f.member)
		if err != nil || len(mine.Messages) != 2 || mine.Messages[0].Body != "请问是哪一栋楼的车位？" {
			t.Fatalf("member's messages = %+v, %v", mine.Messages, err)
		}
		all, _ := f.svc.Get(context.Background(), r.ID)
		if len(all.Messages) != 3 || !all.Messages[0].Internal {
			t.Fatalf("staff messages = %+v", all.Messages)
		}
		// Messages are sealed.
		if n := e.Count(t, "SELECT count(*) FROM request_messages WHERE body_enc LIKE ?", "%B2%"); n != 0 {
			t.Fatal("a message is stored in clear")
		}
		// Another member cannot read or reply.
		otherMember := e.Member(t, "SH-PD")
		if _, err := f.svc.GetForMember(context.Background(), r.ID, otherMember); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("other member read: %v", err)
		}
		var invited []int64
		f.svc.SurveyInvite = func(_ context.Context, _ *db.Tx, memberID, requestID int64) error {
			invited = append(invited, requestID)
			return nil
		}
		if _, err := f.svc.Resolve(ctx, r.ID, f.handler.ID, "", "照明", nil); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("resolve without answer: %v", err)
		}
		r, err = f.svc.Resolve(ctx, r.ID, f.handler.ID, "已更换 B2 层全部灯管。", "照明", nil)
		if err != nil || r.Status != request.Resolved || r.Topic != "照明" || len(invited) != 1 {
			t.Fatalf("resolve: %+v, %v, invited %v", r, err, invited)
		}
		// A rating of 2 flags it and tells the city supervisor.
		if err := e.DB.Update(context.Background(), func(tx *db.Tx) error { return f.svc.Rate(context.Background(), tx, r.ID, 2) }); err != nil {
			t.Fatal(err)
		}
		r, _ = f.svc.Get(context.Background(), r.ID)
		if r.Rating == nil || *r.Rating != 2 || !r.Flagged {
			t.Fatalf("rated = %+v", r)
		}
		notices := &notify.Service{DB: e.DB}
		list, _, _ := notices.List(context.Background(), f.cityBoss.ID, true, 0, 10)
		if len(list) != 1 || list[0].Kind != "request.low_rating" {
			t.Fatalf("supervisor's notices = %+v", list)
		}
		// The member confirms: closed; a reply to a closed request is refused and changes nothing.
		if r, err = f.svc.Confirm(context.Background(), r.ID, f.member); err != nil || r.Status != request.Closed {
			t.Fatalf("confirm: %+v, %v", r, err)
		}
		before := e.Count(t, "SELECT count(*) FROM request_messages")
		_, err = f.svc.Reply(ctx, r.ID, f.handler.ID, request.Reply{Body: "补充说明"}, nil)
		if ae := testfix.WantCode(t, err, apperr.Conflict); !strings.Contains(ae.ZH, "已关闭") {
			t.Fatalf("reply to closed: %v", ae)
		}
		if after := e.Count(t, "SELECT count(*) FROM request_messages"); after != before {
			t.Fatalf("messages %d → %d", before, after)
		}
		// Reopened within the close-after days: back in progress, counted.
		if r, err = f.svc.Reopen(context.Background(), r.ID, f.member, "灯又坏了", nil); err != nil || r.Status != request.InProgress || r.Reopened != 1 {
			t.Fatalf("reopen: %+v, %v", r, err)
		}
	}, testfix.WithClock(monday))
}

func TestTransferAndScope(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		r := f.complaint(t)
		ctx := staffCtx(f.handler)
		shOnly := []string{e.Path("SH")}
		before := e.Count(t, "SELECT count(*) FROM request_events WHERE request_id = ?", r.ID)
		// 客户会 of Hangzhou is outside a Shanghai handler's scope.
		_, err := f.svc.Transfer(ctx, r.ID, f.club.ID, "不属于物业", nil, shOnly)
		testfix.WantErr(t, err, apperr.Invalid, "department_id")
		_, err = f.svc.Transfer(ctx, r.ID, f.dept.ID, "", nil, shOnly)
		testfix.WantErr(t, err, apperr.Invalid, "reason")
		if after := e.Count(t, "SELECT count(*) FROM request_events WHERE request_id = ?", r.ID); after != before {
			t.Fatal("a refused transfer left history")
		}
		eng, err := f.svc.SaveDepartment(testfix.Ctx(), 0, request.DepartmentInput{NodeID: e.Nodes["SH"].ID, Code: "engineering"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err = f.svc.Transfer(ctx, r.ID, eng.ID, "属于工程质量问题", nil, shOnly)
		if err != nil || *r.DepartmentID != eng.ID || r.Status != request.Assigned || r.AssigneeID != nil {
			t.Fatalf("transfer: %+v, %v", r, err)
		}
		// Property staff of SH-PD see property complaints of SH-PD only.
		prop := &request.Scope{Property: []string{e.Path("SH-PD")}}
		other, err := f.svc.Submit(context.Background(), request.NewRequest{MemberID: f.member, Kind: request.Complaint,
			Subkind: request.SubService, Text: "客服电话总是占线。"})
		if err != nil {
			t.Fatal(err)
		}
		list, total, err := f.svc.List(context.Background(), request.Filter{Scope: prop})
		if err != nil || total != 1 || list[0].ID != r.ID {
			t.Fatalf("property staff's list = %+v (%d), %v", list, total, err)
		}
		if !prop.Allows(r) || prop.Allows(other) {
			t.Fatal("property scope allows the wrong requests")
		}
		if _, err := f.svc.Take(context.Background(), other.ID, f.handler.ID, prop); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("take out of scope: %v", err)
		}
		// Merge the service complaint into the first: closed, linked, both histories say so.
		m, err := f.svc.Merge(ctx, other.ID, r.ID, f.handler.ID, nil)
		if err != nil || m.Status != request.Closed || m.MergedInto == nil || *m.MergedInto != r.ID {
			t.Fatalf("merge: %+v, %v", m, err)
		}
		if n := e.Count(t, "SELECT count(*) FROM request_events WHERE request_id = ? AND action = 'merged_from'", r.ID); n != 1 {
			t.Fatal("no merged_from line on the target")
		}
	}, testfix.WithClock(monday))
}

func TestSettingsRefuseBadInput(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		ctx := testfix.Ctx()
		before, err := f.svc.SLAs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = f.svc.SetSLAs(ctx, []request.SLA{{Kind: request.Suggestion, RespondHours: 8, ResolveHours: 40, EscalateHours: 8},
			{Kind: request.Complaint, RespondHours: 0, ResolveHours: 40, EscalateHours: 16}})
		if ae := testfix.WantErr(t, err, apperr.Invalid, "sla[1].respond_hours"); !strings.Contains(ae.ZH, "投诉") {
			t.Fatalf("zero due time: %v", ae)
		}
		after, _ := f.svc.SLAs(ctx)
		if fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("a refused change changed the due times: %v → %v", before, after)
		}
		testfix.WantErr(t, f.svc.SetCloseAfter(ctx, 0), apperr.Invalid, "close_after_days")
		_, err = f.svc.SaveDepartment(ctx, 0, request.DepartmentInput{NodeID: e.Nodes["SH"].ID, Code: "property"}, nil)
		testfix.WantErr(t, err, apperr.Invalid, "code")
		// A department of HZ cannot serve a rule at SH.
		_, err = f.svc.SaveRule(ctx, request.RuleInput{NodeID: e.Nodes["SH"].ID, Kind: request.Suggestion, DepartmentID: f.club.ID}, nil)
		testfix.WantErr(t, err, apperr.Invalid, "department_id")
		// The deepest rule wins.
		pd, err := f.svc.SaveDepartment(ctx, 0, request.DepartmentInput{NodeID: e.Nodes["SH-PD"].ID, Code: "property", Name: "浦东物业"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.SaveRule(ctx, request.RuleInput{NodeID: e.Nodes["SH-PD"].ID, Kind: request.Complaint, DepartmentID: pd.ID}, nil); err != nil {
			t.Fatal(err)
		}
		if r := f.complaint(t); r.DepartmentID == nil || *r.DepartmentID != pd.ID {
			t.Fatalf("routed to %v, want the project's department %d", r.DepartmentID, pd.ID)
		}
	}, testfix.WithClock(monday))
}

func TestEscalationOncePerLevel(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		r := f.complaint(t)
		ctx := context.Background()
		if n, err := f.svc.Escalate(ctx); err != nil || n != 0 {
			t.Fatalf("escalated %d before due, %v", n, err)
		}
		// Past the 4-hour first response: level 1, to the city supervisor; run on
		// "two servers" at once, once.
		e.Clock.Advance(5 * time.Hour)
		var made atomic.Int32
		testfix.Together(4, func(int) {
			n, err := f.svc.Escalate(ctx)
			if err != nil {
				t.Error(err)
			}
			made.Add(int32(n))
		})
		if made.Load() != 1 {
			t.Fatalf("escalations made = %d, want 1", made.Load())
		}
		notices := &notify.Service{DB: e.DB}
		if n, _ := notices.Unread(ctx, f.cityBoss.ID); n != 1 {
			t.Fatalf("city supervisor told %d times", n)
		}
		if n, _ := notices.Unread(ctx, f.topBoss.ID); n != 0 {
			t.Fatalf("group supervisor told %d times at level 1", n)
		}
		// 16 more hours: level 2, one level up.
		e.Clock.Advance(17 * time.Hour)
		if n, err := f.svc.Escalate(ctx); err != nil || n != 1 {
			t.Fatalf("level 2: %d, %v", n, err)
		}
		if n, _ := notices.Unread(ctx, f.topBoss.ID); n != 1 {
			t.Fatalf("group supervisor told %d times", n)
		}
		if n, err := f.svc.Escalate(ctx); err != nil || n != 0 {
			t.Fatalf("a third run escalated %d, %v", n, err)
		}
		if n := e.Count(t, "SELECT count(*) FROM request_escalations WHERE request_id = ?", r.ID); n != 2 {
			t.Fatalf("escalation rows = %d", n)
		}
		// Resolved, it closes by itself after the close-after days, once.
		if _, err := f.svc.Resolve(staffCtx(f.handler), r.ID, f.handler.ID, "已修复。", "", nil); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(8 * 24 * time.Hour)
		if n, err := f.svc.CloseResolved(ctx); err != nil || n != 1 {
			t.Fatalf("closed %d, %v", n, err)
		}
		if n, err := f.svc.CloseResolved(ctx); err != nil || n != 0 {
			t.Fatalf("closed again %d, %v", n, err)
		}
		// Too late for the member to reopen.
		_, err := f.svc.Reopen(ctx, r.ID, f.member, "还是不亮", nil)
		testfix.WantCode(t, err, apperr.Conflict)
	}, testfix.WithClock(monday))
}

// TestFilesOnReplies: a reply, a note and the member's reply each carry
// files; the member sees the replies' files, never a note's; a refused
// reply stores nothing.
func TestFilesOnReplies(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		ctx := staffCtx(f.handler)
		r := f.complaint(t)
		photo, pdf := pngBytes(t), pdfBytes()
		if _, err := f.svc.Reply(ctx, r.ID, f.handler.ID, request.Reply{Body: "请看维修方案。", Wait: true,
			Files: []request.Upload{{Name: "方案.pdf", Data: pdf}, {Name: "现场.png", Data: photo}}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reply(ctx, r.ID, f.handler.ID, request.Reply{Body: "物业报价单，仅内部参考", Internal: true,
			Files: []request.Upload{{Name: "报价.pdf", Data: pdf}}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MemberReply(testfix.Ctx(), r.ID, f.member, "照片补充如下", request.Upload{Name: "b2.png", Data: photo}); err != nil {
			t.Fatal(err)
		}
		staff, err := f.svc.Get(context.Background(), r.ID)
		if err != nil || len(staff.Messages) != 3 || len(staff.Files) != 0 {
			t.Fatalf("staff view: %v %+v", err, staff)
		}
		if m := staff.Messages; len(m[0].Files) != 2 || len(m[1].Files) != 1 || !m[1].Internal || len(m[2].Files) != 1 ||
			m[0].Files[0].ContentType != "application/pdf" || m[2].Files[0].Name != "b2.png" {
			t.Fatalf("staff's messages: %+v", m)
		}
		note := staff.Messages[1].Files[0]
		mine, err := f.svc.GetForMember(context.Background(), r.ID, f.member)
		if err != nil || len(mine.Messages) != 2 || len(mine.Messages[0].Files) != 2 || len(mine.Messages[1].Files) != 1 {
			t.Fatalf("member's view: %v %+v", err, mine)
		}
		if _, err := f.svc.MemberFile(context.Background(), r.ID, note.ID, f.member); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("member fetched a note's file: %v", err)
		}
		if d, err := f.svc.MemberFile(context.Background(), r.ID, staff.Messages[0].Files[0].ID, f.member); err != nil || !bytes.Equal(d.Data, pdf) {
			t.Fatalf("member's reply file: %v", err)
		}
		if d, err := f.svc.StaffFile(ctx, staff, note.ID); err != nil || !bytes.Equal(d.Data, pdf) {
			t.Fatalf("staff's note file: %v", err)
		}
		// Too many, too big or of the wrong type: refused, field named,
		// nothing stored.
		before := countRows(t, e.DB, "request_messages", "request_files")
		for name, files := range map[string][]request.Upload{
			"six":  many(6, photo),
			"6 MB": one("big.png", append(append([]byte{}, photo...), make([]byte, 6<<20)...)),
			"exe":  one("说明.pdf", exeBytes()),
		} {
			_, err := f.svc.Reply(ctx, r.ID, f.handler.ID, request.Reply{Body: "再补充", Files: files}, nil)
			if !apperr.Is(err, apperr.Invalid) || apperr.As(err).Field != "files" {
				t.Errorf("%s: reply %v", name, err)
			}
			_, err = f.svc.MemberReply(testfix.Ctx(), r.ID, f.member, "再补充", files...)
			if !apperr.Is(err, apperr.Invalid) || apperr.As(err).Field != "files" {
				t.Errorf("%s: member reply %v", name, err)
			}
		}
		if after := countRows(t, e.DB, "request_messages", "request_files"); !slices.Equal(after, before) {
			t.Errorf("refused replies stored rows: %v then %v", before, after)
		}
		testfix.ScanForPII(t, e.DB, string(pdf[9:40]), string(photo[8:40]))
	}, testfix.WithClock(monday))
}

func TestTextsAndFilesSealed(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		photo := pngBytes(t)
		r, err := f.svc.Submit(context.Background(), request.NewRequest{MemberID: f.member, Kind: request.Complaint,
			Subkind: request.SubProperty, Text: "我家住 5 栋 803，阳台渗水。", Files: one("a.png", photo)})
		if err != nil {
			t.Fatal(err)
		}
		testfix.ScanForPII(t, e.DB, "5 栋 803", string(photo[8:40]))
		got, err := f.svc.Get(context.Background(), r.ID)
		if err != nil || got.Text != "我家住 5 栋 803，阳台渗水。" {
			t.Fatalf("opened text %q, %v", got.Text, err)
		}
		if d, err := f.svc.StaffFile(context.Background(), got, got.Files[0].ID); err != nil || !bytes.Equal(d.Data, photo) {
			t.Fatalf("opened photo: %v", err)
		}
		// A row written before sealing is sealed by the periodic job, once.
		if err := e.DB.Update(context.Background(), func(tx *db.Tx) error {
			if _, err := tx.Exec(context.Background(), "UPDATE requests SET text = ?, text_enc = NULL WHERE id = ?", "旧的明文诉求 12 号楼", r.ID); err != nil {
				return err
			}
			_, err := tx.Exec(context.Background(), "UPDATE request_files SET data = ?, sealed = ? WHERE request_id = ?", photo, false, r.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.Get(context.Background(), r.ID); got.Text != "旧的明文诉求 12 号楼" {
			t.Fatalf("legacy text read as %q", got.Text)
		}
		if n, err := f.svc.SealLegacy(context.Background()); err != nil || n != 2 {
			t.Fatalf("sealed %d, %v", n, err)
		}
		if n, err := f.svc.SealLegacy(context.Background()); err != nil || n != 0 {
			t.Fatalf("sealed again %d, %v", n, err)
		}
		testfix.ScanForPII(t, e.DB, "旧的明文诉求", string(photo[8:40]))
		if got, _ := f.svc.Get(context.Background(), r.ID); got.Text != "旧的明文诉求 12 号楼" {
			t.Fatalf("sealed legacy text read as %q", got.Text)
		}
		if d, err := f.svc.MemberFile(context.Background(), r.ID, got.Files[0].ID, f.member); err != nil || !bytes.Equal(d.Data, photo) || d.Name != "a.png" {
			t.Fatalf("sealed legacy photo: %v", err)
		}
	}, testfix.WithClock(monday))
}

// TestFileNamesSealed: a file's name is personal data ("张三身份证.pdf"):
// sealed at rest like its bytes, on the request and on replies, and read
// back opened wherever it is shown. A name left in clear (a row from
// before) is caught by the PII scan until request.seal_legacy seals it.
func TestFileNamesSealed(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := newFlow(t, e)
		app := e.Application("SH-PD")
		member := e.Approve(t, app)
		name := app.Name + app.Mobile + "身份证.pdf"
		r, err := f.svc.Submit(context.Background(), request.NewRequest{MemberID: member, Kind: request.Complaint,
			Subkind: request.SubProperty, Text: "车位被占用，附证件。", Files: one(name, pdfBytes())})
		if err != nil {
			t.Fatal(err)
		}
		reply := app.Name + "的房产证.png"
		if _, err := f.svc.Reply(staffCtx(f.handler), r.ID, f.handler.ID, request.Reply{Body: "已收到，请核对。",
			Files: one(reply, pngBytes(t))}, nil); err != nil {
			t.Fatal(err)
		}
		// The member's name is in clear in members (search), not their
		// mobile: the scan looks for the mobile and the files' whole names.
		if found := testfix.FindPII(t, e.DB, app.Mobile, name, reply); len(found) != 0 {
			t.Fatalf("file names in clear: %v", found)
		}
		got, err := f.svc.Get(context.Background(), r.ID)
		if err != nil || len(got.Files) != 1 || got.Files[0].Name != name || len(got.Messages) != 1 ||
			len(got.Messages[0].Files) != 1 || got.Messages[0].Files[0].Name != reply {
			t.Fatalf("opened names: %v %+v", err, got)
		}
		if d, err := f.svc.MemberFile(context.Background(), r.ID, got.Files[0].ID, member); err != nil || d.Name != name {
			t.Fatalf("download name: %v %+v", err, d)
		}
		var copied [][]string
		if err := e.DB.View(context.Background(), func(tx *db.Tx) (err error) {
			_, copied, err = request.Files{S: f.svc}.Copy(context.Background(), tx, member)
			return err
		}); err != nil || len(copied) != 2 || copied[0][2] != name || copied[1][2] != reply {
			t.Fatalf("data copy: %v %v", err, copied)
		}

		// A row from before names were sealed: the scan catches the clear
		// name, the pages still show it, the periodic job seals it once.
		if err := e.DB.Update(context.Background(), func(tx *db.Tx) error {
			_, err := tx.Exec(context.Background(), "UPDATE request_files SET name = ?, name_enc = NULL WHERE id = ?", name, got.Files[0].ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if found := testfix.FindPII(t, e.DB, app.Mobile, name, reply); !slices.Equal(found,
			[]string{"request_files.name (needle #0)", "request_files.name (needle #1)"}) {
			t.Fatalf("the scan finds a clear name in %v", found)
		}
		if got, _ := f.svc.Get(context.Background(), r.ID); got.Files[0].Name != name {
			t.Fatalf("legacy name read as %q", got.Files[0].Name)
		}
		if n, err := f.svc.SealLegacy(context.Background()); err != nil || n != 1 {
			t.Fatalf("sealed %d, %v", n, err)
		}
		if n, err := f.svc.SealLegacy(context.Background()); err != nil || n != 0 {
			t.Fatalf("sealed again %d, %v", n, err)
		}
		testfix.ScanForPII(t, e.DB, app.Mobile, name, reply)
		if n := e.Count(t, "SELECT count(*) FROM request_files WHERE name <> '' OR name_enc IS NULL"); n != 0 {
			t.Fatalf("%d names left in clear", n)
		}
		if d, err := f.svc.MemberFile(context.Background(), r.ID, got.Files[0].ID, member); err != nil || d.Name != name {
			t.Fatalf("sealed legacy name: %v %+v", err, d)
		}
	}, testfix.WithClock(monday))
}
