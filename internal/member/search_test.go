package member_test

import (
	"context"
	"slices"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/testfix"
)

func mustFind(t *testing.T, s *member.Service, f member.Filter) []int64 {
	t.Helper()
	ms, total, err := s.List(context.Background(), f)
	if err != nil {
		t.Fatalf("list %+v: %v", f, err)
	}
	if total != len(ms) {
		t.Errorf("list %+v: total %d for %d members", f, total, len(ms))
	}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// Search tokens belong to names: members who share a name, imported in
// different batches (the second finds the name's tokens stored), are all
// found, and a renamed member is found by the new name only.
func TestSearchByNameAcrossBatchesAndRenames(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		ctx := staffCtx()
		opts := member.BatchOptions{Application: true, Source: "import", NodePath: "/1/", Summary: "test"}
		var ids []int64
		for i, batch := range [][]member.Application{
			{{NodeCode: "SH", Name: "张三丰", Mobile: "13100000001"}, {NodeCode: "SH", Name: "李四", Mobile: "13100000002"}},
			{{NodeCode: "HZ", Name: "张三丰", Mobile: "13100000003"}, {NodeCode: "HZ", Name: "张三丰", Mobile: "13100000004"}},
		} {
			res, err := s.ApplyBatch(ctx, batch, opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil || r.Outcome != member.Created {
					t.Fatalf("batch %d: %+v", i+1, r)
				}
				ids = append(ids, r.MemberID)
			}
		}
		zsf := []int64{ids[3], ids[2], ids[0]} // newest first
		for _, q := range []string{"张三丰", "三丰", "zsf", "sf", "zhangsanfeng", "sanf"} {
			if got := mustFind(t, s, member.Filter{Q: q}); !slices.Equal(got, zsf) {
				t.Errorf("q %q: %v, want %v", q, got, zsf)
			}
		}
		hz := mustPath(t, s, "HZ")
		if got := mustFind(t, s, member.Filter{Q: "zsf", Within: []string{hz}}); !slices.Equal(got, zsf[:2]) {
			t.Errorf("zsf in HZ: %v, want %v", got, zsf[:2])
		}
		name := "王五"
		if _, err := s.Update(ctx, ids[0], member.Update{Name: &name}); err != nil {
			t.Fatal(err)
		}
		if got := mustFind(t, s, member.Filter{Q: "zsf"}); !slices.Equal(got, zsf[:2]) {
			t.Errorf("zsf after rename: %v, want %v", got, zsf[:2])
		}
		if got := mustFind(t, s, member.Filter{Q: "ww"}); !slices.Equal(got, []int64{ids[0]}) {
			t.Errorf("ww after rename: %v, want %v", got, ids[:1])
		}
	})
}

// A tag filter lists the tag's holders in scope, newest first, page by
// page, with the total.
func TestTagFilterPagesNewestFirst(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		var golf, golfSH []int64
		var apps []member.Application
		for i := range 30 {
			a := member.Application{NodeCode: []string{"SH", "HZ", "SH-PD"}[i%3], Name: "会员", Mobile: "1310000" + string(rune('1'+i/10)) + "00" + string(rune('0'+i%10)),
				Tags: []string{[]string{"高尔夫", "亲子"}[i%2]}}
			apps = append(apps, a)
		}
		res, err := s.ApplyBatch(staffCtx(), apps, member.BatchOptions{Application: true, Source: "import", NodePath: "/1/", Summary: "test"})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("row %d: %v", i+1, r.Err)
			}
			if i%2 == 0 {
				golf = append(golf, r.MemberID)
				if i%3 != 1 {
					golfSH = append(golfSH, r.MemberID)
				}
			}
		}
		// Newest first: by id, the order of creation (rows of one batch,
		// created at one instant, take their ids in any order).
		for _, ids := range [][]int64{golf, golfSH} {
			slices.Sort(ids)
			slices.Reverse(ids)
		}
		sh := mustPath(t, s, "SH")
		ms, total, err := s.List(context.Background(), member.Filter{Tag: "高尔夫", Limit: 4, Offset: 2})
		if err != nil || total != len(golf) || len(ms) != 4 || ms[0].ID != golf[2] || ms[3].ID != golf[5] {
			t.Fatalf("page 2 of golfers: %v total %d %+v, want %v", err, total, ms, golf[2:6])
		}
		if got := mustFind(t, s, member.Filter{Tag: "高尔夫", Within: []string{sh}}); !slices.Equal(got, golfSH) {
			t.Errorf("golfers in SH: %v, want %v", got, golfSH)
		}
		if got := mustFind(t, s, member.Filter{Tag: "高尔夫", Sort: "joined"}); len(got) != len(golf) {
			t.Errorf("golfers by join date: %v", got)
		}
	})
}

// mustPath returns the org path of a node code.
func mustPath(t *testing.T, s *member.Service, code string) string {
	t.Helper()
	var path string
	if err := s.DB.View(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT path FROM org_nodes WHERE code = ?", code).Scan(&path)
	}); err != nil {
		t.Fatal(err)
	}
	return path
}
