package lead_test

import (
	"testing"

	"estateclub/internal/i18n"
	"estateclub/internal/lead"
)

// The web layer shows the lead's codes through the catalogues: every code
// has its message in both languages, and the catalogue agrees with Label.
func TestEveryCodeHasMessages(t *testing.T) {
	c, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range lead.Statuses {
		ids = append(ids, "lead.status."+string(s))
		if got := c.T("zh-CN", "lead.status."+string(s)); got != s.Label("zh-CN") {
			t.Errorf("status %s: catalogue %q, Label %q", s, got, s.Label("zh-CN"))
		}
	}
	for _, s := range []lead.Source{lead.Visit, lead.Call, lead.Imported} {
		ids = append(ids, "lead.source."+string(s))
	}
	for _, ch := range []lead.Channel{lead.ByPhone, lead.ByVisit, lead.ByWeChat, lead.BySMS, lead.ByOther} {
		ids = append(ids, "lead.channel."+string(ch))
	}
	for _, f := range []string{lead.FieldSurname, lead.FieldName, lead.FieldGender, lead.FieldMobile, lead.FieldMedia, lead.FieldLostReason, lead.FieldReferrer} {
		ids = append(ids, "lead.field."+f)
	}
	for _, k := range []lead.AnomalyKind{lead.Overdue, lead.Stuck, lead.Lost, lead.Unassigned, lead.InactiveOwner} {
		ids = append(ids, "lead.anomaly."+string(k))
	}
	for _, k := range []lead.ClaimStatus{lead.ClaimOpen, lead.ClaimGranted, lead.ClaimRejected} {
		ids = append(ids, "lead.claim."+string(k))
	}
	for _, k := range []lead.DealKind{lead.Subscription, lead.Contract} {
		ids = append(ids, "lead.deal."+string(k))
	}
	for _, id := range ids {
		for _, lang := range i18n.Languages {
			if !c.Has(lang, id) {
				t.Errorf("%s missing in %s", id, lang)
			}
		}
	}
}
