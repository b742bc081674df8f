package request_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/member"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
)

// mustField fails unless err is an apperr naming field.
func mustField(t *testing.T, err error, field string) *apperr.Error {
	t.Helper()
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Field != field {
		t.Fatalf("want an error on %s, got %v", field, err)
	}
	return ae
}

func codes(ds []request.SubkindDef) string {
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Code))
	}
	return strings.Join(out, " ")
}

// The migration seeds the subkinds the club started with, under the
// names the code gives them when the catalogue lacks one.
func TestCatalogueSeed(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		svc := &request.Service{DB: e.DB, Keys: e.Keys}
		c, err := svc.Catalogue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Kinds) != len(request.Kinds) {
			t.Fatalf("kinds %+v", c.Kinds)
		}
		for i, kd := range c.Kinds {
			if kd.Kind != request.Kinds[i] || kd.Name != kd.Kind.Label("") || kd.NameEN != kd.Kind.Label("en") {
				t.Errorf("kind %+v", kd)
			}
			for _, sd := range kd.Subkinds {
				if sd.Name != sd.Code.Label("") || sd.NameEN != sd.Code.Label("en") || sd.Retired {
					t.Errorf("subkind %+v", sd)
				}
				if sd.BuiltIn != (sd.Code == request.SubDataCopy || sd.Code == request.SubAccountDeletion) {
					t.Errorf("built in %+v", sd)
				}
			}
		}
		for k, want := range map[request.Kind]string{
			request.Complaint:  "property service other",
			request.Privacy:    "data_storage data_lent lost_password data_copy account_deletion",
			request.Correction: "profile points other",
			request.Suggestion: "events publications website property other",
		} {
			if got := codes(c.Kind(k).Subkinds); got != want {
				t.Errorf("%s: %s, want %s", k, got, want)
			}
		}
	})
}

