package card_test

import (
	"slices"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

// issueAll issues a card to each member at once and returns what each got.
func issueAll(f *fixture, members []int64) ([]*card.Card, []error) {
	cards := make([]*card.Card, len(members))
	errs := make([]error, len(members))
	testfix.Together(len(members), func(i int) {
		cards[i], errs[i] = f.cards.Issue(staffCtx(), card.IssueRequest{MemberID: members[i], Delivery: card.OnSite})
	})
	return cards, errs
}

// TestConcurrentIssue has 16 members get a card at the same moment: each
// gets a different card, and together they get the lowest 16 numbers.
func TestConcurrentIssue(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 20)
		members := make([]int64, 16)
		for i := range members {
			members[i] = f.Member(t, "SH-PD")
		}
		cards, errs := issueAll(f, members)
		var numbers []string
		for i, err := range errs {
			if err != nil {
				t.Fatalf("member %d: %v", members[i], err)
			}
			if *cards[i].MemberID != members[i] {
				t.Errorf("member %d got a card of member %d", members[i], *cards[i].MemberID)
			}
			numbers = append(numbers, cards[i].Number)
		}
		slices.Sort(numbers)
		for i, n := range numbers {
			if want := card.Number("HC", int64(i+1)); n != want {
				t.Fatalf("numbers issued = %v, want the 16 lowest", numbers)
			}
		}
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 4 || l.Issued != 16 {
			t.Errorf("stock = %+v, want 4 in stock, 16 issued", l)
		}
	})
}

// TestConcurrentIssueShortStock has 16 members ask for 10 cards at once:
// 10 get one, 6 are told the stock is empty, and the stock ends at zero.
func TestConcurrentIssueShortStock(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 10)
		members := make([]int64, 16)
		for i := range members {
			members[i] = f.Member(t, "SH")
		}
		cards, errs := issueAll(f, members)
		seen := map[string]bool{}
		refused := 0
		for i, err := range errs {
			if err != nil {
				if !apperr.Is(err, apperr.Conflict) || apperr.As(err).Field != "city" {
					t.Fatalf("member %d: %v, want out of stock", members[i], err)
				}
				refused++
				continue
			}
			if seen[cards[i].Number] {
				t.Fatalf("card %s issued twice", cards[i].Number)
			}
			seen[cards[i].Number] = true
		}
		if len(seen) != 10 || refused != 6 {
			t.Errorf("%d issued, %d refused; want 10 and 6", len(seen), refused)
		}
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 0 || l.Issued != 10 {
			t.Errorf("stock = %+v, want 0 in stock, 10 issued", l)
		}
	})
}

// TestConcurrentIssueSameMember asks for one member's card several times
// at once: one request wins, the others are told the member has a card.
func TestConcurrentIssueSameMember(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 10)
		m := f.Member(t, "SH-PD")
		_, errs := issueAll(f, []int64{m, m, m, m})
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			testfix.WantErr(t, err, apperr.Conflict, "member_id")
		}
		if won != 1 {
			t.Fatalf("%d issues succeeded, want 1", won)
		}
		if n := testfix.Count(t, d, "SELECT count(*) FROM cards WHERE member_id = ?", m); n != 1 {
			t.Errorf("member holds %d cards, want 1", n)
		}
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 9 || l.Issued != 1 {
			t.Errorf("stock = %+v", l)
		}
	})
}
