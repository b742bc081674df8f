package card_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/pii"
)

// fixture is a card service on a small tree with a member service beside it:
//
//	GROUP → EAST → SH (上海城市公司) → SH-PD (浦东项目)
//	             → HZ (杭州城市公司) → HZ-XH (西湖项目)
type fixture struct {
	d       *db.DB
	cards   *card.Service
	members *member.Service
	nodes   map[string]*org.Node
	mobiles int // mobiles handed out so far
}

func staffCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "tester", IP: "10.0.0.1"})
}

func mustFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	keys, err := pii.NewKeys(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, nodes: map[string]*org.Node{},
		cards:   &card.Service{DB: d, Secret: bytes.Repeat([]byte{9}, 32)},
		members: &member.Service{DB: d, Keys: keys}}
	orgs := &org.Service{DB: d}
	for _, n := range []org.NewNode{
		{ParentCode: "GROUP", Kind: org.Region, Code: "EAST", Name: "华东事业部"},
		{ParentCode: "EAST", Kind: org.City, Code: "SH", Name: "上海城市公司"},
		{ParentCode: "SH", Kind: org.Project, Code: "SH-PD", Name: "浦东项目"},
		{ParentCode: "EAST", Kind: org.City, Code: "HZ", Name: "杭州城市公司"},
		{ParentCode: "HZ", Kind: org.Project, Code: "HZ-XH", Name: "西湖项目"},
	} {
		node, err := orgs.Create(staffCtx(), n)
		if err != nil {
			t.Fatalf("create %s: %v", n.Code, err)
		}
		f.nodes[n.Code] = node
	}
	return f
}

// mustApplicant submits an application at node and returns the member,
// pending review.
func (f *fixture) mustApplicant(t *testing.T, node string) *member.Member {
	t.Helper()
	f.mobiles++
	m, _, err := f.members.Apply(staffCtx(), member.Application{NodeCode: node, Channel: member.SalesSite,
		Name: chineseName(f.mobiles), Mobile: fmt.Sprintf("1380000%04d", f.mobiles)})
	if err != nil {
		t.Fatalf("apply at %s: %v", node, err)
	}
	return m
}

// mustMember makes an approved (active) member who joined at node.
func (f *fixture) mustMember(t *testing.T, node string) int64 {
	t.Helper()
	m := f.mustApplicant(t, node)
	if _, err := f.members.Review(staffCtx(), m.ID, true, ""); err != nil {
		t.Fatalf("approve member %d: %v", m.ID, err)
	}
	return m.ID
}

func (f *fixture) mustDesign(t *testing.T, name, tier string) *card.Design {
	t.Helper()
	d, err := f.cards.CreateDesign(staffCtx(), card.NewDesign{Name: name, Tier: tier, Description: name + "卡面"})
	if err != nil {
		t.Fatalf("create design %s: %v", name, err)
	}
	return d
}

func (f *fixture) mustBatch(t *testing.T, design int64, city string, n int) *card.Batch {
	t.Helper()
	b, err := f.cards.CreateBatch(staffCtx(), card.NewBatch{DesignID: design, City: city, Quantity: n, CostFen: int64(n) * 350})
	if err != nil {
		t.Fatalf("batch of %d for %s: %v", n, city, err)
	}
	return b
}

func (f *fixture) mustIssue(t *testing.T, req card.IssueRequest) *card.Card {
	t.Helper()
	c, err := f.cards.Issue(staffCtx(), req)
	if err != nil {
		t.Fatalf("issue %+v: %v", req, err)
	}
	return c
}

func (f *fixture) mustLookup(t *testing.T, number string) *card.Card {
	t.Helper()
	c, err := f.cards.Lookup(context.Background(), number)
	if err != nil {
		t.Fatalf("look up %s: %v", number, err)
	}
	return c
}

// mustStock returns the stock line of a city and design.
func (f *fixture) mustStock(t *testing.T, city string, design int64) card.StockLine {
	t.Helper()
	lines, err := f.cards.Stock(context.Background(), card.StockFilter{City: city, DesignID: design})
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 {
		t.Fatalf("stock of %s design %d: %d lines, want 1", city, design, len(lines))
	}
	return lines[0]
}

// mustAudit returns the audit entries of an action.
func (f *fixture) mustAudit(t *testing.T, action string) []audit.Entry {
	t.Helper()
	es, _, err := audit.List(context.Background(), f.d, audit.Filter{Action: action, Unscoped: true, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// wantErr checks that err is an *apperr.Error with the code and field.
func wantErr(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want %s on %q", err, code, field)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("error = %v (code %s, field %q), want %s on %q", err, e.Code, e.Field, code, field)
	}
	if e.ZH == "" || e.EN == "" {
		t.Errorf("error %v lacks a Chinese or English message", err)
	}
}

// chineseName makes the n-th distinct name: member names hold no digits.
func chineseName(n int) string {
	const surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊洋艳"
	s, g := []rune(surnames), []rune(given)
	return string(s[n%len(s)]) + string(g[n/len(s)%len(g)]) + string(g[n/len(s)/len(g)%len(g)])
}
