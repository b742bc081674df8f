package points_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/points"
)

func TestEffectivenessXLSX(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustReportHistory(t, f)
		r := f.mustReport(t, points.ReportFilter{})
		for _, c := range []struct {
			lang          string
			sheets        []string
			planHead      string
			rewardLabel   string
			liability     string
			totalsLiabCol string
		}{
			{"", []string{"按计划", "按规则", "按类别", "按区域", "汇总"}, "计划名称", "奖励积分", "期末余额（负债）", "H"},
			{"en", []string{"By plan", "By rule", "By category", "By region", "Totals"}, "Plan", "reward points", "Closing (liability)", "H"},
		} {
			var buf bytes.Buffer
			if err := points.WriteEffectivenessXLSX(&buf, r, c.lang); err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if got := x.GetSheetList(); len(got) != len(c.sheets) || got[0] != c.sheets[0] || got[4] != c.sheets[4] {
				t.Errorf("%q sheets = %v, want %v", c.lang, got, c.sheets)
			}
			byPlan, totals := c.sheets[0], c.sheets[4]
			cell := func(sheet, at string) string {
				t.Helper()
				v, err := x.GetCellValue(sheet, at, excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			if h := cell(byPlan, "B1"); h != c.planHead {
				t.Errorf("%q plan header B1 = %q", c.lang, h)
			}
			// Row 3 is the group plan's reward points: 390 issued, 30 reversed,
			// 360 of the budget used, kept as numbers.
			if got := []string{cell(byPlan, "F3"), cell(byPlan, "I3"), cell(byPlan, "J3"), cell(byPlan, "M3")}; got[0] != c.rewardLabel ||
				got[1] != "390" || got[2] != "30" || got[3] != "360" {
				t.Errorf("%q plan row = %v", c.lang, got)
			}
			if typ, _ := x.GetCellType(byPlan, "I3"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
				t.Errorf("%q issued is stored as %v, not a number", c.lang, typ)
			}
			if share, err := strconv.ParseFloat(cell(byPlan, "O3"), 64); err != nil || share != 360.0/1_000_000 {
				t.Errorf("%q budget used %% = %v, %v", c.lang, cell(byPlan, "O3"), err)
			}
			// The totals: the reward liability is what the members hold.
			if h, v := cell(totals, c.totalsLiabCol+"1"), cell(totals, c.totalsLiabCol+"3"); h != c.liability || v != "7" {
				t.Errorf("%q totals liability %q = %q", c.lang, h, v)
			}
			if rows, _ := x.GetRows(c.sheets[1]); len(rows) != 1+len(r.Rules) {
				t.Errorf("%q rule sheet has %d rows, want %d", c.lang, len(rows), 1+len(r.Rules))
			}
			for _, s := range c.sheets {
				panes, err := x.GetPanes(s)
				if err != nil || !panes.Freeze || panes.YSplit != 1 {
					t.Errorf("%q sheet %s panes = %+v, %v", c.lang, s, panes, err)
				}
				if w, _ := x.GetColWidth(s, "B"); w < 10 {
					t.Errorf("%q sheet %s column B is %v wide", c.lang, s, w)
				}
			}
		}
	})
}
