package org_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/org"
	"estateclub/internal/testfix"
)

func TestCreateBuildsPathsFromIDs(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		c := mustClock(t, d)
		s := &org.Service{DB: d}
		nodes := mustTree(t, s)
		if id := nodes["GZ-P1"].ID; id < 10 {
			t.Fatalf("tree too small for two-digit ids: last id %d", id)
		}
		for code, want := range nodes {
			got, err := s.ByCode(context.Background(), code)
			if err != nil {
				t.Fatalf("ByCode(%s): %v", code, err)
			}
			if got.Path != want.Path || got.ID != want.ID || got.Kind != want.Kind || got.Name != want.Name {
				t.Errorf("%s stored as %+v, Create returned %+v", code, got, want)
			}
			byID, err := s.ByID(context.Background(), want.ID)
			if err != nil || byID.Code != code {
				t.Errorf("ByID(%d) = %v, %v; want %s", want.ID, byID, err, code)
			}
			wantDepth := slices.Index(org.Kinds, want.Kind)
			if got.Depth() != wantDepth {
				t.Errorf("%s: depth %d, want %d", code, got.Depth(), wantDepth)
			}
		}
		p := nodes["SH-P1"]
		if !p.CreatedAt.Equal(c.Now()) || !p.UpdatedAt.Equal(c.Now()) {
			t.Errorf("times = %v, %v; want the clock's %v", p.CreatedAt, p.UpdatedAt, c.Now())
		}
		stored, _ := s.ByCode(context.Background(), "SH-P1")
		if !stored.CreatedAt.Equal(c.Now()) {
			t.Errorf("stored created_at = %v, want %v", stored.CreatedAt, c.Now())
		}
		for _, tc := range []struct {
			node, path string
			want       bool
		}{
			{"SH-P1", nodes["SH"].Path, true},
			{"SH-P1", nodes["EAST"].Path, true},
			{"SH-P1", nodes["GROUP"].Path, true},
			{"SH-P1", nodes["HZ"].Path, false},
			{"SH", nodes["SH-P1"].Path, false},
		} {
			if got := nodes[tc.node].Within(tc.path); got != tc.want {
				t.Errorf("%s.Within(%s) = %v, want %v", tc.node, tc.path, got, tc.want)
			}
		}
	})
}

func TestCreateNormalisesAndAudits(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		c := mustClock(t, d)
		s := &org.Service{DB: d}
		mustCreate(t, s, "GROUP", org.Region, "EAST", "华东事业部")
		c.Advance(time.Hour)
		n, err := s.Create(staffCtx(), org.NewNode{ParentCode: " east ", Kind: org.City, Code: " sh-01_a ", Name: "  上海城市公司 "})
		if err != nil {
			t.Fatal(err)
		}
		if n.Code != "SH-01_A" || n.Name != "上海城市公司" {
			t.Errorf("code, name = %q, %q; want upper-cased and trimmed", n.Code, n.Name)
		}
		if _, err := s.ByCode(context.Background(), "sh-01_a"); err != nil {
			t.Errorf("ByCode in lower case: %v", err)
		}
		entries, total, err := audit.List(context.Background(), d, audit.Filter{Action: "org.create", ObjectID: "SH-01_A", Unscoped: true})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(entries) != 1 {
			t.Fatalf("audit entries = %d (total %d), want 1", len(entries), total)
		}
		e := entries[0]
		if e.ObjectType != "org_node" || e.NodePath != n.Path || e.ActorLogin != "admin" || e.ActorID == nil || *e.ActorID != 7 ||
			e.IP != "10.1.2.3" || e.RequestID != "req-1" || !e.At.Equal(c.Now()) || e.Before != "" {
			t.Errorf("audit entry = %+v", e)
		}
		var after map[string]any
		if err := json.Unmarshal([]byte(e.After), &after); err != nil {
			t.Fatalf("after: %v", err)
		}
		if after["code"] != "SH-01_A" || after["name"] != "上海城市公司" || after["kind"] != "city" {
			t.Errorf("after = %v", after)
		}
	})
}

