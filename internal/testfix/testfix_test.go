package testfix_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/points"
	"estateclub/internal/testfix"
)

// Every node of the tree stands below its parent, with its kind and name.
func TestTree(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		if len(e.Nodes) != len(testfix.Tree)+1 {
			t.Fatalf("%d nodes, want GROUP and %d", len(e.Nodes), len(testfix.Tree))
		}
		for _, want := range testfix.Tree {
			n, err := e.Orgs.ByCode(context.Background(), want.Code)
			if err != nil {
				t.Fatal(err)
			}
			parent := e.Nodes[want.ParentCode]
			if n.Kind != want.Kind || n.Name != want.Name || n.ParentID == nil || *n.ParentID != parent.ID ||
				!strings.HasPrefix(n.Path, parent.Path) || e.Path(want.Code) != n.Path {
				t.Errorf("%s = %+v, want %+v below %s", want.Code, n, want, parent.Path)
			}
		}
		e.AddNodes(t, org.NewNode{ParentCode: "HZ", Kind: org.Project, Code: "BJF", Name: "滨江府"})
		if !strings.HasPrefix(e.Path("BJF"), e.Path("HZ")) {
			t.Errorf("BJF at %s, not below HZ %s", e.Path("BJF"), e.Path("HZ"))
		}
	})
}

// Staff sign in with Password and hold their role at their node only.
func TestStaff(t *testing.T) {
	e := testfix.Open(t, db.SQLite, testfix.WithClock(testfix.Start))
	st := e.Staff(t, "chen", auth.CitySpecialist, "SH")
	if st.NodeCode != "SH" || st.Name != "员工 chen" || !st.CreatedAt.Equal(testfix.Start) {
		t.Errorf("staff = %+v", st)
	}
	if _, _, err := e.Auth.Login(context.Background(), "chen", testfix.Password, "192.0.2.1", ""); err != nil {
		t.Fatalf("login with the password: %v", err)
	}
	raw, _, err := e.Auth.CreateToken(context.Background(), st.ID, "test", 0)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.Auth.AuthenticateToken(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	if !p.CanAt(auth.MemberWrite, e.Path("SH-PD")) || p.CanAt(auth.MemberWrite, e.Path("HZ")) {
		t.Errorf("grants = %+v", p.Grants)
	}
	bare := e.Staff(t, "wu", "", "HZ")
	if len(bare.Grants) != 0 {
		t.Errorf("staff without a role holds %+v", bare.Grants)
	}
}

// Members are approved, distinct and where they joined; the points they
// earn show in their balances and the ledger holds together.
func TestMembersAndPoints(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		a, b := e.Member(t, "SH-PD"), e.Member(t, "SZ-QH")
		for _, id := range []int64{a, b} {
			m, err := e.Members.Get(context.Background(), id)
			if err != nil || m.Status != member.Active {
				t.Fatalf("member %d = %+v, %v", id, m, err)
			}
		}
		if a == b {
			t.Fatal("two members with one id")
		}
		// A server given Key reads what the Env sealed.
		keys, err := pii.NewKeys(testfix.Key())
		if err != nil {
			t.Fatal(err)
		}
		app := e.Application("HZ-XH")
		pending := e.Apply(t, app)
		seen, err := (&member.Service{DB: e.DB, Keys: keys}).Reveal(testfix.Ctx(), pending.ID, "test")
		if err != nil || seen.Mobile != app.Mobile {
			t.Errorf("mobile read with Key = %+v, %v; want %s", seen, err, app.Mobile)
		}
		if pending.Status != member.Pending || pending.NodeCode != "HZ-XH" {
			t.Errorf("applicant = %+v", pending)
		}
		e.Earn(t, a, 100, "")
		e.Earn(t, a, 30, e.Path("SOUTH"))
		if got := e.Balance(t, a, points.Reward); got != 130 {
			t.Errorf("balance = %d, want 130", got)
		}
		if got := e.Balances(t, a, points.Reward); got[e.Path("EAST")] != 100 || got[e.Path("SOUTH")] != 30 || len(got) != 2 {
			t.Errorf("balances = %v", got)
		}
		if got := e.Balance(t, b, points.Reward); got != 0 {
			t.Errorf("balance of another member = %d", got)
		}
		if r := e.Verify(t); len(r.Mismatches) != 0 {
			t.Errorf("verify: %+v", r)
		}
		p := e.Plan(t, "EAST", points.RuleInput{EventType: points.EvEventAttendance, Kind: points.Reward, Amount: 10})
		if p.Status != points.PlanApproved || p.NodeCode != "EAST" {
			t.Errorf("plan = %+v", p)
		}
	}, testfix.WithClock(testfix.Start))
}

