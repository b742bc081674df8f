package auth_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/org"
)

func TestEveryRoleHasLabelsAndPermissions(t *testing.T) {
	if len(auth.Roles) != 12 {
		t.Errorf("%d roles, want the 12 of DOMAIN.md", len(auth.Roles))
	}
	seen := map[auth.Role]bool{}
	for _, r := range auth.Roles {
		t.Run(string(r), func(t *testing.T) {
			if seen[r] {
				t.Errorf("listed twice")
			}
			seen[r] = true
			if !r.Valid() {
				t.Errorf("not valid")
			}
			zh, en := r.Label("zh-CN"), r.Label("en")
			if zh == "" || en == "" || zh == string(r) || en == string(r) || zh == en {
				t.Errorf("labels = %q, %q", zh, en)
			}
			perms := r.Permissions()
			if len(perms) == 0 {
				t.Fatalf("no permissions")
			}
			for i, p := range perms {
				if slices.Contains(perms[:i], p) {
					t.Errorf("%s granted twice", p)
				}
				if p == auth.Public || p == auth.Authenticated || !strings.Contains(string(p), ".") {
					t.Errorf("odd permission %q", p)
				}
				if !r.Has(p) {
					t.Errorf("Has(%s) = false for a listed permission", p)
				}
			}
			if !r.Has(auth.Public) || !r.Has(auth.Authenticated) {
				t.Errorf("every role may use public and signed-in routes")
			}
		})
	}
	for _, bad := range []auth.Role{"", "root", "Admin"} {
		if bad.Valid() || len(bad.Permissions()) != 0 || bad.Has(auth.OrgRead) {
			t.Errorf("role %q is treated as known", bad)
		}
		if bad.Label("en") != string(bad) {
			t.Errorf("label of unknown role %q = %q", bad, bad.Label("en"))
		}
	}
}

// The duties of DOMAIN.md, "Staff roles": who may and who may not.
func TestRoleDuties(t *testing.T) {
	tests := []struct {
		role auth.Role
		perm auth.Permission
		want bool
	}{
		{auth.Admin, auth.OrgWrite, true},
		{auth.Admin, auth.StaffWrite, true},
		{auth.Admin, auth.SettingsWrite, true},
		{auth.Admin, auth.MemberReveal, false},
		{auth.GroupSupervisor, auth.TierApprove, true},
		{auth.GroupSupervisor, auth.PlanApprove, true},
		{auth.GroupSupervisor, auth.RedeemApprove, true},
		{auth.GroupSupervisor, auth.BudgetApprove, true},
		{auth.GroupSupervisor, auth.ReportRead, true},
		{auth.GroupSupervisor, auth.OrgWrite, false},
		{auth.GroupSpecialist, auth.PlanEdit, true},
		{auth.GroupSpecialist, auth.EventWrite, true},
		{auth.GroupSpecialist, auth.PlanApprove, false},
		{auth.CitySupervisor, auth.MemberReview, true},
		{auth.CitySupervisor, auth.CardManage, true},
		{auth.CitySupervisor, auth.TierApprove, false},
		{auth.CitySpecialist, auth.MemberWrite, true},
		{auth.CitySpecialist, auth.AdjustPropose, true},
		{auth.CitySpecialist, auth.AdjustApprove, false},
		{auth.CitySpecialist, auth.MemberReveal, false},
		{auth.SalesManager, auth.LeadAssign, true},
		{auth.SalesConsultant, auth.LeadWrite, true},
		{auth.SalesConsultant, auth.LeadAssign, false},
		{auth.SalesAdmin, auth.LeadReconcile, true},
		{auth.CustomerRelations, auth.RequestHandle, true},
		{auth.PropertyStaff, auth.RequestHandle, true},
		{auth.MerchantStaff, auth.MerchantVerify, true},
		{auth.MerchantStaff, auth.MemberRead, false},
		{auth.Auditor, auth.AuditRead, true},
		{auth.Auditor, auth.MemberWrite, false},
		{auth.Auditor, auth.MemberReveal, false},
	}
	for _, tc := range tests {
		t.Run(string(tc.role)+" "+string(tc.perm), func(t *testing.T) {
			if got := tc.role.Has(tc.perm); got != tc.want {
				t.Errorf("Has = %v, want %v", got, tc.want)
			}
		})
	}
	// The auditor "reads everything in scope, changes nothing".
	for _, p := range auth.Auditor.Permissions() {
		if !p.ReadOnly() {
			t.Errorf("auditor may %s", p)
		}
	}
	for _, p := range []auth.Permission{auth.MemberWrite, auth.MemberReveal, auth.MemberExport} {
		if p.ReadOnly() {
			t.Errorf("%s counted as read-only", p)
		}
	}
}