func TestCreateRejectsBadInput(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		mustTree(t, s)
		long := strings.Repeat("名", 65)
		tests := []struct {
			name  string
			in    org.NewNode
			field string
		}{
			{"city below group", org.NewNode{ParentCode: "GROUP", Kind: org.City, Code: "X1", Name: "x"}, "kind"},
			{"project below region", org.NewNode{ParentCode: "EAST", Kind: org.Project, Code: "X1", Name: "x"}, "kind"},
			{"region below city", org.NewNode{ParentCode: "SH", Kind: org.Region, Code: "X1", Name: "x"}, "kind"},
			{"group below group", org.NewNode{ParentCode: "GROUP", Kind: org.Group, Code: "X1", Name: "x"}, "kind"},
			{"anything below project", org.NewNode{ParentCode: "SH-P1", Kind: org.Project, Code: "X1", Name: "x"}, "kind"},
			{"unknown kind", org.NewNode{ParentCode: "GROUP", Kind: "street", Code: "X1", Name: "x"}, "kind"},
			{"unknown parent", org.NewNode{ParentCode: "NOWHERE", Kind: org.Region, Code: "X1", Name: "x"}, "parent"},
			{"no parent", org.NewNode{Kind: org.Region, Code: "X1", Name: "x"}, "parent"},
			{"code too short", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: "x", Name: "x"}, "code"},
			{"code too long", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: strings.Repeat("A", 33), Name: "x"}, "code"},
			{"code starts with dash", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: "-AB", Name: "x"}, "code"},
			{"code with space", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: "A B", Name: "x"}, "code"},
			{"code in Chinese", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: "华东", Name: "x"}, "code"},
			{"empty code", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Name: "x"}, "code"},
			{"empty name", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: "X1"}, "name"},
			{"blank name", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: "X1", Name: " \t "}, "name"},
			{"name of 65 characters", org.NewNode{ParentCode: "GROUP", Kind: org.Region, Code: "X1", Name: long}, "name"},
		}
		nodesBefore := testfix.Count(t, d, "SELECT count(*) FROM org_nodes")
		auditBefore := testfix.Count(t, d, "SELECT count(*) FROM audit_log")
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				n, err := s.Create(staffCtx(), tc.in)
				if !apperr.Is(err, apperr.Invalid) {
					t.Fatalf("err = %v, want invalid", err)
				}
				if n != nil {
					t.Errorf("node = %+v, want nil", n)
				}
				if f := apperr.As(err).Field; f != tc.field {
					t.Errorf("field = %q, want %q", f, tc.field)
				}
				if e := apperr.As(err); e.ZH == "" || e.EN == "" {
					t.Errorf("messages = %q / %q, want both languages", e.ZH, e.EN)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM org_nodes"); got != nodesBefore {
					t.Errorf("org_nodes = %d rows, want %d", got, nodesBefore)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM audit_log"); got != auditBefore {
					t.Errorf("audit_log = %d rows, want %d", got, auditBefore)
				}
			})
		}
		// The limits themselves are allowed.
		mustCreate(t, s, "GROUP", org.Region, strings.Repeat("B", 32), strings.Repeat("名", 64))
		mustCreate(t, s, "GROUP", org.Region, "B2", "x")
	})
}

func TestCreateDuplicateCodeIsConflict(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		mustTree(t, s)
		nodesBefore := testfix.Count(t, d, "SELECT count(*) FROM org_nodes")
		auditBefore := testfix.Count(t, d, "SELECT count(*) FROM audit_log")
		for _, in := range []org.NewNode{
			{ParentCode: "EAST", Kind: org.City, Code: "SH", Name: "又一个上海"},
			{ParentCode: "SOUTH", Kind: org.City, Code: "sh", Name: "lower case"},
			{ParentCode: "SZ", Kind: org.Project, Code: "SH-P1", Name: "elsewhere"},
			{ParentCode: "GROUP", Kind: org.Region, Code: "GROUP", Name: "the root's code"},
		} {
			t.Run(in.ParentCode+"/"+in.Code, func(t *testing.T) {
				_, err := s.Create(staffCtx(), in)
				if !apperr.Is(err, apperr.Conflict) {
					t.Fatalf("err = %v, want conflict", err)
				}
				if f := apperr.As(err).Field; f != "code" {
					t.Errorf("field = %q, want code", f)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM org_nodes"); got != nodesBefore {
					t.Errorf("org_nodes = %d rows, want %d", got, nodesBefore)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM audit_log"); got != auditBefore {
					t.Errorf("audit_log = %d rows, want %d", got, auditBefore)
				}
			})
		}
		// A failed insert must not leave the store unusable.
		mustCreate(t, s, "SH", org.Project, "SH-P9", "新项目")
	})
}

