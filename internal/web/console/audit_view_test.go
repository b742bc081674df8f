package console

import (
	"strings"
	"testing"

	"estateclub/internal/audit"
	"estateclub/internal/i18n"
	"estateclub/internal/web"
)

// Every action the code records has words in both languages, and an
// action this version does not know reads as its area, never as a code.
func TestEveryAuditActionHasWords(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &handler{&web.Server{Cat: cat}}
	for _, lang := range i18n.Languages {
		for _, a := range audit.Actions {
			if !cat.Has(lang, "audit.act."+a) {
				t.Errorf("%s: no words for the action %s (audit.act.%s)", lang, a, a)
			}
			if !cat.Has(lang, "audit.area."+audit.Area(a)) {
				t.Errorf("%s: no words for the area of %s", lang, a)
			}
		}
		for _, typ := range audit.ObjectTypes {
			if !cat.Has(lang, "audit.type."+typ) {
				t.Errorf("%s: no words for the object type %s", lang, typ)
			}
		}
		if got := s.actionLabel(lang, "member.teleport"); strings.Contains(got, "member") || !strings.Contains(got, cat.T(lang, "audit.area.member")) {
			t.Errorf("%s: an unknown member action reads %q", lang, got)
		}
		if got := s.actionLabel(lang, "zzz"); got != cat.T(lang, "audit.other") {
			t.Errorf("%s: an unknown action reads %q", lang, got)
		}
	}
	if got := s.actionLabel("en", "auth.login"); got != "Signed in" {
		t.Errorf("auth.login reads %q in English", got)
	}
}

// A change reads "field: old → new" in words: dates in the page's form,
// codes in words, masked values as stored, bookkeeping left out.
func TestAuditChangeLines(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &handler{&web.Server{Cat: cat, Loc: web.ChinaTime}}
	n := &AuditNames{Lang: "en"}
	before := DecodeStored(`{"id":7,"node_path":"/1/2/","status":"pending","tier":"regular","mobile":"138****5678","joined_at":"2026-11-30T09:10:00Z","fee_fen":1250}`)
	after := DecodeStored(`{"id":7,"node_path":"/1/2/","status":"active","tier":"silver","mobile":"138****5678","joined_at":"2026-12-01T09:10:00Z","fee_fen":123450}`)
	got := s.changeLines(n, "member", "", before, after)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.Field+": "+c.Old+" → "+c.New)
	}
	text := strings.Join(lines, "\n")
	for _, want := range []string{"Status: Pending review → Member", "Tier: ", "¥1234.50", "Joined: "} {
		if !strings.Contains(text, want) {
			t.Errorf("changes %q lack %q", text, want)
		}
	}
	for _, bad := range []string{"node_path", "/1/2/", "regular", "2026-12-01T", "Mobile"} {
		if strings.Contains(text, bad) {
			t.Errorf("changes %q show %q", text, bad)
		}
	}
	if len(n.Misses) > 0 {
		t.Errorf("fields without words: %v", n.Misses)
	}
}
