package card_test

import (
	"bytes"
	"context"
	"testing"

	"estateclub/internal/audit"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/testfix"
)

// fixture is a card service on testfix's tree, with its services beside it.
type fixture struct {
	*testfix.Env
	cards *card.Service
}

func staffCtx() context.Context {
	return db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "tester", IP: "10.0.0.1"})
}

func mustFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	return &fixture{Env: testfix.New(t, d), cards: &card.Service{DB: d, Secret: bytes.Repeat([]byte{9}, 32)}}
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
	return f.Audit(t, audit.Filter{Action: action})
}
