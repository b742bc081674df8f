package web

import (
	"fmt"
	"html/template"
	"regexp"
	"sort"
	"strings"

	"estateclub/internal/i18n"
)

// Words on pages (issue 12, items 1 and 2). A page shows two kinds of
// text:
//
//   - the system's own words, always in the page's language: labels from
//     the catalogues, and the values the system itself stores in Chinese
//     (the default lead media and next steps, reasons it writes into
//     histories and ledgers, tier benefits it seeds …), which the phrase
//     book below turns back into the page's language;
//   - typed data, shown as it was typed in whichever language: names, org
//     nodes, item names, notes, reasons, addresses, logins and codes people
//     chose. Templates mark it with the HTML attribute translate="no"
//     (the "typed" function wraps a value in <span translate="no">, or the
//     attribute sits on the element holding it). The attribute also tells
//     translation tools to leave names alone. The site walk's "english"
//     and "chinese" checks skip marked elements, so every unmarked word
//     on a page must be in the page's language.
//
// An element in the other language on purpose (the language switch) says
// so with its own lang attribute.

// typed marks a value people typed: shown as it is, never translated.
func typed(v any) template.HTML {
	s := fmt.Sprint(v)
	if s == "" {
		return ""
	}
	return template.HTML(`<span translate="no">` + template.HTMLEscapeString(s) + `</span>`)
}

// phraseIDs are the system's stored phrases (locales/words.*.json). The
// Chinese text of each is what the system stores (and always has); a
// phrase with parameters matches stored text of its shape, and its
// parameters carry over into the label (figures as they are, a phrase as
// a phrase, other text as typed data). Parameters are named from
// phraseParams.
var phraseIDs = []string{
	// The default lead media (认知媒体), reasons lost (丢失原因) and next
	// steps of lead.DefaultConfig; a project's own additions stay as typed.
	"word.media.online", "word.media.friend", "word.media.referral", "word.media.outdoor", "word.media.newspaper",
	"word.media.sms", "word.media.passing", "word.other",
	"word.lost.price", "word.lost.location", "word.lost.layout", "word.lost.bought_elsewhere", "word.lost.postponed",
	"word.next.invite_visit", "word.next.call_back", "word.next.invite_subscribe", "word.next.sign",
	// What the lead history records as its reasons.
	"word.lead.registered_visit", "word.lead.registered_call", "word.lead.registered_import", "word.lead.reception",
	"word.lead.by_rules", "word.lead.rotation", "word.lead.by_manager", "word.lead.pool_claim", "word.lead.pool_return",
	"word.lead.protect_visit", "word.lead.protect_referral", "word.lead.default_member", "word.lead.visit_received",
	"word.lead.leaver", "word.lead.claim_ruling", "word.lead.visit", "word.lead.call", "word.lead.pool", "word.lead.unassigned",
	"word.lead.followup_visit", "word.lead.followup_phone", "word.lead.followup_wechat", "word.lead.followup_sms",
	"word.lead.followup_other", "word.lead.deal_subscription", "word.lead.deal_contract",
	// Members: how they came in, and what their history records.
	"word.member.application", "word.member.default", "word.member.changed", "word.member.empty",
	"word.member.consent_none", "word.member.consent_email", "word.member.consent_post", "word.member.tier_threshold", "word.member.tier_threshold_review",
	// Points and redemptions: reasons the ledger and orders record.
	"word.points.redeem", "word.points.expiry", "word.points.deal", "word.points.plan_cancelled",
	"word.redeem.cancel_member", "word.redeem.cancel_staff", "word.redeem.pickup", "word.redeem.post",
	// Tier benefits seeded by migration 00002 (staff may rewrite them).
	"word.tier.regular", "word.tier.silver", "word.tier.gold", "word.tier.platinum",
	// The org tree's root as a new database names it (migration 00001).
	"word.org.group",
}

// phrase is one stored phrase: its id and the shape of its Chinese text.
type phrase struct {
	id     string
	re     *regexp.Regexp // nil: the text is matched whole
	text   string
	params []string
}

// PhraseBook finds the system phrase a stored text is.
type PhraseBook struct {
	cat    *i18n.Catalog
	exacts map[string]string
	shaped []phrase
}

var phraseParam = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// phraseParams are the names a phrase's parameters may have.
var phraseParams = []string{"N", "M", "Text", "Item"}

