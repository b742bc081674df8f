package event_test

import (
	"slices"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/event"
	"estateclub/internal/testfix"
)

func TestRegistrationRules(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		p := f.proposal()
		p.Capacity = 3
		e := f.mustPublished(t, p)
		ms := f.members(t, "SH-PD", 4)
		ctx := memberCtx(ms[0])
		_, err := f.svc.Register(ctx, e.ID, event.RegisterInput{MemberID: ms[0], Companions: 3}, nil)
		testfix.WantErr(t, err, apperr.Invalid, "companions")
		r := must(f.svc.Register(ctx, e.ID, event.RegisterInput{MemberID: ms[0], Companions: 1}, nil))(t)
		if r.Status != event.Registered || r.Seq != 1 {
			t.Fatalf("first registration %+v", r)
		}
		again := must(f.svc.Register(ctx, e.ID, event.RegisterInput{MemberID: ms[0], Companions: 2}, nil))(t)
		if again.ID != r.ID || again.Companions != 1 {
			t.Fatalf("registering twice made %+v", again)
		}
		// One seat left: a party of two waits, and so does everyone behind it.
		r1 := must(f.svc.Register(memberCtx(ms[1]), e.ID, event.RegisterInput{MemberID: ms[1], Companions: 1}, nil))(t)
		r2 := must(f.svc.Register(memberCtx(ms[2]), e.ID, event.RegisterInput{MemberID: ms[2]}, nil))(t)
		if r1.Status != event.Waiting || r2.Status != event.Waiting || r2.WaitingAhead != 1 {
			t.Fatalf("waiting: %+v %+v", r1, r2)
		}
		// Staff register on behalf: the member must be within their scope.
		sz := f.Member(t, "SZ-QH")
		_, err = f.svc.Register(staffCtx(f.proposer), e.ID, event.RegisterInput{MemberID: sz, ByStaffID: f.proposer.ID}, f.sh)
		testfix.WantErr(t, err, apperr.Invalid, "member_id")
		// A visitor by mobile becomes a default member and waits.
		v := must(f.svc.RegisterVisitor(staffCtx(f.proposer), e.ID, event.VisitorInput{Mobile: "13912345678", Name: "访客甲",
			NodeID: f.Nodes["SH-PD"].ID, StaffID: f.proposer.ID}, f.sh))(t)
		if v.Status != event.Waiting || v.Channel != event.ByStaff {
			t.Fatalf("visitor %+v", v)
		}
		// Cancelling frees two seats: the first waiting (a party of two) gets them, and is told.
		must(f.svc.CancelRegistration(ctx, e.ID, ms[0], nil))(t)
		got := must(f.svc.Get(staffCtx(f.proposer), e.ID, f.sh))(t)
		if got.SeatsTaken != 2 || got.Counts.Registered != 1 || got.Counts.Waiting != 2 {
			t.Fatalf("after cancel: seats %d counts %+v", got.SeatsTaken, got.Counts)
		}
		notes := must(f.svc.Notices(memberCtx(ms[1]), ms[1], true))(t)
		if len(notes) != 1 || notes[0].Kind != "promoted" {
			t.Fatalf("notices of the promoted member: %+v", notes)
		}
		// Registration again after cancelling is a new arrival, at the back.
		back := must(f.svc.Register(ctx, e.ID, event.RegisterInput{MemberID: ms[0]}, nil))(t)
		if back.Status != event.Waiting || back.Seq != 5 {
			t.Fatalf("re-registration %+v", back)
		}
		// After the deadline: refused, nothing changes.
		f.Clock.Set(e.Deadline)
		_, err = f.svc.Register(memberCtx(ms[3]), e.ID, event.RegisterInput{MemberID: ms[3]}, nil)
		testfix.WantErr(t, err, apperr.Conflict, "deadline")
		if n := f.Count(t, "SELECT count(*) FROM event_registrations WHERE member_id = ?", ms[3]); n != 0 {
			t.Fatal("a late registration was stored")
		}
	})
}