func TestEditCatalogue(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		ctx := context.Background()
		svc := &request.Service{DB: e.DB, Keys: e.Keys}
		member := e.Member(t, "SH-PD")

		// Add: a typed code, and one made from the English name.
		noise, err := svc.AddSubkind(ctx, request.Complaint, request.SubkindInput{Code: "noise", Name: "噪音", NameEN: "Noise"})
		if err != nil {
			t.Fatal(err)
		}
		if noise.Position != 4 || noise.BuiltIn || noise.Retired {
			t.Fatalf("added %+v", noise)
		}
		parking, err := svc.AddSubkind(ctx, request.Complaint, request.SubkindInput{Name: "停车", NameEN: " Parking & garage "})
		if err != nil || parking.Code != "parking_garage" {
			t.Fatalf("generated code %+v %v", parking, err)
		}
		again, err := svc.AddSubkind(ctx, request.Complaint, request.SubkindInput{Name: "车位", NameEN: "Parking garage"})
		if err != nil || again.Code != "parking_garage_2" {
			t.Fatalf("second generated code %+v %v", again, err)
		}
		// The same code is refused within a kind, allowed in another.
		ae := mustField(t, func() error {
			_, err := svc.AddSubkind(ctx, request.Complaint, request.SubkindInput{Code: "noise", Name: "噪声", NameEN: "Noise 2"})
			return err
		}(), "code")
		if ae.Code != apperr.Conflict {
			t.Errorf("duplicate code: %+v", ae)
		}
		if _, err := svc.AddSubkind(ctx, request.Suggestion, request.SubkindInput{Code: "noise", Name: "噪音", NameEN: "Noise"}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			in    request.SubkindInput
			field string
		}{
			{request.SubkindInput{Code: "Noise", Name: "噪音", NameEN: "Noise"}, "code"},
			{request.SubkindInput{Code: "噪音", Name: "噪音", NameEN: "Noise"}, "code"},
			{request.SubkindInput{Code: "n", Name: "噪音", NameEN: "Noise"}, "code"},
			{request.SubkindInput{Code: "loud", Name: " ", NameEN: "Noise"}, "name"},
			{request.SubkindInput{Code: "loud", Name: "噪音", NameEN: ""}, "name_en"},
		} {
			_, err := svc.AddSubkind(ctx, request.Complaint, tc.in)
			mustField(t, err, tc.field)
		}
		mustField(t, func() error {
			_, err := svc.AddSubkind(ctx, "praise", request.SubkindInput{Name: "表扬", NameEN: "Praise"})
			return err
		}(), "kind")

		// A new subkind is offered and a request may have it.
		r, err := svc.Submit(memberCtxID(member), request.NewRequest{MemberID: member, Kind: request.Complaint, Subkind: "noise", Text: "楼下装修噪音太大了"})
		if err != nil {
			t.Fatal(err)
		}

		// Rename a subkind and a kind: old requests show the new names.
		if _, err := svc.UpdateSubkind(ctx, request.Complaint, "noise", request.SubkindUpdate{Name: ptr("噪音扰民"), NameEN: ptr("Noise nuisance")}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RenameKind(ctx, request.Complaint, request.KindNames{Name: "投诉与抱怨", NameEN: "Complaints"}); err != nil {
			t.Fatal(err)
		}
		mustField(t, func() error {
			_, err := svc.RenameKind(ctx, request.Complaint, request.KindNames{Name: "投诉", NameEN: " "})
			return err
		}(), "name_en")
		mustField(t, func() error {
			_, err := svc.UpdateSubkind(ctx, request.Complaint, "noise", request.SubkindUpdate{Name: ptr("")})
			return err
		}(), "name")
		c, err := svc.Catalogue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.KindLabel(request.Complaint, "") != "投诉与抱怨" || c.SubkindLabel(r.Kind, r.Subkind, "en") != "Noise nuisance" ||
			c.Topic(r.Kind, r.Subkind, "") != "投诉与抱怨 · 噪音扰民" {
			t.Fatalf("renamed: %+v", c.Kind(request.Complaint))
		}

		// Reorder: every code once.
		mustField(t, func() error {
			_, err := svc.ReorderSubkinds(ctx, request.Complaint, []request.Subkind{"noise", "property"})
			return err
		}(), "codes")
		kd, err := svc.ReorderSubkinds(ctx, request.Complaint, []request.Subkind{"noise", "property", "service", "parking_garage", "parking_garage_2", "other"})
		if err != nil {
			t.Fatal(err)
		}
		if got := codes(kd.Subkinds); got != "noise property service parking_garage parking_garage_2 other" {
			t.Fatalf("order %s", got)
		}

		// Retire: no longer offered, refused for a new request and a routing
		// rule, still named on the old request; then brought back.
		if _, err := svc.UpdateSubkind(ctx, request.Complaint, "noise", request.SubkindUpdate{Retired: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		c, _ = svc.Catalogue(ctx)
		if c.Offers(request.Complaint, "noise") || strings.Contains(codes(c.Kind(request.Complaint).Offered()), "noise") {
			t.Fatal("a retired subkind is offered")
		}
		_, err = svc.Submit(memberCtxID(member), request.NewRequest{MemberID: member, Kind: request.Complaint, Subkind: "noise", Text: "楼下装修噪音太大了"})
		if ae := mustField(t, err, "subkind"); !strings.Contains(ae.Message("en"), "retired") {
			t.Errorf("message %q", ae.Message("en"))
		}
		mustField(t, svc.ValidateContent(ctx, request.NewRequest{Kind: request.Complaint, Subkind: "noise", Text: "楼下装修噪音太大了"}), "subkind")
		mustField(t, svc.ValidateContent(ctx, request.NewRequest{Kind: request.Complaint, Subkind: "events", Text: "楼下装修噪音太大了"}), "subkind")
		dept, err := svc.SaveDepartment(ctx, 0, request.DepartmentInput{NodeID: e.Nodes["GROUP"].ID, Code: "property"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.SaveRule(ctx, request.RuleInput{NodeID: e.Nodes["GROUP"].ID, Kind: request.Complaint, Subkind: "noise", DepartmentID: dept.ID}, nil)
		mustField(t, err, "subkind")
		old, err := svc.Get(ctx, r.ID)
		if err != nil || old.Subkind != "noise" || c.SubkindLabel(old.Kind, old.Subkind, "") != "噪音扰民" {
			t.Fatalf("old request %+v %v", old, err)
		}
		if _, err := svc.UpdateSubkind(ctx, request.Complaint, "noise", request.SubkindUpdate{Retired: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SaveRule(ctx, request.RuleInput{NodeID: e.Nodes["GROUP"].ID, Kind: request.Complaint, Subkind: "noise", DepartmentID: dept.ID}, nil); err != nil {
			t.Fatal(err)
		}

		// A code changes only while nothing has it.
		mustField(t, func() error {
			_, err := svc.UpdateSubkind(ctx, request.Complaint, "noise", request.SubkindUpdate{Code: sub("din")})
			return err
		}(), "code")
		if d, err := svc.UpdateSubkind(ctx, request.Complaint, "parking_garage_2", request.SubkindUpdate{Code: sub("car_space")}); err != nil || d.Code != "car_space" {
			t.Fatalf("re-code %+v %v", d, err)
		}

		// Built-ins: never retired nor re-coded, but renamed.
		mustField(t, func() error {
			_, err := svc.UpdateSubkind(ctx, request.Privacy, request.SubDataCopy, request.SubkindUpdate{Retired: ptr(true)})
			return err
		}(), "retired")
		mustField(t, func() error {
			_, err := svc.UpdateSubkind(ctx, request.Privacy, request.SubAccountDeletion, request.SubkindUpdate{Code: sub("delete_me")})
			return err
		}(), "code")
		if _, err := svc.UpdateSubkind(ctx, request.Privacy, request.SubDataCopy, request.SubkindUpdate{Name: ptr("个人信息副本")}); err != nil {
			t.Fatal(err)
		}
		// A kind keeps one subkind on offer.
		for _, code := range []request.Subkind{"profile", "points"} {
			if _, err := svc.UpdateSubkind(ctx, request.Correction, code, request.SubkindUpdate{Retired: ptr(true)}); err != nil {
				t.Fatal(err)
			}
		}
		mustField(t, func() error {
			_, err := svc.UpdateSubkind(ctx, request.Correction, request.SubOther, request.SubkindUpdate{Retired: ptr(true)})
			return err
		}(), "retired")
		if _, err := svc.UpdateSubkind(ctx, request.Correction, "missing", request.SubkindUpdate{Name: ptr("无")}); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("unknown subkind: %v", err)
		}

		// Every edit is in the audit log with words.
		entries := e.Audit(t, audit.Filter{Action: "request.kind_edit"})
		if len(entries) != 13 {
			t.Errorf("%d kind edits logged", len(entries))
		}
		for _, en := range entries {
			if en.Summary == "" || en.ObjectType != "request_kind" {
				t.Errorf("entry %+v", en)
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

func sub(s string) *request.Subkind { v := request.Subkind(s); return &v }

func memberCtxID(id int64) context.Context { return memberCtx(&member.Member{ID: id}) }