func TestUpdateName(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		c := mustClock(t, d)
		s := &org.Service{DB: d}
		nodes := mustTree(t, s)
		c.Advance(24 * time.Hour)
		name := " 上海公司 "
		n, err := s.Update(staffCtx(), "sh", org.Update{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if n.Name != "上海公司" || !n.UpdatedAt.Equal(c.Now()) || !n.CreatedAt.Equal(testfix.Start) || n.Path != nodes["SH"].Path {
			t.Errorf("updated = %+v", n)
		}
		stored, err := s.ByCode(context.Background(), "SH")
		if err != nil {
			t.Fatal(err)
		}
		if stored.Name != "上海公司" || !stored.UpdatedAt.Equal(c.Now()) {
			t.Errorf("stored = %+v", stored)
		}
		entries, total, err := audit.List(context.Background(), d, audit.Filter{Action: "org.update", ScopePaths: []string{nodes["SH"].Path}})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 {
			t.Fatalf("org.update entries = %d, want 1", total)
		}
		var before, after org.Node
		if err := json.Unmarshal([]byte(entries[0].Before), &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(entries[0].After), &after); err != nil {
			t.Fatal(err)
		}
		if before.Name != "上海城市公司" || after.Name != "上海公司" || entries[0].ObjectID != "SH" || !entries[0].At.Equal(c.Now()) {
			t.Errorf("audit before %q after %q object %q at %v", before.Name, after.Name, entries[0].ObjectID, entries[0].At)
		}

		auditBefore := testfix.Count(t, d, "SELECT count(*) FROM audit_log")
		same, empty := "上海公司", " "
		tests := []struct {
			name    string
			code    string
			upd     org.Update
			wantErr apperr.Code
		}{
			{"same name", "SH", org.Update{Name: &same}, ""},
			{"nothing set", "SH", org.Update{}, ""},
			{"blank name", "SH", org.Update{Name: &empty}, apperr.Invalid},
			{"unknown node", "NOWHERE", org.Update{Name: &same}, apperr.NotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c.Advance(time.Minute)
				n, err := s.Update(staffCtx(), tc.code, tc.upd)
				if tc.wantErr == "" {
					if err != nil {
						t.Fatal(err)
					}
					if n.Name != "上海公司" || n.UpdatedAt.Equal(c.Now()) {
						t.Errorf("no-op update changed the node: %+v", n)
					}
				} else if !apperr.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %s", err, tc.wantErr)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM audit_log"); got != auditBefore {
					t.Errorf("audit_log = %d rows, want %d (nothing changed)", got, auditBefore)
				}
				if got, _ := s.ByCode(context.Background(), "SH"); got.Name != "上海公司" {
					t.Errorf("stored name = %q", got.Name)
				}
			})
		}
	})
}

func TestLookupsOfUnknownNodes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		s := &org.Service{DB: d}
		for name, lookup := range map[string]func() (*org.Node, error){
			"code":       func() (*org.Node, error) { return s.ByCode(context.Background(), "NOWHERE") },
			"empty code": func() (*org.Node, error) { return s.ByCode(context.Background(), "") },
			"id":         func() (*org.Node, error) { return s.ByID(context.Background(), 999) },
		} {
			t.Run(name, func(t *testing.T) {
				n, err := lookup()
				if !apperr.Is(err, apperr.NotFound) {
					t.Errorf("err = %v, want not found", err)
				}
				if n != nil {
					t.Errorf("node = %+v, want nil", n)
				}
			})
		}
	})
}

func TestKinds(t *testing.T) {
	for _, tc := range []struct {
		in     string
		want   org.Kind
		zh, en string
	}{
		{"group", org.Group, "集团", "Group"},
		{"region", org.Region, "事业部", "Region"},
		{"city", org.City, "城市公司", "City company"},
		{"project", org.Project, "项目", "Project"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			k, err := org.ParseKind(tc.in)
			if err != nil || k != tc.want {
				t.Fatalf("ParseKind = %q, %v", k, err)
			}
			if k.Label("zh-CN") != tc.zh || k.Label("en") != tc.en {
				t.Errorf("labels = %q, %q", k.Label("zh-CN"), k.Label("en"))
			}
		})
	}
	for _, bad := range []string{"", "City", "street"} {
		if _, err := org.ParseKind(bad); !apperr.Is(err, apperr.Invalid) || apperr.As(err).Field != "kind" {
			t.Errorf("ParseKind(%q) = %v, want invalid kind", bad, err)
		}
	}
}