// NewPhraseBook reads the phrases' Chinese forms from the catalogue.
func NewPhraseBook(cat *i18n.Catalog) (*PhraseBook, error) {
	b := &PhraseBook{cat: cat, exacts: map[string]string{}}
	self := map[string]any{}
	for _, p := range phraseParams {
		self[p] = "{{." + p + "}}"
	}
	for _, id := range phraseIDs {
		zh := cat.T("zh-CN", id, self)
		if zh == "" || zh == id {
			return nil, fmt.Errorf("phrase %s has no Chinese text", id)
		}
		ms := phraseParam.FindAllStringSubmatchIndex(zh, -1)
		if len(ms) == 0 {
			b.exacts[zh] = id
			continue
		}
		var re strings.Builder
		var params []string
		re.WriteString("^")
		last := 0
		for _, m := range ms {
			re.WriteString(regexp.QuoteMeta(zh[last:m[0]]))
			re.WriteString("(.+?)")
			params = append(params, zh[m[2]:m[3]])
			last = m[1]
		}
		re.WriteString(regexp.QuoteMeta(zh[last:]) + "$")
		b.shaped = append(b.shaped, phrase{id: id, re: regexp.MustCompile(re.String()), text: zh, params: params})
	}
	// The longest fixed text first: "撞单裁定：…" before "…".
	sort.SliceStable(b.shaped, func(i, j int) bool {
		return len(phraseParam.ReplaceAllString(b.shaped[i].text, "")) > len(phraseParam.ReplaceAllString(b.shaped[j].text, ""))
	})
	return b, nil
}

// Show writes stored text in lang: a system phrase in the page's
// language, anything else as typed data.
func (b *PhraseBook) Show(lang, stored string) template.HTML {
	if h, ok := b.Phrase(lang, stored); ok {
		return h
	}
	return typed(stored)
}

// Phrase renders stored text if it is a system phrase.
func (b *PhraseBook) Phrase(lang, stored string) (template.HTML, bool) {
	s := strings.TrimSpace(stored)
	if s == "" {
		return "", true
	}
	if id, ok := b.exacts[s]; ok {
		return template.HTML(template.HTMLEscapeString(b.cat.T(lang, id))), true
	}
	for _, p := range b.shaped {
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		// Parameters go in as markers, so that the label is escaped
		// once and each parameter is shown as what it is.
		data := map[string]any{}
		values := map[string]template.HTML{}
		for i, name := range p.params {
			marker := fmt.Sprintf("\x00%d\x00", i)
			data[name] = marker
			v := m[i+1]
			if isFigure(v) {
				values[marker] = template.HTML(template.HTMLEscapeString(v))
			} else if h, ok := b.Phrase(lang, v); ok {
				values[marker] = h
			} else {
				values[marker] = typed(v)
			}
		}
		out := template.HTMLEscapeString(b.cat.T(lang, p.id, data))
		for marker, v := range values {
			out = strings.ReplaceAll(out, template.HTMLEscapeString(marker), string(v))
		}
		return template.HTML(out), true
	}
	return "", false
}

// isFigure reports whether s is a number, a date or another value made of
// digits (shown the same in either language).
func isFigure(s string) bool {
	return s != "" && strings.Trim(s, "0123456789-+.,:/ #×") == ""
}

// option writes a <select>'s choice of a stored value: a system phrase in
// the page's language, anything else as typed (an <option> holds no
// markup, so the mark goes on the option).
func (b *PhraseBook) option(lang, value string, selected bool) template.HTML {
	sel := ""
	if selected {
		sel = " selected"
	}
	v := template.HTMLEscapeString(value)
	if h, ok := b.Phrase(lang, value); ok && value != "" {
		return template.HTML(`<option value="` + v + `"` + sel + `>` + string(h) + `</option>`)
	}
	return template.HTML(`<option value="` + v + `"` + sel + ` translate="no">` + v + `</option>`)
}

// memberChange shows an old or new value of a member's history: coded
// fields by their label, the system's phrases in the page's language
// (consent lists them: 短信、邮件), anything else as typed.
func (b *PhraseBook) memberChange(lang, field, v string) template.HTML {
	if l := changeValue(lang, field, v); l != v {
		return template.HTML(template.HTMLEscapeString(l))
	}
	if field == "consent" && strings.Contains(v, "、") {
		parts := strings.Split(v, "、")
		out := make([]string, len(parts))
		for i, p := range parts {
			out[i] = string(b.Show(lang, p))
		}
		return template.HTML(strings.Join(out, template.HTMLEscapeString(b.cat.T(lang, "word.list_sep"))))
	}
	return b.Show(lang, v)
}

// withTyped translates id with parameters that are typed data (a staff
// member's name in "Hello, {{.Name}}"): the message in the page's
// language, each parameter marked as typed.
func (b *PhraseBook) withTyped(lang, id string, kv ...any) template.HTML {
	data := map[string]any{}
	values := map[string]template.HTML{}
	for i := 0; i+1 < len(kv); i += 2 {
		marker := fmt.Sprintf("\x00%d\x00", i)
		data[fmt.Sprint(kv[i])] = marker
		values[marker] = typed(kv[i+1])
	}
	out := template.HTMLEscapeString(b.cat.T(lang, id, data))
	for marker, v := range values {
		out = strings.ReplaceAll(out, template.HTMLEscapeString(marker), string(v))
	}
	return template.HTML(out)
}

// exact is a stored text's label in lang if it is a system phrase
// without parameters (a chart's bar is labelled by plain text).
func (b *PhraseBook) exact(lang, stored string) (string, bool) {
	id, ok := b.exacts[strings.TrimSpace(stored)]
	if !ok {
		return "", false
	}
	return b.cat.T(lang, id), true
}
