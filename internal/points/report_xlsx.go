package points

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// xlsxSheet is one sheet of the workbook: its name and column headers in
// both languages, and its rows (numbers stay numbers).
type xlsxSheet struct {
	name    [2]string
	headers [][2]string
	rows    [][]any
}

var (
	hAwards   = [2]string{"发放笔数", "Awards"}
	hMembers  = [2]string{"获奖会员数", "Members awarded"}
	hIssued   = [2]string{"发放积分", "Issued"}
	hReversed = [2]string{"冲正积分", "Reversed"}
	hNet      = [2]string{"净发放", "Net issued"}
	hKind     = [2]string{"积分类型", "Points"}
	hPlanID   = [2]string{"计划编号", "Plan ID"}
	hPlan     = [2]string{"计划名称", "Plan"}
	hBudget   = [2]string{"预算", "Budget"}
	hUsed     = [2]string{"预算已用", "Budget used"}
	movement  = [][2]string{{"期初余额", "Opening"}, hIssued, hReversed, {"兑换积分", "Redeemed"}, {"过期积分", "Expired"},
		{"调整积分", "Adjusted"}, {"期末余额（负债）", "Closing (liability)"}, {"当前余额", "Balance now"}}
	planKindLabels = map[PlanKind][2]string{Yearly: {"年度计划", "Yearly"}, AdHoc: {"非常规计划", "Ad hoc"}}
)

func issuanceCells(i Issuance) []any { return []any{i.Awards, i.Members, i.Issued, i.Reversed, i.Net} }

func movementCells(m Movements, balance int64) []any {
	return []any{m.Opening, m.Issued, m.Reversed, m.Redeemed, m.Expired, m.Adjusted, m.Closing, balance}
}