func TestPrincipalOfNobody(t *testing.T) {
	var p *auth.Principal
	if !p.Can(auth.Public) || p.Can(auth.Authenticated) || p.Can(auth.OrgRead) {
		t.Errorf("nil principal: Can public %v, authenticated %v, org.read %v", p.Can(auth.Public), p.Can(auth.Authenticated), p.Can(auth.OrgRead))
	}
	if !p.CanAt(auth.Public, "/1/") || p.CanAt(auth.OrgRead, "/1/") {
		t.Errorf("nil principal: CanAt wrong")
	}
	if paths := p.Paths(auth.OrgRead); paths == nil || len(paths) != 0 {
		t.Errorf("nil principal: Paths = %#v, want empty and non-nil", paths)
	}
	if p.Sees("/1/") {
		t.Errorf("nil principal sees the group")
	}
	// A signed-in account whose roles were all revoked is still signed in.
	none := &auth.Principal{Staff: auth.Staff{ID: 5, Active: true}}
	for _, tc := range []struct {
		perm auth.Permission
		want bool
	}{{auth.Public, true}, {auth.Authenticated, true}, {auth.OrgRead, false}} {
		if got := none.Can(tc.perm); got != tc.want {
			t.Errorf("no grants: Can(%s) = %v, want %v", tc.perm, got, tc.want)
		}
		if got := none.CanAt(tc.perm, "/1/2/"); got != tc.want {
			t.Errorf("no grants: CanAt(%s) = %v, want %v", tc.perm, got, tc.want)
		}
	}
	if none.Sees("/1/") {
		t.Errorf("principal without grants sees the group")
	}
	if paths := none.Paths(auth.OrgRead); paths == nil || len(paths) != 0 {
		t.Errorf("no grants: Paths = %#v, want empty and non-nil", paths)
	}
}

// Paths end in "/", so a grant at /1/2/ does not reach /1/23/.
func TestPrincipalPathsAreWholeSegments(t *testing.T) {
	p := &auth.Principal{Grants: []auth.Grant{{Role: auth.CitySpecialist, NodePath: "/1/2/"}}}
	for path, want := range map[string]bool{"/1/2/": true, "/1/2/5/": true, "/1/23/": false, "/1/": false, "/1/3/2/": false} {
		if got := p.CanAt(auth.MemberWrite, path); got != want {
			t.Errorf("CanAt(%s) = %v, want %v", path, got, want)
		}
		if got := p.Sees(path); got != want {
			t.Errorf("Sees(%s) = %v, want %v", path, got, want)
		}
	}
}

