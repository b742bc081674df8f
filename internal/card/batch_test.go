package card_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

func TestDesigns(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := staffCtx()
		std := f.mustDesign(t, "标准卡", "")
		gold := f.mustDesign(t, "金卡", "gold")
		if std.Tier != "" || gold.Tier != "gold" || !gold.Active {
			t.Fatalf("designs = %+v, %+v", std, gold)
		}
		for _, tc := range []struct {
			name  string
			in    card.NewDesign
			code  apperr.Code
			field string
		}{
			{"no name", card.NewDesign{Name: "  "}, apperr.Invalid, "name"},
			{"same name", card.NewDesign{Name: "金卡"}, apperr.Conflict, "name"},
			{"unknown tier", card.NewDesign{Name: "钻石卡", Tier: "diamond"}, apperr.Invalid, "tier"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.cards.CreateDesign(ctx, tc.in)
				testfix.WantErr(t, err, tc.code, tc.field)
			})
		}
		off := false
		if _, err := f.cards.UpdateDesign(ctx, std.ID, card.DesignUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		all, total, err := f.cards.ListDesigns(context.Background(), card.DesignFilter{})
		if err != nil || total != 2 || len(all) != 2 {
			t.Fatalf("all designs: %v, %d, %v", all, total, err)
		}
		active, _, _ := f.cards.ListDesigns(context.Background(), card.DesignFilter{ActiveOnly: true})
		if len(active) != 1 || active[0].ID != gold.ID {
			t.Errorf("active designs = %+v, want only 金卡", active)
		}
		forSilver, _, _ := f.cards.ListDesigns(context.Background(), card.DesignFilter{Tier: "silver"})
		if len(forSilver) != 1 || forSilver[0].ID != std.ID {
			t.Errorf("designs for silver = %+v, want only 标准卡", forSilver)
		}
		_, err = f.cards.CreateBatch(ctx, card.NewBatch{DesignID: std.ID, City: "SH", Quantity: 1})
		testfix.WantErr(t, err, apperr.Conflict, "design")
		if n := len(f.mustAudit(t, "card.design.")); n != 3 {
			t.Errorf("%d design audit entries, want 3", n)
		}
	})
}

func TestCreateBatch(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := staffCtx()
		std := f.mustDesign(t, "标准卡", "")
		sh := f.mustBatch(t, std.ID, "sh", 5)
		hz := f.mustBatch(t, std.ID, "HZ", 3)
		if sh.FirstSeq != 1 || sh.LastSeq != 5 || sh.FirstNumber != "HC0000000015" || sh.CityCode != "SH" {
			t.Errorf("SH batch = %+v", sh)
		}
		if hz.FirstSeq != 6 || hz.LastSeq != 8 || hz.LastNumber != card.Number("HC", 8) {
			t.Errorf("HZ batch = %+v, want numbers 6–8", hz)
		}
		c := f.mustLookup(t, card.Number("HC", 7))
		if c.Status != card.InStock || c.CityCode != "HZ" || c.MemberID != nil || c.BatchID != hz.ID || c.DesignName != "标准卡" {
			t.Errorf("card 7 = %+v", c)
		}
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 5 || l.Issued != 0 || l.Blocked != 0 {
			t.Errorf("SH stock = %+v", l)
		}
		batches, total, err := f.cards.ListBatches(context.Background(), card.BatchFilter{Within: []string{f.Nodes["SH"].Path}})
		if err != nil || total != 1 || batches[0].ID != sh.ID || batches[0].CostFen != 5*350 || batches[0].CreatedBy != "tester" {
			t.Fatalf("batches within SH = %+v, %d, %v", batches, total, err)
		}
		es := f.mustAudit(t, "card.batch.create")
		if len(es) != 2 || es[1].NodePath != f.Nodes["SH"].Path {
			t.Errorf("batch audit = %+v", es)
		}

		day := func(d int) db.Date { return db.DateOf(2025, 3, d) }
		for _, tc := range []struct {
			name  string
			in    card.NewBatch
			code  apperr.Code
			field string
		}{
			{"no cards", card.NewBatch{DesignID: std.ID, City: "SH"}, apperr.Invalid, "quantity"},
			{"too many", card.NewBatch{DesignID: std.ID, City: "SH", Quantity: card.MaxBatch + 1}, apperr.Invalid, "quantity"},
			{"negative cost", card.NewBatch{DesignID: std.ID, City: "SH", Quantity: 1, CostFen: -1}, apperr.Invalid, "cost_fen"},
			{"produced before ordered", card.NewBatch{DesignID: std.ID, City: "SH", Quantity: 1, OrderedOn: day(5), ProducedOn: day(4)}, apperr.Invalid, "produced_on"},
			{"received before produced", card.NewBatch{DesignID: std.ID, City: "SH", Quantity: 1, ProducedOn: day(5), ReceivedOn: day(4)}, apperr.Invalid, "received_on"},
			{"unknown city", card.NewBatch{DesignID: std.ID, City: "BJ", Quantity: 1}, apperr.Invalid, "city"},
			{"a region", card.NewBatch{DesignID: std.ID, City: "EAST", Quantity: 1}, apperr.Invalid, "city"},
			{"a project", card.NewBatch{DesignID: std.ID, City: "SH-PD", Quantity: 1}, apperr.Invalid, "city"},
			{"unknown design", card.NewBatch{DesignID: 999, City: "SH", Quantity: 1}, apperr.NotFound, "design"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.cards.CreateBatch(ctx, tc.in)
				testfix.WantErr(t, err, tc.code, tc.field)
			})
		}
		// Refused batches take no numbers.
		if next := f.mustBatch(t, std.ID, "SH", 1); next.FirstSeq != 9 {
			t.Errorf("next batch starts at %d, want 9", next.FirstSeq)
		}
		dated, err := f.cards.CreateBatch(ctx, card.NewBatch{DesignID: std.ID, City: "SH", Quantity: 1, OrderedOn: day(1), ProducedOn: day(8), ReceivedOn: day(9)})
		if err != nil {
			t.Fatal(err)
		}
		got, _, _ := f.cards.ListBatches(context.Background(), card.BatchFilter{Limit: 1})
		if got[0].ID != dated.ID || got[0].ReceivedOn.String() != "2025-03-09" || got[0].OrderedOn.String() != "2025-03-01" {
			t.Errorf("dated batch read back as %+v", got[0])
		}
	})
}

