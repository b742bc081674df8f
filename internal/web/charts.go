package web

import (
	"context"
	"strings"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/member"
)

// Chart is a bar chart the console draws as SVG, server-side: no script,
// and it prints.
type Chart struct {
	TitleKey string // i18n key of the title
	Bars     []Bar
}

// Bar is one bar: a label (or an i18n-free code the template translates)
// and its count; Pct is its length relative to the longest bar.
type Bar struct {
	Kind  string // "channel", "tier", "month": how the template labels it; "word": a stored phrase (words.go); "typed": typed data
	Key   string
	N     int
	Pct   float64
	Y     int // vertical position in the SVG
	TextY int
}

// The chart's geometry, in SVG units: labels in a column of their own,
// bars to its right, each count just after its bar. A label never reaches
// the bars: one too wide for its column is cut with an ellipsis, whole in
// its tooltip.
const (
	ChartWidth   = 400
	chartLabelW  = 116 // the label column
	chartBarX    = 124 // where bars start
	chartBarMax  = 220 // the longest bar
	chartRow     = 28  // one bar per row: the height follows the bar count
	chartBarH    = 20
	ChartFontPx  = 12
	chartNarrowW = 7 // an ASCII character's width at chartFontPx; others are chartFontPx wide
)

// Height is the SVG height for the chart's bars.
func (c Chart) Height() int { return len(c.Bars)*chartRow + 4 }

// TextWidth estimates a label's width at chartFontPx: CJK and other wide
// characters a full em, ASCII a narrow one.
func TextWidth(s string) int {
	w := 0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	if r < 0x80 {
		return chartNarrowW
	}
	return ChartFontPx
}

// fitLabel cuts a label to the label column, ending it with "…".
func fitLabel(s string) string {
	if TextWidth(s) <= chartLabelW {
		return s
	}
	w, room := 0, chartLabelW-ChartFontPx // leave room for the ellipsis
	for i, r := range s {
		if w+runeWidth(r) > room {
			return s[:i] + "…"
		}
		w += runeWidth(r)
	}
	return s
}

// barLabel is the text of a bar's label in lang; a bar with no key (a lead
// with no consultant or medium) is labelled as such, never left blank.
func barLabel(lang string, b Bar, unlabelled string) string {
	switch {
	case b.Kind == "channel":
		return member.Channel(b.Key).Label(lang)
	case b.Kind == "tier":
		return TierLabel(lang, b.Key)
	case strings.TrimSpace(b.Key) == "":
		return unlabelled
	}
	return b.Key
}

// barWidth and barEnd place a bar of pct (of the longest) and its count.
func barWidth(pct float64) float64 { return pct * chartBarMax / 100 }

func barEnd(pct float64) float64 { return chartBarX + barWidth(pct) + 6 }

func Finish(c Chart) Chart {
	top := 0
	for _, b := range c.Bars {
		top = max(top, b.N)
	}
	for i := range c.Bars {
		if top > 0 {
			c.Bars[i].Pct = float64(c.Bars[i].N) * 100 / float64(top)
		}
		c.Bars[i].Y = i*chartRow + 2
		c.Bars[i].TextY = i*chartRow + 2 + chartBarH/2 + ChartFontPx*4/10
	}
	return c
}

// memberCharts counts members by channel, by tier and by month joined (the
// last 12 months), within the scope condition where.
func memberCharts(ctx context.Context, tx *db.Tx, where string, args []any, today time.Time) ([]Chart, error) {
	count := func(q string, a []any) (map[string]int, error) {
		rows, err := tx.Query(ctx, q, a...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, rows.Err()
	}
	byChannel, err := count("SELECT channel, count(*) FROM members WHERE "+where+" GROUP BY channel", args)
	if err != nil {
		return nil, err
	}
	byTier, err := count("SELECT tier, count(*) FROM members WHERE "+where+" AND status = 'active' GROUP BY tier", args)
	if err != nil {
		return nil, err
	}
	from := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, ChinaTime).AddDate(0, -11, 0)
	m := tx.Month("joined_at")
	byMonth, err := count("SELECT "+m+", count(*) FROM members WHERE "+where+" AND joined_at >= ? GROUP BY "+m,
		append(append([]any{}, args...), from.UTC()))
	if err != nil {
		return nil, err
	}
	ch := Chart{TitleKey: "chart.by_channel"}
	for _, c := range member.Channels {
		ch.Bars = append(ch.Bars, Bar{Kind: "channel", Key: string(c), N: byChannel[string(c)]})
	}
	tc := Chart{TitleKey: "chart.by_tier"}
	for _, t := range []string{"regular", "silver", "gold", "platinum"} {
		tc.Bars = append(tc.Bars, Bar{Kind: "tier", Key: t, N: byTier[t]})
	}
	mc := Chart{TitleKey: "chart.by_month"}
	for i := range 12 {
		k := from.AddDate(0, i, 0).Format("2006-01")
		mc.Bars = append(mc.Bars, Bar{Kind: "month", Key: k, N: byMonth[k]})
	}
	return []Chart{Finish(mc), Finish(ch), Finish(tc)}, nil
}