// TestRegistrationKey: staff's registration with the client's idempotency
// key answers, on a retry, the registration the key made — even cancelled
// since — and the key names one member only.
func TestRegistrationKey(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		e := f.mustPublished(t, f.proposal())
		ms := f.members(t, "SH-PD", 2)
		ctx := staffCtx(f.proposer)
		in := event.RegisterInput{MemberID: ms[0], ByStaffID: f.proposer.ID, Key: "client-1"}
		r := must(f.svc.Register(ctx, e.ID, in, f.sh))(t)
		must(f.svc.CancelRegistration(ctx, e.ID, ms[0], f.sh))(t)
		late := must(f.svc.Register(ctx, e.ID, in, f.sh))(t)
		if late.ID != r.ID || late.Status != event.RegCancelled {
			t.Fatalf("a late retry of the key registered again: %+v", late)
		}
		_, err := f.svc.Register(ctx, e.ID, event.RegisterInput{MemberID: ms[1], ByStaffID: f.proposer.ID, Key: "client-1"}, f.sh)
		testfix.WantErr(t, err, apperr.Conflict, "Idempotency-Key")
		_, err = f.svc.Register(ctx, e.ID, event.RegisterInput{MemberID: ms[1], ByStaffID: f.proposer.ID, Key: strings.Repeat("k", event.MaxKey+1)}, f.sh)
		testfix.WantErr(t, err, apperr.Invalid, "Idempotency-Key")
		if n := f.Count(t, "SELECT count(*) FROM event_registrations WHERE member_id = ?", ms[1]); n != 0 {
			t.Fatal("a refused key stored a registration")
		}
		// A new key registers the member again, as a new arrival.
		again := must(f.svc.Register(ctx, e.ID, event.RegisterInput{MemberID: ms[0], ByStaffID: f.proposer.ID, Key: "client-2"}, f.sh))(t)
		if again.Status != event.Registered || again.Seq <= r.Seq {
			t.Fatalf("a new key: %+v", again)
		}
		// A visitor's retried registration is one registration.
		v := event.VisitorInput{Mobile: "13912345670", Name: "访客乙", StaffID: f.proposer.ID, Key: "client-3"}
		v1 := must(f.svc.RegisterVisitor(ctx, e.ID, v, f.sh))(t)
		v2 := must(f.svc.RegisterVisitor(ctx, e.ID, v, f.sh))(t)
		if v1.ID != v2.ID {
			t.Fatalf("a visitor's retry: %+v then %+v", v1, v2)
		}
	})
}

// TestRegistrationKeyAtOnce: one key sent for two members at the same
// moment registers one of them; the other is told the key is taken.
func TestRegistrationKeyAtOnce(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		e := f.mustPublished(t, f.proposal())
		ms := f.members(t, "SH-PD", 2)
		errs := make([]error, len(ms))
		testfix.Together(len(ms), func(i int) {
			for try := 0; try < 5; try++ {
				in := event.RegisterInput{MemberID: ms[i], ByStaffID: f.proposer.ID, Key: "same-key"}
				if _, errs[i] = f.svc.Register(staffCtx(f.proposer), e.ID, in, f.sh); !apperr.Is(errs[i], apperr.Busy) {
					break
				}
			}
		})
		ok, taken := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict) && apperr.As(err).Field == "Idempotency-Key":
				taken++
			default:
				t.Errorf("a registration with a shared key: %v", err)
			}
		}
		if ok != 1 || taken != 1 {
			t.Fatalf("%d registered, %d told the key is taken; want 1 and 1", ok, taken)
		}
		if n := f.Count(t, "SELECT count(*) FROM event_registrations WHERE event_id = ?", e.ID); n != 1 {
			t.Fatalf("%d registrations stored, want 1", n)
		}
	})
}

func TestRegisterCancelledEvent(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		e := f.mustPublished(t, f.proposal())
		m := f.Member(t, "SH")
		must(f.svc.Register(memberCtx(m), e.ID, event.RegisterInput{MemberID: m}, nil))(t)
		must(f.svc.Cancel(staffCtx(f.proposer), e.ID, "场地临时关闭", f.sh))(t)
		m2 := f.Member(t, "SH")
		_, err := f.svc.Register(staffCtx(f.proposer), e.ID, event.RegisterInput{MemberID: m2, ByStaffID: f.proposer.ID}, f.sh)
		testfix.WantErr(t, err, apperr.Conflict, "status")
		notes := must(f.svc.Notices(memberCtx(m), m, false))(t)
		if len(notes) != 1 || notes[0].Kind != "cancelled" {
			t.Fatalf("notices %+v", notes)
		}
	})
}