// WriteEffectivenessXLSX writes the report as a workbook: by plan, by rule,
// by category, by region and the totals, with headers in Chinese, or in
// English when lang is "en".
func WriteEffectivenessXLSX(w io.Writer, r *EffectivenessReport, lang string) error {
	f := excelize.NewFile()
	defer f.Close()
	styles, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	for i, s := range effectivenessSheets(r, lang) {
		name := pick(s.name, lang)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		if err := writeSheet(f, name, s, lang, styles); err != nil {
			return fmt.Errorf("sheet %s: %w", name, err)
		}
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

func effectivenessSheets(r *EffectivenessReport, lang string) []xlsxSheet {
	plans := xlsxSheet{name: [2]string{"按计划", "By plan"}, headers: [][2]string{hPlanID, hPlan, {"组织", "Org node"},
		{"计划类型", "Plan type"}, {"状态", "Status"}, hKind, hAwards, hMembers, hIssued, hReversed, hNet, hBudget, hUsed,
		{"预算剩余", "Budget left"}, {"预算使用率", "Budget used %"}}}
	for _, p := range r.Plans {
		var share any = ""
		if p.Budget > 0 {
			share = float64(p.BudgetUsed) / float64(p.Budget)
		}
		row := append([]any{p.PlanID, p.Name, p.NodeName, pick(planKindLabels[p.PlanKind], lang), p.Status.Label(lang), p.Kind.Label(lang)},
			issuanceCells(p.Issuance)...)
		plans.rows = append(plans.rows, append(row, p.Budget, p.BudgetUsed, p.BudgetLeft, share))
	}
	noRule := [2]string{"未按规则（手工发放）", "No rule (by hand)"}
	rules := xlsxSheet{name: [2]string{"按规则", "By rule"}, headers: [][2]string{hPlanID, hPlan, {"规则编号", "Rule ID"},
		{"规则类别", "Category"}, {"积分事件", "Event"}, hKind, {"每次积分", "Points per award"}, hAwards, hMembers, hIssued, hReversed, hNet}}
	for _, x := range r.Rules {
		row := []any{x.PlanID, x.PlanName, x.RuleID, x.Category.Label(lang), x.EventType.Label(lang), x.Kind.Label(lang), x.Amount}
		if x.RuleID == 0 {
			row = []any{x.PlanID, x.PlanName, "", pick(noRule, lang), "", x.Kind.Label(lang), ""}
		}
		rules.rows = append(rules.rows, append(row, issuanceCells(x.Issuance)...))
	}
	cats := xlsxSheet{name: [2]string{"按类别", "By category"}, headers: [][2]string{hKind, {"规则类别", "Category"}, hAwards, hMembers, hIssued, hReversed, hNet}}
	for _, c := range r.Categories {
		label := c.Category.Label(lang)
		if c.Category == "" {
			label = pick(noRule, lang)
		}
		cats.rows = append(cats.rows, append([]any{c.Kind.Label(lang), label}, issuanceCells(c.Issuance)...))
	}
	regions := xlsxSheet{name: [2]string{"按区域", "By region"}, headers: append([][2]string{{"区域", "Region"}, hKind}, movement...)}
	for _, g := range r.Regions {
		regions.rows = append(regions.rows, append([]any{g.RegionName, g.Kind.Label(lang)}, movementCells(g.Movements, g.Balance)...))
	}
	totals := xlsxSheet{name: [2]string{"汇总", "Totals"}, headers: append(append([][2]string{hKind}, movement...),
		[2]string{"计划内发放", "Issued by the plans"}, [2]string{"计划外发放", "Issued outside the plans"}, hBudget, hUsed)}
	for _, t := range r.Totals {
		row := append([]any{t.Kind.Label(lang)}, movementCells(t.Movements, t.Balance)...)
		totals.rows = append(totals.rows, append(row, t.Plans.Issued, t.Unplanned.Issued, t.Budget, t.BudgetUsed))
	}
	period := func(d string) string {
		if d == "" {
			return pick([2]string{"不限", "open"}, lang)
		}
		return d
	}
	totals.rows = append(totals.rows, nil,
		[]any{pick([2]string{"统计期间", "Period"}, lang), period(r.From.String()) + " – " + period(r.To.String())},
		[]any{pick([2]string{"生成时间", "Generated"}, lang), r.GeneratedAt.In(chinaTime).Format("2006-01-02 15:04")},
		[]any{pick([2]string{"说明", "Note"}, lang), pick([2]string{
			"兑换、过期、调整无法归属到具体计划（账本不记录按计划的先进先出消耗），按区域和合计列示。",
			"Redeemed, expired and adjusted points cannot be attributed to plans (the ledger does not track FIFO consumption per plan): they are given by region and in total."}, lang)})
	return []xlsxSheet{plans, rules, cats, regions, totals}
}

type xlsxStyles struct{ head, number, percent int }

func newXLSXStyles(f *excelize.File) (xlsxStyles, error) {
	var s xlsxStyles
	var err error
	if s.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}}); err != nil {
		return s, err
	}
	if s.number, err = f.NewStyle(&excelize.Style{NumFmt: 3}); err != nil { // #,##0
		return s, err
	}
	s.percent, err = f.NewStyle(&excelize.Style{NumFmt: 10}) // 0.00%
	return s, err
}

// writeSheet writes the header row (frozen) and the rows, numbers with a
// thousands separator, each column as wide as its longest text.
func writeSheet(f *excelize.File, name string, s xlsxSheet, lang string, st xlsxStyles) error {
	widths := make([]int, len(s.headers))
	head := make([]any, len(s.headers))
	for i, h := range s.headers {
		head[i], widths[i] = pick(h, lang), textWidth(pick(h, lang))
	}
	if err := f.SetSheetRow(name, "A1", &head); err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(head), 1)
	if err := f.SetCellStyle(name, "A1", last, st.head); err != nil {
		return err
	}
	for r, row := range s.rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := f.SetSheetRow(name, cell, &row); err != nil {
			return err
		}
		for c, v := range row {
			style := 0
			switch v.(type) {
			case int, int64:
				style = st.number
			case float64:
				style = st.percent
			case string:
				if c < len(widths) {
					widths[c] = max(widths[c], textWidth(v.(string)))
				}
			}
			if style != 0 {
				at, _ := excelize.CoordinatesToCellName(c+1, r+2)
				if err := f.SetCellStyle(name, at, at, style); err != nil {
					return err
				}
			}
		}
	}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(name, col, col, float64(min(max(w+2, 10), 40))); err != nil {
			return err
		}
	}
	return f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// textWidth counts a Chinese character as two columns.
func textWidth(s string) int {
	w := 0
	for _, r := range s {
		if utf8.RuneLen(r) > 1 {
			w += 2
		} else {
			w++
		}
	}
	return w
}
