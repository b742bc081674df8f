package member_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"estateclub/internal/member"
	"estateclub/internal/testfix"
)

func TestApplyBatchRowsAreAllOrNothing(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		rows := []member.Application{
			{NodeCode: "SH", Name: "甲", Mobile: "13100000001"},
			{NodeCode: "SH", Name: "乙", Mobile: "not a phone"},
			{NodeCode: "SH", Name: "甲", Mobile: "131-0000-0001", Occupation: "教师"}, // same person again
			{NodeCode: "MARS", Name: "丙", Mobile: "13100000003"},
			{NodeCode: "SH-PD", Name: "丁", Mobile: "13100000004", IDNumber: "11010519491231002X"},
			{NodeCode: "SH-PD", Name: "戊", Mobile: "13100000005", IDNumber: "11010519491231002X"}, // ID taken by 丁
		}
		opts := member.BatchOptions{Application: true, Source: "import", NodePath: "/1/", Summary: "test.xlsx"}
		res, err := s.ApplyBatch(staffCtx(), rows, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			out   member.Outcome
			field string
		}{{member.Created, ""}, {"", "mobile"}, {member.Merged, ""}, {"", "org"}, {member.Created, ""}, {"", "id_number"}}
		for i, w := range want {
			r := res[i]
			if w.field != "" {
				if r.Err == nil || r.Err.Field != w.field {
					t.Errorf("row %d: err %v, want a %s error", i+1, r.Err, w.field)
				}
				continue
			}
			if r.Err != nil || r.Outcome != w.out {
				t.Errorf("row %d: %v %v, want %v", i+1, r.Outcome, r.Err, w.out)
			}
		}
		_, total, _ := s.List(context.Background(), member.Filter{})
		if total != 2 {
			t.Fatalf("%d members, want 2", total)
		}
		// The failed 戊 row left nothing behind (its savepoint was rolled back).
		if _, err := s.ByMobile(context.Background(), "13100000005"); err == nil {
			t.Fatal("a failed row was half-applied")
		}
		// Running the same batch again creates nobody.
		res, err = s.ApplyBatch(staffCtx(), rows, opts)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Outcome == member.Created {
				t.Errorf("re-run created row %d again", i+1)
			}
		}
		if _, total, _ = s.List(context.Background(), member.Filter{}); total != 2 {
			t.Fatalf("after re-run: %d members", total)
		}
	})
}

// Batches written at the same time (an import writes two at once on
// PostgreSQL) that share people — new ones and known ones, in opposite
// orders — all succeed: each person is one member, every row is created
// once or merged, and a batch that deadlocks with another is written again.
func TestConcurrentBatchesSharingMobiles(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		opts := member.BatchOptions{Application: true, Source: "import", NodePath: "/1/", Summary: "test"}
		person := func(i int) member.Application {
			return member.Application{NodeCode: "SH-PD", Name: "测试" + string(rune('甲'+i)), Mobile: fmt.Sprintf("1390000%04d", i)}
		}
		// Half of them are known before the batches run.
		var known []member.Application
		for i := 0; i < 40; i += 2 {
			known = append(known, person(i))
		}
		if _, err := s.ApplyBatch(staffCtx(), known, opts); err != nil {
			t.Fatal(err)
		}
		const batches = 6
		var wg sync.WaitGroup
		results := make([][]member.RowResult, batches)
		errs := make([]error, batches)
		for b := range batches {
			wg.Go(func() {
				var rows []member.Application
				for i := range 40 {
					if b%2 == 1 {
						i = 39 - i // the other order
					}
					rows = append(rows, person(i))
				}
				results[b], errs[b] = s.ApplyBatch(staffCtx(), rows, opts)
			})
		}
		wg.Wait()
		created := map[string]int{}
		for b := range batches {
			if errs[b] != nil {
				t.Fatalf("batch %d: %v", b, errs[b])
			}
			for i, r := range results[b] {
				if r.Err != nil {
					t.Errorf("batch %d row %d: %v", b, i+1, r.Err)
				}
				if r.Outcome == member.Created {
					created[fmt.Sprint(r.MemberID)]++
				}
			}
		}
		if len(created) != 20 {
			t.Errorf("%d members created by the batches, want the 20 new people", len(created))
		}
		for id, n := range created {
			if n != 1 {
				t.Errorf("member %s created %d times", id, n)
			}
		}
		if _, total, _ := s.List(context.Background(), member.Filter{}); total != 40 {
			t.Errorf("%d members, want 40", total)
		}
	})
}