func TestPrefix(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := staffCtx()
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 2)
		if err := f.cards.SetPrefix(ctx, "vk"); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.cards.Prefix(ctx); p != "VK" {
			t.Fatalf("prefix = %q, want VK", p)
		}
		b := f.mustBatch(t, std.ID, "SH", 2)
		if b.Prefix != "VK" || b.FirstNumber != card.Number("VK", 1) {
			t.Errorf("batch after prefix change = %+v", b)
		}
		if err := f.cards.SetPrefix(ctx, "HC"); err != nil {
			t.Fatal(err)
		}
		if b := f.mustBatch(t, std.ID, "SH", 1); b.FirstNumber != card.Number("HC", 3) {
			t.Errorf("back to HC: first number %s, want the HC sequence to go on", b.FirstNumber)
		}
		testfix.WantErr(t, f.cards.SetPrefix(ctx, "H-1"), apperr.Invalid, "prefix")
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 5 {
			t.Errorf("stock = %+v, want 5 cards", l)
		}
	})
}

// TestConcurrentBatches creates batches at once and checks that their
// numbers neither overlap nor leave gaps.
func TestConcurrentBatches(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		std := f.mustDesign(t, "标准卡", "")
		const workers, size = 8, 250
		batches := make([]*card.Batch, workers)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Go(func() {
				city := []string{"SH", "HZ"}[i%2]
				b, err := f.cards.CreateBatch(staffCtx(), card.NewBatch{DesignID: std.ID, City: city, Quantity: size})
				if err != nil {
					t.Errorf("batch %d: %v", i, err)
				}
				batches[i] = b
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		slices.SortFunc(batches, func(a, b *card.Batch) int { return int(a.FirstSeq - b.FirstSeq) })
		for i, b := range batches {
			if want := int64(i*size + 1); b.FirstSeq != want || b.LastSeq != want+size-1 {
				t.Errorf("batch %d holds %d–%d, want %d–%d", i, b.FirstSeq, b.LastSeq, want, want+size-1)
			}
		}
		n := testfix.Count(t, d, "SELECT count(DISTINCT number) FROM cards")
		if n != workers*size {
			t.Errorf("%d distinct numbers, want %d", n, workers*size)
		}
	})
}

// TestLargeBatch creates 10,000 cards in one batch and times it.
func TestLargeBatch(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		std := f.mustDesign(t, "标准卡", "")
		start := time.Now()
		b := f.mustBatch(t, std.ID, "SH", 10_000)
		took := time.Since(start)
		t.Logf("10,000 cards in %v", took)
		if took > 5*time.Second*testfix.Slowdown {
			t.Errorf("10,000 cards took %v, want well under a few seconds (×%d for this build)", took, testfix.Slowdown)
		}
		if l := f.mustStock(t, "SH", std.ID); l.InStock != 10_000 {
			t.Errorf("stock = %+v", l)
		}
		if c := f.mustLookup(t, b.LastNumber); c.Status != card.InStock {
			t.Errorf("last card = %+v", c)
		}
	})
}