// TestConcurrentRegistration: 200 members registering at once for 50 seats
// leave exactly 50 registered and 150 waiting, in the order they arrived
// (the order their transactions took the event), and each cancellation
// promotes exactly one, the first waiting.
func TestConcurrentRegistration(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		p := f.proposal()
		p.Capacity = 50
		e := f.mustPublished(t, p)
		ms := f.members(t, "SH-PD", 200)
		errs := make([]error, len(ms))
		testfix.Together(len(ms), func(i int) {
			// A client told the database is busy (SQLite's writer waited
			// for longer than its lock wait, on a loaded machine) sends
			// the same registration again, as the API tells it to.
			for try := 0; try < 5; try++ {
				if _, errs[i] = f.svc.Register(memberCtx(ms[i]), e.ID, event.RegisterInput{MemberID: ms[i]}, nil); !apperr.Is(errs[i], apperr.Busy) {
					break
				}
			}
		})
		for i, err := range errs {
			if err != nil {
				t.Fatalf("registration %d: %v", i, err)
			}
		}
		regs, total, err := f.svc.Registrations(staffCtx(f.proposer), e.ID, event.RegFilter{Limit: 1000}, f.sh)
		if err != nil || total != 200 {
			t.Fatalf("registrations: %d, %v", total, err)
		}
		var seqs []int
		reg, wait := 0, 0
		for i, r := range regs {
			seqs = append(seqs, r.Seq)
			if r.Seq != i+1 {
				t.Fatalf("registration %d has seq %d: the arrival order has a gap", i, r.Seq)
			}
			switch {
			case r.Status == event.Registered && wait == 0:
				reg++
			case r.Status == event.Waiting:
				wait++
			default:
				t.Fatalf("seq %d is %s after %d waiting: the order is broken", r.Seq, r.Status, wait)
			}
		}
		if reg != 50 || wait != 150 || !slices.IsSorted(seqs) {
			t.Fatalf("%d registered, %d waiting; want 50 and 150", reg, wait)
		}
		// A later page of the whole list and of the waiting list counts
		// those waiting ahead of it, not from its own first row.
		page, _, err := f.svc.Registrations(staffCtx(f.proposer), e.ID, event.RegFilter{Offset: 60, Limit: 5}, f.sh)
		if err != nil || len(page) != 5 || page[0].Seq != 61 || page[0].WaitingAhead != 10 || page[4].WaitingAhead != 14 {
			t.Fatalf("page from 60: %+v %v", page, err)
		}
		page, _, err = f.svc.Registrations(staffCtx(f.proposer), e.ID, event.RegFilter{Status: event.Waiting, Offset: 100, Limit: 5}, f.sh)
		if err != nil || len(page) != 5 || page[0].Seq != 151 || page[0].WaitingAhead != 100 {
			t.Fatalf("waiting page from 100: %+v %v", page, err)
		}
		// Each cancellation promotes exactly the first waiting.
		for k := range 5 {
			must(f.svc.CancelRegistration(memberCtx(regs[k].MemberID), e.ID, regs[k].MemberID, nil))(t)
			got := must(f.svc.Get(staffCtx(f.proposer), e.ID, f.sh))(t)
			if got.Counts.Registered != 50 || got.Counts.Waiting != 150-k-1 || got.SeatsTaken != 50 {
				t.Fatalf("after cancellation %d: %+v seats %d", k, got.Counts, got.SeatsTaken)
			}
			if p := regs[50+k]; must(f.svc.ForMemberDetail(memberCtx(p.MemberID), e.ID, p.MemberID))(t).Registration.Status != event.Registered {
				t.Fatalf("cancellation %d did not promote seq %d", k, p.Seq)
			}
		}
		// Concurrent cancellations: each promotes one.
		testfix.Together(10, func(i int) {
			_, errs[i] = f.svc.CancelRegistration(memberCtx(regs[5+i].MemberID), e.ID, regs[5+i].MemberID, nil)
		})
		for _, err := range errs[:10] {
			if err != nil {
				t.Fatal(err)
			}
		}
		got := must(f.svc.Get(staffCtx(f.proposer), e.ID, f.sh))(t)
		if got.Counts.Registered != 50 || got.Counts.Waiting != 135 {
			t.Fatalf("after concurrent cancellations: %+v", got.Counts)
		}
	})
}
