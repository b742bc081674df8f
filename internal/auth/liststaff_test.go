package auth_test

import (
	"context"
	"slices"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

func TestListStaff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH", grant(auth.CitySpecialist, "SH"))
		mustStaff(t, f, "bob", "HZ", grant(auth.CitySupervisor, "HZ"))
		mustStaff(t, f, "carol", "GROUP", grant(auth.GroupSupervisor, "GROUP"))
		dave := mustStaff(t, f, "dave", "SZ-QH", grant(auth.SalesConsultant, "SZ-QH"))
		erin, err := f.Auth.CreateStaff(context.Background(), auth.NewStaff{Login: "erin_w", Name: "Erin 王", NodeCode: "SH-PD", Password: password,
			Grants: []auth.NewGrant{grant(auth.SalesConsultant, "SH-PD"), grant(auth.CitySpecialist, "SH")}})
		if err != nil {
			t.Fatal(err)
		}
		no := false
		if _, err := f.Auth.UpdateStaff(context.Background(), dave.ID, auth.StaffUpdate{Active: &no}); err != nil {
			t.Fatal(err)
		}
		yes := true
		all := []string{"alice", "bob", "carol", "dave", "erin_w"}
		tests := []struct {
			name string
			f    auth.StaffFilter
			want []string
		}{
			{"everyone", auth.StaffFilter{}, all},
			{"within a region", auth.StaffFilter{Within: []string{f.Path("EAST")}}, []string{"alice", "bob", "erin_w"}},
			{"within a city", auth.StaffFilter{Within: []string{f.Path("SH")}}, []string{"alice", "erin_w"}},
			{"within two subtrees", auth.StaffFilter{Within: []string{f.Path("HZ"), f.Path("SOUTH")}}, []string{"bob", "dave"}},
			{"within the group", auth.StaffFilter{Within: []string{f.Path("GROUP")}}, all},
			{"within nothing", auth.StaffFilter{Within: []string{}}, nil},
			{"login part", auth.StaffFilter{Query: "li"}, []string{"alice"}},
			{"login in upper case", auth.StaffFilter{Query: "ALI"}, []string{"alice"}},
			{"Chinese name", auth.StaffFilter{Query: "王"}, []string{"erin_w"}},
			{"name in another case", auth.StaffFilter{Query: "ERIN 王"}, []string{"erin_w"}},
			{"underscore is literal", auth.StaffFilter{Query: "_"}, []string{"erin_w"}},
			{"percent is literal", auth.StaffFilter{Query: "%"}, nil},
			{"role", auth.StaffFilter{Role: auth.SalesConsultant}, []string{"dave", "erin_w"}},
			{"role held besides another", auth.StaffFilter{Role: auth.CitySpecialist}, []string{"alice", "erin_w"}},
			{"role nobody holds", auth.StaffFilter{Role: auth.Auditor}, nil},
			{"inactive", auth.StaffFilter{Active: &no}, []string{"dave"}},
			{"active", auth.StaffFilter{Active: &yes}, []string{"alice", "bob", "carol", "erin_w"}},
			{"all filters", auth.StaffFilter{Within: []string{f.Path("GROUP")}, Role: auth.SalesConsultant, Active: &yes, Query: "w"}, []string{"erin_w"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := f.Auth.ListStaff(context.Background(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(logins(got), tc.want) {
					t.Errorf("logins = %v, want %v (ordered by login)", logins(got), tc.want)
				}
				if total != len(tc.want) {
					t.Errorf("total = %d, want %d", total, len(tc.want))
				}
			})
		}

		page, total, err := f.Auth.ListStaff(context.Background(), auth.StaffFilter{Offset: 1, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(logins(page), []string{"bob", "carol"}) || total != 5 {
			t.Errorf("page = %v of %d, want [bob carol] of 5", logins(page), total)
		}
		list, _, _ := f.Auth.ListStaff(context.Background(), auth.StaffFilter{Query: "erin"})
		if len(list) != 1 {
			t.Fatalf("erin: %v", logins(list))
		}
		mustGrants(t, f, &list[0], "sales_consultant@SH-PD", "city_specialist@SH")
		if list[0].ID != erin.ID || list[0].NodeCode != "SH-PD" {
			t.Errorf("listed = %+v", list[0])
		}
	})
}

func logins(staff []auth.Staff) []string {
	var out []string
	for _, s := range staff {
		out = append(out, s.Login)
	}
	return out
}
