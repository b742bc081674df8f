package web

import (
	"html/template"
	"regexp"
	"strings"
	"time"

	"estateclub/internal/lead"
	"estateclub/internal/points"
)

// A lead's history keeps what changed in the lead package's own terms: an
// action code, old and new values (status codes, "#id name" owners, next
// steps with their day) and a reason the system or a person wrote. These
// show one line of it in the page's language.

// LeadAction names a history line's action.
func (b *PhraseBook) LeadAction(lang, action string) template.HTML {
	if f, ok := strings.CutPrefix(action, "field:"); ok {
		name := b.cat.T(lang, "lead.field."+f)
		if name == "lead.field."+f {
			return typed(f) // a project's own field, named by its key
		}
		return template.HTML(template.HTMLEscapeString(b.cat.T(lang, "word.lead.action.field", map[string]any{"Text": name})))
	}
	id := "word.lead.action." + action
	if s := b.cat.T(lang, id); s != id {
		return template.HTML(template.HTMLEscapeString(s))
	}
	return typed(action)
}

var (
	ownerValue = regexp.MustCompile(`^#(\d+) (.*)$`)
	dayValue   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	nextValue  = regexp.MustCompile(`^(.*) (\d{4}-\d{2}-\d{2})$`)
)

// leadValue shows an old or new value of a history line.
func (b *PhraseBook) leadValue(lang, action, v string) template.HTML {
	esc := func(s string) template.HTML { return template.HTML(template.HTMLEscapeString(s)) }
	switch {
	case v == "":
		return ""
	case action == "status" || action == "registered":
		if st, err := lead.ParseStatus("status", v); err == nil {
			return esc(st.Label(lang))
		}
	case action == "claim_decided":
		if s := b.cat.T(lang, "lead.claim."+v); s != "lead.claim."+v {
			return esc(s)
		}
	case action == "points":
		return esc(points.EventType(v).Label(lang))
	case action == "field:gender":
		return esc(GenderLabel(lang, v))
	case dayValue.MatchString(v):
		return b.day(lang, v)
	case isFigure(v):
		return esc(v)
	}
	if m := nextValue.FindStringSubmatch(v); m != nil && action == "follow_up" {
		return b.Show(lang, m[1]) + " " + b.day(lang, m[2])
	}
	if m := ownerValue.FindStringSubmatch(v); m != nil {
		return typed(m[2]) // a staff member by name; the id is for the record
	}
	return b.Show(lang, v)
}

// day shows a stored day (2026-12-06) as the page's dates read.
func (b *PhraseBook) day(lang, v string) template.HTML {
	d, err := time.ParseInLocation("2006-01-02", v, ChinaTime)
	if err != nil {
		return typed(v)
	}
	return template.HTML(template.HTMLEscapeString(FormatDate(lang, ChinaTime, d)))
}

// LeadChange shows one line of a lead's history: "old → new · reason".
func (b *PhraseBook) LeadChange(lang string, c lead.Change) template.HTML {
	old, new := b.leadValue(lang, c.Action, c.Old), b.leadValue(lang, c.Action, c.New)
	var out template.HTML
	if old != "" {
		out = old + " → "
	}
	out += new
	if c.Reason != "" {
		if out != "" {
			out += " · "
		}
		out += b.Show(lang, c.Reason)
	}
	return out
}
