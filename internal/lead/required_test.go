package lead_test

import (
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/lead"
)

// Issue 12, item 10: a status's required fields are required. A surname is
// taken from a Chinese full name, never made up from a name that does not
// begin with one (先生 is not 先, Tom is not T); a refusal names the
// missing fields in Chinese and English, and stores nothing.
func TestRequiredFieldsOfEveryStatus(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		li := f.as("li")
		lost := func(r lead.Registration) lead.Registration {
			r.ProjectCode, r.Source, r.Mobile, r.Status = "SH-PD", lead.Visit, f.mobile(), lead.NoIntent
			return r
		}
		for _, tc := range []struct {
			in          lead.Registration
			field       string // "" accepted
			zh, en      string
			wantSurname string
		}{
			{in: lead.Registration{Name: "先生", Gender: "male", Media: "网络", LostReason: "价格"}, field: "surname", zh: "「无意向」须填写姓氏", en: "surname"},
			{in: lead.Registration{Name: "Tom", Gender: "male", Media: "网络", LostReason: "价格"}, field: "surname", zh: "姓氏", en: "surname"},
			{in: lead.Registration{Name: "小明", Gender: "male", Media: "网络", LostReason: "价格"}, field: "surname", zh: "姓氏", en: "surname"},
			{in: lead.Registration{Media: "网络", LostReason: "价格"}, field: "surname", zh: "须填写姓氏、性别", en: "surname, gender"},
			{in: lead.Registration{Surname: "张", Gender: "female", Media: "网络"}, field: "lost_reason", zh: "丢失原因", en: "why lost"},
			{in: lead.Registration{Name: "王先生", Gender: "male", Media: "网络", LostReason: "价格"}, wantSurname: "王"},
			{in: lead.Registration{Name: "欧阳娜娜", Gender: "female", Media: "网络", LostReason: "价格"}, wantSurname: "欧阳"},
		} {
			before := f.Count(t, "SELECT count(*) FROM leads")
			res, err := f.svc.Register(li, lost(tc.in))
			if tc.field == "" {
				if err != nil || res.Lead.Surname != tc.wantSurname || res.Lead.Status != lead.NoIntent {
					t.Errorf("%+v: %+v, %v; want surname %s", tc.in, res, err, tc.wantSurname)
				}
				continue
			}
			e := apperr.As(err)
			if err == nil || e.Code != apperr.Invalid || e.Field != tc.field || !strings.Contains(e.ZH, tc.zh) || !strings.Contains(e.EN, tc.en) {
				t.Errorf("%+v: %v, want %s refused (%s / %s)", tc.in, err, tc.field, tc.zh, tc.en)
			}
			if after := f.Count(t, "SELECT count(*) FROM leads"); after != before {
				t.Errorf("%+v: a refused registration stored a lead", tc.in)
			}
		}

		// A change of status asks the same: a C lead named 小明 cannot be
		// lost without a surname, and can with one.
		l := f.mustRegister(t, "li", lead.Registration{Name: "小明", Gender: "male", Media: "网络"})
		if l.Surname != "" {
			t.Fatalf("小明 got surname %q", l.Surname)
		}
		_, err := f.svc.ChangeStatus(li, l.ID, lead.NoIntent, lead.Update{LostReason: ptr("价格")})
		if e := apperr.As(err); err == nil || e.Field != "surname" {
			t.Errorf("no intent without a surname: %v", err)
		}
		for _, st := range []lead.Status{lead.B, lead.A} {
			if _, err := f.svc.ChangeStatus(li, l.ID, st, lead.Update{}); apperr.As(err) == nil || apperr.As(err).Field != "surname" {
				t.Errorf("%s without a surname: %v", st, err)
			}
		}
		if got, _ := f.svc.Get(li, l.ID); got.Status != lead.C {
			t.Errorf("refused changes moved the lead to %s", got.Status)
		}
		// The name corrected to a full name gives the surname.
		got, err := f.svc.ChangeStatus(li, l.ID, lead.NoIntent, lead.Update{Name: ptr("李小明"), LostReason: ptr("价格")})
		if err != nil || got.Surname != "李" || got.Status != lead.NoIntent {
			t.Errorf("no intent with the name 李小明: %+v, %v", got, err)
		}
	})
}
