package lead_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/jobs"
	"estateclub/internal/lead"
	"estateclub/internal/testfix"
)

const day = 24 * time.Hour

func TestPoolReturnExactlyOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		cfg := lead.DefaultConfig()
		cfg.PoolReturnDays, cfg.ProtectVisitDays = 10, 0
		if _, err := f.svc.SetConfig(f.as("chen"), "SH-PD", cfg); err != nil {
			t.Fatal(err)
		}
		neglected := f.mustRegister(t, "wang", lead.Registration{Source: lead.Call})
		followed := f.mustRegister(t, "wang", lead.Registration{Source: lead.Call})
		byOther := f.mustRegister(t, "wang", lead.Registration{Source: lead.Call})
		f.Clock.Advance(6 * day)
		if _, err := f.svc.AddFollowUp(f.as("wang"), followed.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "回访"}); err != nil {
			t.Fatal(err)
		}
		// Someone else's follow-up (the manager's) is not a valid one for the owner.
		if _, err := f.svc.AddFollowUp(f.as("chen"), byOther.ID, lead.FollowUpInput{Channel: lead.ByPhone, Content: "帮忙回访"}); err != nil {
			t.Fatal(err)
		}
		f.Clock.Advance(5 * day) // 11 days after registration, 5 after the follow-up
		// The job and a direct run at once: each lead goes back once.
		job := f.svc.PoolReturnJob()
		var wg sync.WaitGroup
		var jobRes *jobs.Result
		var rep *lead.PoolReport
		var jobErr, runErr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			jobRes, jobErr = job(context.Background(), &jobs.Job{Kind: lead.PoolReturnJobKind}, nil, func(int64, int64) {})
		}()
		go func() { defer wg.Done(); rep, runErr = f.svc.ReturnToPool(context.Background()) }()
		wg.Wait()
		if jobErr != nil || runErr != nil {
			t.Fatal(jobErr, runErr)
		}
		var jobRep lead.PoolReport
		if err := json.Unmarshal([]byte(jobRes.Summary), &jobRep); err != nil {
			t.Fatal(err)
		}
		if jobRep.Returned+rep.Returned != 2 {
			t.Errorf("returned %d + %d, want 2 in all", jobRep.Returned, rep.Returned)
		}
		for _, id := range []int64{neglected.ID, byOther.ID} {
			l := f.mustGet(t, id)
			if l.OwnerID != nil || !l.InPool {
				t.Errorf("lead %d not in the pool: %+v", id, l)
			}
			h := f.history(t, id)
			if countAction(h, "pool") != 1 {
				t.Errorf("lead %d: %d pool returns", id, countAction(h, "pool"))
			}
			last := h[len(h)-1]
			if last.Action != "pool" || !strings.Contains(last.Reason, "10 天没有有效跟进") || !strings.Contains(last.Old, "王芳") {
				t.Errorf("lead %d history ends %+v", id, last)
			}
		}
		if l := f.mustGet(t, followed.ID); l.OwnerID == nil {
			t.Error("a followed-up lead went to the pool")
		}
		// Later runs return nothing more.
		f.Clock.Advance(day)
		rep, err := f.svc.ReturnToPool(context.Background())
		if err != nil || rep.Returned != 0 {
			t.Errorf("second run = %+v, %v", rep, err)
		}
		if n := f.Count(t, "SELECT count(*) FROM lead_history WHERE action = 'pool'"); n != 2 {
			t.Errorf("pool history lines = %d", n)
		}
	})
}

func TestProtectedLeadStaysAndClaimCap(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		cfg := lead.DefaultConfig()
		cfg.PoolReturnDays, cfg.ProtectVisitDays, cfg.ClaimCap = 5, 20, 2
		if _, err := f.svc.SetConfig(f.as("chen"), "SH-PD", cfg); err != nil {
			t.Fatal(err)
		}
		visited := f.mustRegister(t, "wang", lead.Registration{Source: lead.Visit})
		var called []int64
		for range 4 {
			called = append(called, f.mustRegister(t, "wang", lead.Registration{Source: lead.Call}).ID)
		}
		f.Clock.Advance(6 * day)
		rep, err := f.svc.ReturnToPool(context.Background())
		if err != nil || rep.Returned != 4 {
			t.Fatalf("returned %+v, %v; want the 4 calls", rep, err)
		}
		if l := f.mustGet(t, visited.ID); l.OwnerID == nil {
			t.Error("the protected visit went to the pool")
		}
		pool, total, err := f.svc.List(context.Background(), lead.Filter{ProjectCode: "SH-PD", InPool: true})
		if err != nil || total != 4 || len(pool) != 4 {
			t.Fatalf("pool = %d, %v", total, err)
		}
		// li claims two; the third is over the day's cap.
		for _, id := range called[:2] {
			l, err := f.svc.ClaimFromPool(f.as("li"), id)
			if err != nil || l.OwnerName != "李强" || l.InPool {
				t.Fatalf("claim %d = %+v, %v", id, l, err)
			}
		}
		_, err = f.svc.ClaimFromPool(f.as("li"), called[2])
		if e := apperr.As(err); e.Code != apperr.Conflict || e.Field != "claim_cap" {
			t.Fatalf("third claim: %v", err)
		}
		// A claimed lead is gone from the pool; a consultant of another project may not claim.
		_, err = f.svc.ClaimFromPool(f.as("zhao"), called[0])
		testfix.WantCode(t, err, apperr.Conflict)
		_, err = f.svc.ClaimFromPool(f.as("zhou"), called[2])
		testfix.WantErr(t, err, apperr.Invalid, "lead")
		// The next day the cap starts again.
		f.Clock.Advance(day)
		if _, err := f.svc.ClaimFromPool(f.as("li"), called[2]); err != nil {
			t.Fatalf("claim the next day: %v", err)
		}
		h := f.history(t, called[0])
		if countAction(h, "pool") != 1 || countAction(h, "pool_claim") != 1 {
			t.Errorf("history = %+v", h)
		}
	})
}

