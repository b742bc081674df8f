package org_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/org"
)

func TestListFilters(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		n := mustTree(t, s)
		all := []string{"GROUP", "EAST", "SOUTH", "SH", "HZ", "SZ", "SH-P1", "SH-P2", "HZ-P1", "SZ-P1", "GZ", "GZ-P1", "SH-P3"}
		tests := []struct {
			name string
			f    org.Filter
			want []string
		}{
			{"everything", org.Filter{}, all},
			{"within a region", org.Filter{Within: []string{n["EAST"].Path}}, []string{"EAST", "SH", "HZ", "SH-P1", "SH-P2", "HZ-P1", "SH-P3"}},
			{"within a city", org.Filter{Within: []string{n["SH"].Path}}, []string{"SH", "SH-P1", "SH-P2", "SH-P3"}},
			{"within two cities", org.Filter{Within: []string{n["HZ"].Path, n["GZ"].Path}}, []string{"HZ", "HZ-P1", "GZ", "GZ-P1"}},
			{"within a project", org.Filter{Within: []string{n["SZ-P1"].Path}}, []string{"SZ-P1"}},
			{"within nothing", org.Filter{Within: []string{}}, nil},
			{"kind city", org.Filter{Kind: org.City}, []string{"SH", "HZ", "SZ", "GZ"}},
			{"kind project within south", org.Filter{Kind: org.Project, Within: []string{n["SOUTH"].Path}}, []string{"SZ-P1", "GZ-P1"}},
			{"kind group", org.Filter{Kind: org.Group}, []string{"GROUP"}},
			{"code in lower case", org.Filter{Query: "sh-p"}, []string{"SH-P1", "SH-P2", "SH-P3"}},
			{"Chinese name", org.Filter{Query: "城市公司"}, []string{"SH", "HZ", "SZ", "GZ"}},
			{"name part", org.Filter{Query: " 滨江 "}, []string{"SH-P1"}},
			{"name or code", org.Filter{Query: "Garden"}, []string{"SH-P2"}},
			{"name in another case", org.Filter{Query: "riverSIDE"}, []string{"SH-P1"}},
			{"query with kind", org.Filter{Query: "华", Kind: org.Region}, []string{"EAST", "SOUTH"}},
			{"query within", org.Filter{Query: "P1", Within: []string{n["EAST"].Path}}, []string{"SH-P1", "HZ-P1"}},
			{"percent is literal", org.Filter{Query: "%"}, nil},
			{"underscore is literal", org.Filter{Query: "_"}, nil},
			{"no match", org.Filter{Query: "北京"}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := s.List(context.Background(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if total != len(tc.want) {
					t.Errorf("total = %d, want %d", total, len(tc.want))
				}
				if !sameSet(codes(got), tc.want) {
					t.Errorf("codes = %v, want %v", codes(got), tc.want)
				}
				mustTreeOrder(t, got)
			})
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// mustTreeOrder checks that nodes come in tree order: each node after its
// parent (when listed) and each subtree in one run.
func mustTreeOrder(t *testing.T, nodes []org.Node) {
	t.Helper()
	seen := map[int64]int{}
	for i, n := range nodes {
		if n.ParentID != nil {
			if j, ok := seen[*n.ParentID]; ok && j > i {
				t.Errorf("%s listed before its parent", n.Code)
			}
		}
		seen[n.ID] = i
		// Once a subtree is left, nothing of it may follow.
		for _, m := range nodes[:i] {
			if n.Within(m.Path) {
				for _, between := range nodes[seen[m.ID]+1 : i] {
					if !between.Within(m.Path) {
						t.Errorf("subtree of %s split by %s before %s", m.Code, between.Code, n.Code)
					}
				}
			}
		}
	}
}

func TestListTreeOrderAndPages(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		mustTree(t, s)
		all, total, err := s.List(context.Background(), org.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if total != 13 || len(all) != 13 {
			t.Fatalf("got %d nodes, total %d; want 13", len(all), total)
		}
		if all[0].Code != "GROUP" {
			t.Errorf("first = %s, want the root", all[0].Code)
		}
		mustTreeOrder(t, all)
		for _, tc := range []struct {
			offset, limit int
			want          []org.Node
		}{
			{0, 5, all[:5]},
			{5, 5, all[5:10]},
			{10, 5, all[10:]},
			{13, 5, nil},
			{-3, 2, all[:2]},
		} {
			t.Run(fmt.Sprintf("offset %d limit %d", tc.offset, tc.limit), func(t *testing.T) {
				got, total, err := s.List(context.Background(), org.Filter{Offset: tc.offset, Limit: tc.limit})
				if err != nil {
					t.Fatal(err)
				}
				if total != 13 {
					t.Errorf("total = %d, want 13", total)
				}
				if !slices.Equal(codes(got), codes(tc.want)) {
					t.Errorf("page = %v, want %v", codes(got), codes(tc.want))
				}
			})
		}
	})
}
