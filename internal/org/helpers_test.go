package org_test

import (
	"context"
	"fmt"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/org"
	"estateclub/internal/testfix"
)

// mustClock gives d a fake clock, in UTC+8, that only moves when told.
func mustClock(t *testing.T, d *db.DB) *testfix.Clock {
	t.Helper()
	c := testfix.NewClock(testfix.Start)
	d.Clock = c.Now
	return c
}

func staffCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: 7, Login: "admin", IP: "10.1.2.3", RequestID: "req-1"})
}

// mustCreate adds a node and checks what Create returns against its parent.
func mustCreate(t *testing.T, s *org.Service, parent string, kind org.Kind, code, name string) *org.Node {
	t.Helper()
	n, err := s.Create(staffCtx(), org.NewNode{ParentCode: parent, Kind: kind, Code: code, Name: name})
	if err != nil {
		t.Fatalf("create %s below %s: %v", code, parent, err)
	}
	p, err := s.ByCode(context.Background(), parent)
	if err != nil {
		t.Fatalf("parent %s: %v", parent, err)
	}
	if n.ParentID == nil || *n.ParentID != p.ID {
		t.Fatalf("%s: parent id = %v, want %d", code, n.ParentID, p.ID)
	}
	if want := fmt.Sprintf("%s%d/", p.Path, n.ID); n.Path != want {
		t.Fatalf("%s: path = %q, want %q", code, n.Path, want)
	}
	return n
}

// mustTree builds a tree with more than ten nodes, so that paths hold
// two-digit ids, and returns the nodes by code.
//
//	GROUP
//	├── EAST (华东事业部)
//	│   ├── SH (上海城市公司): SH-P1, SH-P2, SH-P3
//	│   └── HZ (杭州城市公司): HZ-P1
//	└── SOUTH (华南事业部)
//	    ├── SZ (深圳城市公司): SZ-P1
//	    └── GZ (广州城市公司): GZ-P1
func mustTree(t *testing.T, s *org.Service) map[string]*org.Node {
	t.Helper()
	nodes := map[string]*org.Node{}
	root, err := s.ByCode(context.Background(), "GROUP")
	if err != nil {
		t.Fatal(err)
	}
	nodes["GROUP"] = root
	for _, n := range []struct {
		parent string
		kind   org.Kind
		code   string
		name   string
	}{
		{"GROUP", org.Region, "EAST", "华东事业部"},
		{"GROUP", org.Region, "SOUTH", "华南事业部"},
		{"EAST", org.City, "SH", "上海城市公司"},
		{"EAST", org.City, "HZ", "杭州城市公司"},
		{"SOUTH", org.City, "SZ", "深圳城市公司"},
		{"SH", org.Project, "SH-P1", "Riverside 滨江壹号"},
		{"SH", org.Project, "SH-P2", "浦东 Garden"},
		{"HZ", org.Project, "HZ-P1", "西溪府"},
		{"SZ", org.Project, "SZ-P1", "前海湾"},
		{"SOUTH", org.City, "GZ", "广州城市公司"},
		{"GZ", org.Project, "GZ-P1", "珠江新城"},
		{"SH", org.Project, "SH-P3", "Hongqiao 虹桥"},
	} {
		nodes[n.code] = mustCreate(t, s, n.parent, n.kind, n.code, n.name)
	}
	return nodes
}

func codes(nodes []org.Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Code
	}
	return out
}