func TestProtectionAndConflictingClaims(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		cfg := lead.DefaultConfig()
		cfg.ProtectVisitDays, cfg.ProtectReferralDays = 10, 60
		if _, err := f.svc.SetConfig(f.as("chen"), "SH-PD", cfg); err != nil {
			t.Fatal(err)
		}
		start := f.Clock.Now()
		l := f.mustRegister(t, "wang", lead.Registration{Source: lead.Visit})
		if !l.ProtectedUntil.Equal(start.Add(10 * day)) {
			t.Fatalf("protected until %v", l.ProtectedUntil)
		}
		// A referral protects longer; a call protects nothing.
		referrer := f.mustRegister(t, "li", lead.Registration{})
		ref := f.mustRegister(t, "li", lead.Registration{Source: lead.Call, ReferrerMemberID: referrer.MemberID})
		if !ref.ProtectedUntil.Equal(start.Add(60 * day)) {
			t.Errorf("referral protected until %v", ref.ProtectedUntil)
		}
		if c := f.mustRegister(t, "li", lead.Registration{Source: lead.Call}); c.ProtectedUntil != nil {
			t.Errorf("a call protected until %v", c.ProtectedUntil)
		}
		// The owner's return visit renews the protection from that day.
		f.Clock.Advance(5 * day)
		got, err := f.svc.RecordContact(f.as("wang"), l.ID, lead.Visit)
		if err != nil {
			t.Fatal(err)
		}
		if !got.ProtectedUntil.Equal(start.Add(15 * day)) {
			t.Errorf("renewed to %v", got.ProtectedUntil)
		}
		// li receives the customer on a visit: a conflicting claim while protected.
		if _, err := f.svc.RecordContact(f.as("li"), l.ID, lead.Visit); err != nil {
			t.Fatal(err)
		}
		claims, err := f.svc.Claims(context.Background(), []string{"/1/"}, lead.ClaimOpen)
		if err != nil || len(claims) != 1 {
			t.Fatalf("claims = %+v, %v", claims, err)
		}
		c := claims[0]
		if c.ClaimantName != "李强" || c.OwnerName != "王芳" || !c.Protected || c.LeadID != l.ID {
			t.Errorf("claim = %+v", c)
		}
		if got := f.mustGet(t, l.ID); *got.OwnerID != f.staff["wang"] {
			t.Error("a claim moved the lead before the manager decided")
		}
		// The same consultant claiming again keeps one open claim.
		if again, err := f.svc.FileClaim(f.as("li"), l.ID, "客户说是我先接待的"); err != nil || again.ID != c.ID {
			t.Errorf("second claim = %+v, %v", again, err)
		}
		// After the protection runs out zhao claims too; the manager grants zhao and rejects li.
		f.Clock.Advance(11 * day)
		cz, err := f.svc.FileClaim(f.as("zhao"), l.ID, "客户指定由我跟进")
		if err != nil || cz.Protected {
			t.Fatalf("zhao's claim = %+v, %v", cz, err)
		}
		if _, err := f.svc.DecideClaim(f.as("chen"), c.ID, false, "保护期内，归原顾问"); err != nil {
			t.Fatal(err)
		}
		dz, err := f.svc.DecideClaim(f.as("chen"), cz.ID, true, "保护期已过，客户指定")
		if err != nil || dz.Status != lead.ClaimGranted || dz.DecidedBy != "chen" {
			t.Fatalf("decide = %+v, %v", dz, err)
		}
		_, err = f.svc.DecideClaim(f.as("chen"), cz.ID, false, "再改")
		testfix.WantCode(t, err, apperr.Conflict)
		got = f.mustGet(t, l.ID)
		if got.OwnerName != "赵敏" || got.ProtectedUntil == nil || !got.ProtectedUntil.Equal(f.Clock.Now().Add(10*day)) {
			t.Errorf("after the decision: %+v", got)
		}
		h := f.history(t, l.ID)
		if countAction(h, "claim") != 2 || countAction(h, "claim_decided") != 2 || countAction(h, "visit") != 2 {
			t.Errorf("history = %+v", h)
		}
		// The consultant's own lead cannot be claimed by them.
		_, err = f.svc.FileClaim(f.as("zhao"), l.ID, "再次")
		testfix.WantCode(t, err, apperr.Conflict)
	})
}
