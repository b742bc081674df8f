package site

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/i18n"
	"estateclub/internal/member"
	"estateclub/internal/web"
)

func TestDashboardCharts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "fixture"})
		for i, a := range []member.Application{
			{NodeCode: "SH-PD", Name: "张三", Mobile: "13800000001", Channel: member.Online},
			{NodeCode: "SH-PD", Name: "李四", Mobile: "13800000002", Channel: member.Online},
			{NodeCode: "SH", Name: "王五", Mobile: "13800000003", Channel: member.Purchase},
			{NodeCode: "HZ-XH", Name: "赵六", Mobile: "13800000004", Channel: member.Purchase},
		} {
			m, _, err := e.srv.Members.Apply(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			if i != 1 {
				if _, err := e.srv.Members.Review(ctx, m.ID, true, ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.mustStaff(t, "sh-boss", auth.CitySupervisor, "SH")
		res := e.mustLogin(t, "sh-boss").get("/")
		body := readBody(res)
		if res.StatusCode != http.StatusOK || strings.Count(body, `<figure class="chart`) != 3 {
			t.Fatalf("dashboard: %d, %d charts", res.StatusCode, strings.Count(body, `<figure class="chart`))
		}
		// Shanghai's supervisor sees Shanghai's members only: two online, one
		// by purchase (the Hangzhou member is not counted).
		bar := func(label string) string {
			m := regexp.MustCompile(label + `</text>\s*<rect[^>]*><title>(\d+)</title>`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no bar for %s", label)
			}
			return m[1]
		}
		if bar("网上入会") != "2" || bar("购房") != "1" || bar("普籍") != "2" {
			t.Fatalf("bars: online %s, purchase %s, regular %s", bar("网上入会"), bar("购房"), bar("普籍"))
		}
		month := e.d.Clock().In(web.ChinaTime).Format("2006-01")
		if bar(month) != "2" {
			t.Fatalf("joined this month (%s): %s", month, bar(month))
		}
	})
}

// chartSVG is what TestChartLabels reads back from a drawn chart.
type chartSVG struct {
	ViewBox string `xml:"viewBox,attr"`
	Bars    []struct {
		Texts []struct {
			Class string  `xml:"class,attr"`
			X     float64 `xml:"x,attr"`
			Y     float64 `xml:"y,attr"`
			Title string  `xml:"title"`
			Text  string  `xml:",chardata"`
		} `xml:"text"`
		Rect struct {
			X      float64 `xml:"x,attr"`
			Y      float64 `xml:"y,attr"`
			Width  float64 `xml:"width,attr"`
			Height float64 `xml:"height,attr"`
		} `xml:"rect"`
	} `xml:"g"`
}

type box struct{ x0, y0, x1, y1 float64 }

func (a box) meets(b box) bool { return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1 }

func TestChartLabels(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &web.Server{Cat: cat, Loc: web.ChinaTime}
	pages, err := s.ParseTemplatesAll()
	if err != nil {
		t.Fatal(err)
	}
	c := web.Finish(web.Chart{TitleKey: "lead.chart.by_consultant", Bars: []web.Bar{
		{Key: "王", N: 3}, {Key: "", N: 7}, {Key: "欧阳娜娜（浦东滨江府案场·二期销售中心）", N: 120},
		{Key: "Alexandra Konstantinopoulou-Smith", N: 1}, {Key: "  ", N: 0}, {Kind: "channel", Key: "online", N: 5},
	}})
	for _, lang := range []string{"zh-CN", "en"} {
		var buf bytes.Buffer
		if err := pages[lang]["dashboard"].ExecuteTemplate(&buf, "chart", map[string]any{"Lang": lang, "C": c}); err != nil {
			t.Fatal(err)
		}
		svgAt := strings.Index(buf.String(), "<svg")
		var got chartSVG
		if err := xml.Unmarshal([]byte(buf.String()[svgAt:strings.Index(buf.String(), "</svg>")+6]), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Bars) != len(c.Bars) {
			t.Fatalf("%s: %d bars drawn, want %d", lang, len(got.Bars), len(c.Bars))
		}
		var bars []box
		for _, g := range got.Bars {
			r := g.Rect
			bars = append(bars, box{r.X, r.Y, r.X + max(r.Width, 1), r.Y + r.Height})
		}
		for i, g := range got.Bars {
			if len(g.Texts) != 2 || g.Texts[0].Class != "bar-label" || g.Texts[1].Class != "bar-count" {
				t.Fatalf("%s bar %d: texts %+v", lang, i, g.Texts)
			}
			label := g.Texts[0]
			shown := strings.TrimSpace(label.Text)
			if shown == "" || strings.TrimSpace(label.Title) == "" {
				t.Errorf("%s bar %d (%q) has no label", lang, i, c.Bars[i].Key)
			}
			if shown != label.Title && !(strings.HasSuffix(shown, "…") && strings.HasPrefix(label.Title, strings.TrimSuffix(shown, "…"))) {
				t.Errorf("%s bar %d: label %q is not its title %q, nor cut from it", lang, i, shown, label.Title)
			}
			lb := box{label.X, label.Y - web.ChartFontPx, label.X + float64(web.TextWidth(shown)), label.Y + 3}
			count := g.Texts[1]
			cb := box{count.X, count.Y - web.ChartFontPx, count.X + float64(web.TextWidth(count.Text)), count.Y + 3}
			if cb.x1 > web.ChartWidth {
				t.Errorf("%s bar %d: its count runs out of the chart to %.0f", lang, i, cb.x1)
			}
			for j, b := range bars {
				if lb.meets(b) || cb.meets(b) {
					t.Errorf("%s: the texts of bar %d (%q) meet bar %d: label %+v count %+v bar %+v", lang, i, shown, j, lb, cb, b)
				}
			}
		}
		if got.ViewBox != fmt.Sprintf("0 0 %d %d", web.ChartWidth, c.Height()) {
			t.Errorf("viewBox %q", got.ViewBox)
		}
	}
}