func TestPrincipalScope(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		city := mustStaff(t, f, "city.sh", "SH", grant(auth.CitySpecialist, "SH"))
		group := mustStaff(t, f, "group.sup", "GROUP", grant(auth.GroupSupervisor, "GROUP"))
		multi := mustStaff(t, f, "multi", "EAST",
			grant(auth.CitySpecialist, "SH-PD"), grant(auth.CitySpecialist, "SH"), grant(auth.CitySpecialist, "SZ"),
			grant(auth.SalesManager, "HZ-XH"))
		merchant := mustStaff(t, f, "shop", "SZ-QH", grant(auth.MerchantStaff, "SZ-QH"))

		pc, pg, pm, ps := mustPrincipal(t, f, city.ID), mustPrincipal(t, f, group.ID), mustPrincipal(t, f, multi.ID), mustPrincipal(t, f, merchant.ID)
		if pc.Staff.ID != city.ID || len(pc.Grants) != 1 || pc.Grants[0].NodePath != f.Path("SH") || pc.Grants[0].NodeCode != "SH" {
			t.Fatalf("principal = %+v", pc)
		}
		tests := []struct {
			name string
			p    *auth.Principal
			perm auth.Permission
			at   string
			want bool
		}{
			{"city specialist at own city", pc, auth.MemberWrite, "SH", true},
			{"city specialist at project below", pc, auth.MemberWrite, "SH-XH", true},
			{"city specialist at other city", pc, auth.MemberWrite, "HZ", false},
			{"city specialist at project of other city", pc, auth.MemberWrite, "HZ-XH", false},
			{"city specialist at own region", pc, auth.MemberWrite, "EAST", false},
			{"city specialist at group", pc, auth.MemberWrite, "GROUP", false},
			{"city specialist lacks permission", pc, auth.AdjustApprove, "SH", false},
			{"group supervisor at group", pg, auth.TierApprove, "GROUP", true},
			{"group supervisor at a region", pg, auth.TierApprove, "SOUTH", true},
			{"group supervisor at a project", pg, auth.ReportRead, "HZ-XH", true},
			{"group supervisor lacks permission", pg, auth.OrgWrite, "SH", false},
			{"several grants, first city", pm, auth.MemberWrite, "SH-XH", true},
			{"several grants, second city", pm, auth.MemberWrite, "SZ-QH", true},
			{"several grants, uncovered city", pm, auth.MemberWrite, "HZ", false},
			{"role held elsewhere", pm, auth.LeadAssign, "SH", false},
			{"role held at that project", pm, auth.LeadAssign, "HZ-XH", true},
			{"merchant at own project", ps, auth.MerchantVerify, "SZ-QH", true},
			{"merchant reads no members", ps, auth.MemberRead, "SZ-QH", false},
			{"signed-in route outside scope", pc, auth.Authenticated, "HZ", true},
			{"public route outside scope", ps, auth.Public, "GROUP", true},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if got := tc.p.CanAt(tc.perm, f.Path(tc.at)); got != tc.want {
					t.Errorf("CanAt(%s, %s) = %v, want %v", tc.perm, tc.at, got, tc.want)
				}
				if tc.want && !tc.p.Can(tc.perm) {
					t.Errorf("Can(%s) = false but CanAt is true", tc.perm)
				}
			})
		}

		pathTests := []struct {
			name string
			p    *auth.Principal
			perm auth.Permission
			want []string
		}{
			{"city specialist", pc, auth.MemberWrite, []string{"SH"}},
			{"city specialist without permission", pc, auth.OrgWrite, nil},
			{"group supervisor", pg, auth.MemberRead, []string{"GROUP"}},
			{"nested grants collapse", pm, auth.MemberWrite, []string{"SH", "SZ"}},
			{"per role", pm, auth.LeadAssign, []string{"HZ-XH"}},
			{"read held through two roles", pm, auth.MemberRead, []string{"SH", "SZ", "HZ-XH"}},
		}
		for _, tc := range pathTests {
			t.Run("paths "+tc.name, func(t *testing.T) {
				got := tc.p.Paths(tc.perm)
				want := []string{}
				for _, c := range tc.want {
					want = append(want, f.Path(c))
				}
				slices.Sort(got)
				slices.Sort(want)
				if got == nil || !slices.Equal(got, want) {
					t.Errorf("Paths(%s) = %#v, want %v", tc.perm, got, want)
				}
			})
		}

		seeTests := []struct {
			p    *auth.Principal
			at   string
			want bool
		}{
			{pc, "SH-PD", true}, {pc, "SH", true}, {pc, "HZ-XH", false}, {pc, "EAST", false},
			{pg, "SZ-QH", true}, {pg, "GROUP", true},
			{pm, "HZ-XH", true}, {pm, "HZ", false}, {pm, "SZ", true},
			{ps, "SZ-QH", true}, {ps, "SZ", false},
		}
		for _, tc := range seeTests {
			if got := tc.p.Sees(f.Path(tc.at)); got != tc.want {
				t.Errorf("%s sees %s = %v, want %v", tc.p.Staff.Login, tc.at, got, tc.want)
			}
		}

		// Paths feed list filters: no permission must mean no rows, not all rows.
		orgs := &org.Service{DB: d}
		for _, tc := range []struct {
			p    *auth.Principal
			perm auth.Permission
			want int
		}{
			{pc, auth.MemberWrite, 3}, // SH, SH-PD, SH-XH
			{pc, auth.OrgWrite, 0},
			{pg, auth.OrgRead, 10},
			{pm, auth.MemberWrite, 5}, // SH, SH-PD, SH-XH, SZ, SZ-QH
		} {
			nodes, total, err := orgs.List(context.Background(), org.Filter{Within: tc.p.Paths(tc.perm)})
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.want || len(nodes) != tc.want {
				t.Errorf("%s: nodes within Paths(%s) = %d, want %d", tc.p.Staff.Login, tc.perm, total, tc.want)
			}
		}
	})
}