// The clock moves only when told, and the database reads it.
func TestClock(t *testing.T) {
	e := testfix.Open(t, db.SQLite, testfix.WithClock(testfix.Start))
	e.Clock.Advance(time.Hour)
	if got := e.DB.Clock(); !got.Equal(testfix.Start.Add(time.Hour)) {
		t.Errorf("database clock = %v", got)
	}
	e.Clock.At(2026, 1, 2, 8, 30)
	if got := e.Clock.Now(); got.Year() != 2026 || got.Hour() != 8 || got.Location() != testfix.CST {
		t.Errorf("clock = %v", got)
	}
}

// recorder is the testing.TB of a check expected to fail: it notes the
// failure, and Fatalf ends the check's goroutine. (WantCode and WantErr
// call only these methods.)
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Helper()               {}
func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }

// fails reports whether check failed the test it was given.
func fails(check func(t testing.TB)) bool {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.failed
}

func TestWantErr(t *testing.T) {
	err := apperr.Field("mobile", "手机号码须为 11 位", "a mobile number has 11 digits")
	for _, tc := range []struct {
		name  string
		check func(t testing.TB)
		fails bool
	}{
		{"code and field", func(t testing.TB) { testfix.WantErr(t, err, apperr.Invalid, "mobile") }, false},
		{"any field", func(t testing.TB) { testfix.WantErr(t, err, apperr.Invalid, "") }, false},
		{"other field", func(t testing.TB) { testfix.WantErr(t, err, apperr.Invalid, "name") }, true},
		{"other code", func(t testing.TB) { testfix.WantCode(t, err, apperr.NotFound) }, true},
		{"no error", func(t testing.TB) { testfix.WantCode(t, nil, apperr.Invalid) }, true},
		{"a plain error", func(t testing.TB) { testfix.WantCode(t, errors.New("boom"), apperr.Invalid) }, true},
		{"one language", func(t testing.TB) {
			testfix.WantCode(t, &apperr.Error{Code: apperr.Invalid, ZH: "无效"}, apperr.Invalid)
		}, true},
	} {
		if got := fails(tc.check); got != tc.fails {
			t.Errorf("%s: failed = %v, want %v", tc.name, got, tc.fails)
		}
	}
}

// Together runs every call, each in its own goroutine, all at once: none
// finishes before the last has started.
func TestTogether(t *testing.T) {
	const n = 8
	var started atomic.Int64
	var early atomic.Bool
	seen := make([]atomic.Int64, n)
	testfix.Together(n, func(i int) {
		started.Add(1)
		seen[i].Add(1)
		deadline := time.Now().Add(5 * time.Second)
		for started.Load() < n && time.Now().Before(deadline) {
			runtime.Gosched()
		}
		if started.Load() < n {
			early.Store(true)
		}
	})
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Errorf("fn(%d) ran %d times", i, seen[i].Load())
		}
	}
	if early.Load() {
		t.Error("a call ran alone: the calls did not run at once")
	}
}

// A Buffer may be read while another goroutine writes it (go test -race
// tells), and keeps every write.
func TestBufferReadWhileWritten(t *testing.T) {
	var b testfix.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 1000 {
			_, _ = b.WriteString("line\n")
		}
	}()
	for reading := true; reading; {
		select {
		case <-done:
			reading = false
		default:
			_ = b.String()
		}
	}
	if got := strings.Count(b.String(), "line\n"); got != 1000 || len(b.Bytes()) != 5000 {
		t.Errorf("%d lines, %d bytes; want 1000 lines", got, len(b.Bytes()))
	}
}
