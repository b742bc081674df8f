package member_test

import (
	"context"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/testfix"
)

var standardTiers = []member.Tier{
	{Code: "regular", Rank: 0, Threshold: 0},
	{Code: "silver", Rank: 1, Threshold: 1000},
	{Code: "gold", Rank: 2, Threshold: 5000},
	{Code: "platinum", Rank: 3, Threshold: 20000, RequiresApproval: true},
}

func TestEvaluate(t *testing.T) {
	for _, tc := range []struct {
		current      string
		points       int64
		auto, review string
	}{
		{"regular", 0, "", ""},
		{"regular", 999, "", ""},
		{"regular", 1000, "silver", ""},
		{"regular", 7000, "gold", ""},   // skips silver
		{"silver", 4999, "", ""},        // no change
		{"gold", 1000, "", ""},          // points never demote
		{"gold", 25000, "", "platinum"}, // platinum needs approval
		{"regular", 25000, "gold", "platinum"},
		{"platinum", 100, "", ""},
	} {
		auto, review := member.Evaluate(standardTiers, tc.current, tc.points)
		if auto != tc.auto || review != tc.review {
			t.Errorf("Evaluate(%s, %d) = %q, %q; want %q, %q", tc.current, tc.points, auto, review, tc.auto, tc.review)
		}
	}
}

func TestTierEvaluationAndApproval(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s, d := e.Members, e.DB
		ctx := staffCtx()
		m := e.Apply(t, member.Application{NodeCode: "SH", Name: "周九", Mobile: "13512345678"})
		evaluate := func(points int64) *member.TierChange {
			t.Helper()
			var c *member.TierChange
			err := d.Update(ctx, func(tx *db.Tx) (err error) {
				c, err = s.EvaluateTier(ctx, tx, m.ID, points)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// A member awaiting review has no tier benefits to evaluate.
		if c := evaluate(50000); c != nil {
			t.Fatalf("pending member promoted: %+v", c)
		}
		if _, err := s.Review(ctx, m.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if c := evaluate(6000); c == nil || c.To != "gold" || c.Status != "automatic" {
			t.Fatalf("promotion to gold: %+v", c)
		}
		c := evaluate(30000)
		if c == nil || c.To != "platinum" || c.Status != "pending" {
			t.Fatalf("platinum request: %+v", c)
		}
		evaluate(31000) // a second posting does not ask twice
		pending, err := s.TierChanges(ctx, 0, []string{"/1/"})
		if err != nil || len(pending) != 1 {
			t.Fatalf("pending tier changes: %v %d", err, len(pending))
		}
		if got, _ := s.Get(ctx, m.ID); got.Tier != "gold" {
			t.Fatalf("tier before approval %s", got.Tier)
		}
		boss := db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: 0, Login: "boss"})
		if _, err := s.DecideTierChange(boss, c.ID, true, "三次购房"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Get(ctx, m.ID); got.Tier != "platinum" {
			t.Fatalf("tier after approval %s", got.Tier)
		}
		if _, err := s.DecideTierChange(boss, c.ID, true, ""); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("deciding twice: %v", err)
		}
		// A manual change needs a reason, and its requester cannot approve it.
		if _, err := s.RequestTierChange(ctx, m.ID, "silver", " "); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("no reason: %v", err)
		}
		req, err := s.RequestTierChange(ctx, m.ID, "silver", "会员要求降级")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideTierChange(ctx, req.ID, true, ""); !apperr.Is(err, apperr.Forbidden) {
			t.Fatalf("self-approval: %v", err)
		}
		if _, err := s.DecideTierChange(boss, req.ID, false, "不符合规定"); err != nil {
			t.Fatal(err)
		}
		hist, _ := s.TierChanges(ctx, m.ID, nil)
		if len(hist) != 3 {
			t.Fatalf("tier history: %d entries", len(hist))
		}
	})
}

func TestTierSettings(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		ctx := staffCtx()
		tiers, err := s.Tiers(ctx)
		if err != nil || len(tiers) != 4 || tiers[3].Code != "platinum" || !tiers[3].RequiresApproval {
			t.Fatalf("tiers: %v %+v", err, tiers)
		}
		for _, tc := range []struct {
			code string
			v    int64
			ok   bool
		}{{"silver", 1500, true}, {"silver", 5000, false}, {"gold", 1500, false}, {"regular", 10, false}, {"platinum", 30000, true}} {
			v := tc.v
			_, err := s.UpdateTier(ctx, tc.code, member.TierUpdate{Threshold: &v})
			if (err == nil) != tc.ok {
				t.Errorf("%s threshold %d: %v", tc.code, v, err)
			}
		}
		if _, err := s.UpdateTier(ctx, "diamond", member.TierUpdate{}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown tier: %v", err)
		}
	})
}

func TestEvaluationPeriod(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		ctx := staffCtx()
		if n, err := s.EvaluationMonths(ctx); err != nil || n != member.DefaultEvaluationMonths {
			t.Fatalf("default period: %d %v", n, err)
		}
		for _, bad := range []int{0, -1, 61} {
			if err := s.SetEvaluationMonths(ctx, bad); !apperr.Is(err, apperr.Invalid) {
				t.Errorf("period %d: %v", bad, err)
			}
		}
		if err := s.SetEvaluationMonths(ctx, 24); err != nil {
			t.Fatal(err)
		}
		if err := s.SetEvaluationMonths(ctx, 18); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.EvaluationMonths(ctx); n != 18 {
			t.Fatalf("period = %d, want 18", n)
		}
	})
}
