package site

import (
	"strings"
	"testing"

	"estateclub/internal/i18n"
	"estateclub/internal/lead"
	"estateclub/internal/web"
)

func mustPhraseBook(t *testing.T) *web.PhraseBook {
	t.Helper()
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	b, err := web.NewPhraseBook(cat)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The defaults a project's lead rules start with are system phrases: an
// English page shows them in English, a Chinese page as stored.
func TestPhrasesCoverLeadDefaults(t *testing.T) {
	b := mustPhraseBook(t)
	c := lead.DefaultConfig()
	stored := append(append([]string{}, c.Media...), c.LostReasons...)
	for _, na := range c.NextActions {
		stored = append(stored, na.Action)
	}
	for _, s := range stored {
		en, ok := b.Phrase("en", s)
		if !ok || hasCJK(string(en)) || en == "" {
			t.Errorf("%q in English: %q (a phrase: %v)", s, en, ok)
		}
		if zh, _ := b.Phrase("zh-CN", s); string(zh) != s {
			t.Errorf("%q in Chinese: %q", s, zh)
		}
	}
}

func TestPhraseShow(t *testing.T) {
	b := mustPhraseBook(t)
	for _, c := range []struct{ lang, stored, want string }{
		{"en", "超过 15 天没有有效跟进，退回公共池", "No valid follow-up for 15 days: back to the pool"},
		{"en", "撞单裁定：客户<先>联系", `Conflicting claim decided: <span translate="no">客户&lt;先&gt;联系</span>`},
		{"en", "兑换 精致洗车一次 ×2", `Redeemed <span translate="no">精致洗车一次</span> ×2`},
		{"en", "邮寄：会员登记地址", `By post: <span translate="no">会员登记地址</span>`},
		{"en", "到访：带看样板间", `Visit: <span translate="no">带看样板间</span>`},
		{"zh-CN", "到访：带看样板间", `到访：<span translate="no">带看样板间</span>`},
		{"en", "现场领取", "Picked up on site"},
		{"en", "客户要求周末再联系", `<span translate="no">客户要求周末再联系</span>`},
		{"en", "", ""},
	} {
		if got := string(b.Show(c.lang, c.stored)); got != c.want {
			t.Errorf("show(%s, %q) = %q, want %q", c.lang, c.stored, got, c.want)
		}
	}
}

func TestLeadChange(t *testing.T) {
	b := mustPhraseBook(t)
	for _, c := range []struct {
		ch   lead.Change
		want string
	}{
		{lead.Change{Action: "registered", New: "c", Reason: "来人登记"}, "C (general) · Registered as a walk-in"},
		{lead.Change{Action: "status", Old: "c", New: "b", Reason: "二次到访"}, `C (general) → B · <span translate="no">二次到访</span>`},
		{lead.Change{Action: "owner", Old: "未分配", New: "#11 钱程", Reason: "登记接待"}, `Unassigned → <span translate="no">钱程</span> · Received at registration`},
		{lead.Change{Action: "protect", New: "2027-01-03", Reason: "到访保护"}, "3 Jan 2027 · Protected after a visit"},
		{lead.Change{Action: "member", New: "#5654", Reason: "默认会员"}, "#5654 · Default member"},
	} {
		got := string(b.LeadChange("en", c.ch))
		if got != c.want {
			t.Errorf("%+v: %q, want %q", c.ch, got, c.want)
		}
		if strings.Contains(got, "→ c") || hasCJK(removeTyped(got)) {
			t.Errorf("%q shows a code or Chinese outside typed data", got)
		}
	}
	if got := b.LeadAction("en", "follow_up"); got != "Follow-up" {
		t.Errorf("follow_up: %q", got)
	}
	if got := string(b.LeadAction("en", "field:media")); strings.Contains(got, "field") || hasCJK(got) {
		t.Errorf("field:media: %q", got)
	}
	if got := string(b.LeadAction("en", "field:budget")); got != `<span translate="no">budget</span>` {
		t.Errorf("a project's own field: %q", got)
	}
}

// removeTyped drops typed spans from rendered HTML.
func removeTyped(h string) string {
	for {
		i := strings.Index(h, `<span translate="no">`)
		if i < 0 {
			return h
		}
		j := strings.Index(h[i:], "</span>")
		h = h[:i] + h[i+j+len("</span>"):]
	}
}
