package auth_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

func TestCreateStaff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: 99, Login: "root"})
		st, err := f.Auth.CreateStaff(ctx, auth.NewStaff{
			Login: "  Zhang.Wei ", Name: " 张伟 ", Email: "zhang.wei@example.com", NodeCode: "sh", Password: password,
			Grants: []auth.NewGrant{grant(auth.CitySpecialist, "sh"), grant(auth.SalesManager, "SH-PD")},
		})
		if err != nil {
			t.Fatal(err)
		}
		if st.Login != "zhang.wei" || st.Name != "张伟" || st.Email != "zhang.wei@example.com" || st.Locale != "zh-CN" || !st.Active {
			t.Errorf("staff = %+v", st)
		}
		if st.NodeID != f.Nodes["SH"].ID || st.NodeCode != "SH" || st.NodePath != f.Path("SH") || st.NodeName != "上海城市公司" {
			t.Errorf("home = %d %s %s %s", st.NodeID, st.NodeCode, st.NodePath, st.NodeName)
		}
		if !st.CreatedAt.Equal(f.Clock.Now()) || !st.PasswordChangedAt.Equal(f.Clock.Now()) {
			t.Errorf("times = %v, %v; want %v", st.CreatedAt, st.PasswordChangedAt, f.Clock.Now())
		}
		mustGrants(t, f, st, "city_specialist@SH", "sales_manager@SH-PD")
		byLogin, err := f.Auth.StaffByLogin(context.Background(), "ZHANG.WEI")
		if err != nil || byLogin.ID != st.ID {
			t.Fatalf("StaffByLogin = %v, %v", byLogin, err)
		}
		mustGrants(t, f, byLogin, "city_specialist@SH", "sales_manager@SH-PD")

		entries := f.Audit(t, audit.Filter{Action: "staff.create"})
		if len(entries) != 1 {
			t.Fatalf("staff.create entries = %d, want 1", len(entries))
		}
		e := entries[0]
		if e.ActorLogin != "root" || e.NodePath != f.Path("SH") || e.ObjectType != "staff" || !strings.Contains(e.After, `"login":"zhang.wei"`) {
			t.Errorf("audit = %+v", e)
		}
		if strings.Contains(e.After, "argon2") || strings.Contains(e.After, password) {
			t.Errorf("audit entry holds the password: %s", e.After)
		}
		var hash string
		_ = d.View(context.Background(), func(tx *db.Tx) error {
			return tx.QueryRow(context.Background(), "SELECT password_hash FROM staff WHERE id = ?", st.ID).Scan(&hash)
		})
		if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, password) || !auth.CheckPassword(hash, password) {
			t.Errorf("stored hash = %q", hash)
		}

		// Without grants and with an English UI.
		plain, err := f.Auth.CreateStaff(context.Background(), auth.NewStaff{Login: "li", Name: "Li", NodeCode: "GROUP", Password: password, Locale: "en"})
		if err != nil {
			t.Fatal(err)
		}
		if plain.Locale != "en" || plain.Grants == nil || len(plain.Grants) != 0 {
			t.Errorf("plain = %+v", plain)
		}
	})
}

// mustGrants checks an account's grants, given as "role@NODE", in any order.
func mustGrants(t *testing.T, f *fixture, st *auth.Staff, want ...string) {
	t.Helper()
	var got []string
	for _, g := range st.Grants {
		got = append(got, string(g.Role)+"@"+g.NodeCode)
		n := f.Nodes[g.NodeCode]
		if n == nil || g.NodeID != n.ID || g.NodePath != n.Path || g.NodeName != n.Name || g.ID == 0 {
			t.Errorf("grant %+v does not match its node", g)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("grants = %v, want %v", got, want)
	}
}

func TestCreateStaffRejectsBadInput(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustStaff(t, f, "alice", "SH")
		ok := auth.NewStaff{Login: "newbie", Name: "新人", NodeCode: "SH", Password: password}
		with := func(change func(*auth.NewStaff)) auth.NewStaff {
			in := ok
			change(&in)
			return in
		}
		tests := []struct {
			name  string
			in    auth.NewStaff
			code  apperr.Code
			field string
		}{
			{"login too short", with(func(n *auth.NewStaff) { n.Login = "a" }), apperr.Invalid, "login"},
			{"login too long", with(func(n *auth.NewStaff) { n.Login = strings.Repeat("a", 33) }), apperr.Invalid, "login"},
			{"login with space", with(func(n *auth.NewStaff) { n.Login = "zhang wei" }), apperr.Invalid, "login"},
			{"login with at", with(func(n *auth.NewStaff) { n.Login = "zw@example.com" }), apperr.Invalid, "login"},
			{"login starting with dot", with(func(n *auth.NewStaff) { n.Login = ".zw" }), apperr.Invalid, "login"},
			{"login in Chinese", with(func(n *auth.NewStaff) { n.Login = "张伟" }), apperr.Invalid, "login"},
			{"empty login", with(func(n *auth.NewStaff) { n.Login = "" }), apperr.Invalid, "login"},
			{"empty name", with(func(n *auth.NewStaff) { n.Name = "  " }), apperr.Invalid, "name"},
			{"name too long", with(func(n *auth.NewStaff) { n.Name = strings.Repeat("张", 65) }), apperr.Invalid, "name"},
			{"bad email", with(func(n *auth.NewStaff) { n.Email = "not-an-email" }), apperr.Invalid, "email"},
			{"email with name", with(func(n *auth.NewStaff) { n.Email = "Zhang <zw@example.com>" }), apperr.Invalid, "email"},
			{"unknown locale", with(func(n *auth.NewStaff) { n.Locale = "fr" }), apperr.Invalid, "locale"},
			{"password too short", with(func(n *auth.NewStaff) { n.Password = "abc1234" }), apperr.Invalid, "password"},
			{"password without digit", with(func(n *auth.NewStaff) { n.Password = "abcdefghij" }), apperr.Invalid, "password"},
			{"password without letter", with(func(n *auth.NewStaff) { n.Password = "1234567890" }), apperr.Invalid, "password"},
			{"password of spaces and digits", with(func(n *auth.NewStaff) { n.Password = "    123456" }), apperr.Invalid, "password"},
			{"password too long", with(func(n *auth.NewStaff) { n.Password = strings.Repeat("a1", 65) }), apperr.Invalid, "password"},
			{"empty password", with(func(n *auth.NewStaff) { n.Password = "" }), apperr.Invalid, "password"},
			{"unknown role", with(func(n *auth.NewStaff) { n.Grants = []auth.NewGrant{grant("superuser", "SH")} }), apperr.Invalid, "role"},
			{"unknown home node", with(func(n *auth.NewStaff) { n.NodeCode = "NOWHERE" }), apperr.Invalid, "org"},
			{"no home node", with(func(n *auth.NewStaff) { n.NodeCode = "" }), apperr.Invalid, "org"},
			{"unknown grant node", with(func(n *auth.NewStaff) { n.Grants = []auth.NewGrant{grant(auth.CitySpecialist, "NOWHERE")} }), apperr.Invalid, "org"},
			{"role granted twice", with(func(n *auth.NewStaff) {
				n.Grants = []auth.NewGrant{grant(auth.CitySpecialist, "SH"), grant(auth.CitySpecialist, "sh")}
			}), apperr.Conflict, "role"},
			{"login taken", with(func(n *auth.NewStaff) { n.Login = "alice" }), apperr.Conflict, "login"},
			{"login taken in other case", with(func(n *auth.NewStaff) { n.Login = " ALICE " }), apperr.Conflict, "login"},
		}
		staffBefore := testfix.Count(t, d, "SELECT count(*) FROM staff")
		rolesBefore := testfix.Count(t, d, "SELECT count(*) FROM staff_roles")
		auditBefore := testfix.Count(t, d, "SELECT count(*) FROM audit_log")
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				st, err := f.Auth.CreateStaff(context.Background(), tc.in)
				testfix.WantErr(t, err, tc.code, tc.field)
				if st != nil {
					t.Errorf("staff = %+v, want nil", st)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM staff"); got != staffBefore {
					t.Errorf("staff rows = %d, want %d", got, staffBefore)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM staff_roles"); got != rolesBefore {
					t.Errorf("staff_roles rows = %d, want %d", got, rolesBefore)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM audit_log"); got != auditBefore {
					t.Errorf("audit_log rows = %d, want %d", got, auditBefore)
				}
			})
		}
		// The store still works after the failures, and the limits are allowed.
		mustStaff(t, f, strings.Repeat("b", 32), "SH")
		mustStaff(t, f, "a.b-c_9", "SH", grant(auth.Auditor, "GROUP"))
	})
}

func TestGrantAndRevokeRoles(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH", grant(auth.CitySpecialist, "SH"))
		bob := mustStaff(t, f, "bob", "HZ", grant(auth.CitySupervisor, "HZ"))

		st, err := f.Auth.GrantRole(context.Background(), alice.ID, grant(auth.CitySupervisor, "hz"))
		if err != nil {
			t.Fatal(err)
		}
		mustGrants(t, f, st, "city_specialist@SH", "city_supervisor@HZ")
		// The same role at another node is a separate grant.
		if st, err = f.Auth.GrantRole(context.Background(), alice.ID, grant(auth.CitySpecialist, "SZ")); err != nil {
			t.Fatal(err)
		}
		mustGrants(t, f, st, "city_specialist@SH", "city_supervisor@HZ", "city_specialist@SZ")
		entries := f.Audit(t, audit.Filter{Action: "staff.role.grant"})
		if len(entries) != 2 || entries[0].NodePath != f.Path("SH") {
			t.Fatalf("grant entries = %+v", entries)
		}
		var before, after []auth.Grant
		if err := json.Unmarshal([]byte(entries[0].Before), &before); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(entries[0].After), &after); err != nil {
			t.Fatal(err)
		}
		if len(before) != 2 || len(after) != 3 {
			t.Errorf("audit before %d grants, after %d; want 2 and 3", len(before), len(after))
		}

		errTests := []struct {
			name    string
			staffID int64
			g       auth.NewGrant
			code    apperr.Code
			field   string
		}{
			{"duplicate", alice.ID, grant(auth.CitySupervisor, "HZ"), apperr.Conflict, "role"},
			{"duplicate in other case", alice.ID, grant(auth.CitySpecialist, "sz"), apperr.Conflict, "role"},
			{"unknown role", alice.ID, grant("owner", "HZ"), apperr.Invalid, "role"},
			{"unknown node", alice.ID, grant(auth.Auditor, "NOWHERE"), apperr.Invalid, "org"},
			{"unknown staff", 9999, grant(auth.Auditor, "GROUP"), apperr.NotFound, ""},
		}
		rolesBefore := testfix.Count(t, d, "SELECT count(*) FROM staff_roles")
		auditBefore := testfix.Count(t, d, "SELECT count(*) FROM audit_log")
		for _, tc := range errTests {
			t.Run("grant "+tc.name, func(t *testing.T) {
				_, err := f.Auth.GrantRole(context.Background(), tc.staffID, tc.g)
				testfix.WantErr(t, err, tc.code, tc.field)
				if got := testfix.Count(t, d, "SELECT count(*) FROM staff_roles"); got != rolesBefore {
					t.Errorf("staff_roles rows = %d, want %d", got, rolesBefore)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM audit_log"); got != auditBefore {
					t.Errorf("audit_log rows = %d, want %d", got, auditBefore)
				}
			})
		}

		var hz auth.Grant
		for _, g := range st.Grants {
			if g.NodeCode == "HZ" {
				hz = g
			}
		}
		g, err := f.Auth.GrantByID(context.Background(), alice.ID, hz.ID)
		if err != nil || *g != hz {
			t.Fatalf("GrantByID = %+v, %v; want %+v", g, err, hz)
		}
		if _, err := f.Auth.GrantByID(context.Background(), bob.ID, hz.ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("GrantByID of another's grant: %v, want not found", err)
		}
		// Another account's grant id cannot be revoked through alice.
		if _, err := f.Auth.RevokeRole(context.Background(), alice.ID, bob.Grants[0].ID); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("revoke bob's grant through alice: %v, want not found", err)
		}
		if b, _ := f.Auth.StaffByID(context.Background(), bob.ID); len(b.Grants) != 1 {
			t.Errorf("bob's grants = %v", b.Grants)
		}

		st, err = f.Auth.RevokeRole(context.Background(), alice.ID, hz.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustGrants(t, f, st, "city_specialist@SH", "city_specialist@SZ")
		if stored, _ := f.Auth.StaffByID(context.Background(), alice.ID); len(stored.Grants) != 2 {
			t.Errorf("stored grants = %v", stored.Grants)
		}
		if n := len(f.Audit(t, audit.Filter{Action: "staff.role.revoke", ObjectID: strconv.FormatInt(alice.ID, 10)})); n != 1 {
			t.Errorf("revoke entries = %d, want 1", n)
		}
		for name, tc := range map[string]struct{ staff, grant int64 }{
			"revoked already": {alice.ID, hz.ID},
			"unknown grant":   {alice.ID, 9999},
			"unknown staff":   {9999, hz.ID},
		} {
			t.Run("revoke "+name, func(t *testing.T) {
				if _, err := f.Auth.RevokeRole(context.Background(), tc.staff, tc.grant); !apperr.Is(err, apperr.NotFound) {
					t.Errorf("err = %v, want not found", err)
				}
			})
		}
		// A revoked role can be granted again.
		if _, err := f.Auth.GrantRole(context.Background(), alice.ID, grant(auth.CitySupervisor, "HZ")); err != nil {
			t.Errorf("grant again: %v", err)
		}
	})
}

func TestUpdateStaff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		alice := mustStaff(t, f, "alice", "SH")
		f.Clock.Advance(time.Hour)
		name, email, en := " Alice 王 ", "alice@example.com", "en"
		st, err := f.Auth.UpdateStaff(context.Background(), alice.ID, auth.StaffUpdate{Name: &name, Email: &email})
		if err != nil {
			t.Fatal(err)
		}
		if st.Name != "Alice 王" || st.Email != email || st.Locale != "zh-CN" || !st.UpdatedAt.Equal(f.Clock.Now()) || !st.Active {
			t.Errorf("updated = %+v", st)
		}
		if stored, _ := f.Auth.StaffByID(context.Background(), alice.ID); stored.Name != "Alice 王" || stored.Email != email {
			t.Errorf("stored = %+v", stored)
		}
		if _, err := f.Auth.UpdateStaff(context.Background(), alice.ID, auth.StaffUpdate{Locale: &en}); err != nil {
			t.Fatal(err)
		}
		if got := len(f.Audit(t, audit.Filter{Action: "staff.update"})); got != 1 {
			t.Errorf("staff.update entries = %d, want 1", got)
		}
		if got := len(f.Audit(t, audit.Filter{Action: "staff.locale"})); got != 1 {
			t.Errorf("staff.locale entries = %d, want 1", got)
		}

		auditBefore := testfix.Count(t, d, "SELECT count(*) FROM audit_log")
		bad, blank, fr := "x@", " ", "fr"
		for _, tc := range []struct {
			name  string
			id    int64
			u     auth.StaffUpdate
			code  apperr.Code
			field string
		}{
			{"nothing changes", alice.ID, auth.StaffUpdate{Name: &st.Name, Locale: &en}, "", ""},
			{"bad email", alice.ID, auth.StaffUpdate{Email: &bad}, apperr.Invalid, "email"},
			{"blank name", alice.ID, auth.StaffUpdate{Name: &blank}, apperr.Invalid, "name"},
			{"bad locale", alice.ID, auth.StaffUpdate{Locale: &fr}, apperr.Invalid, "locale"},
			{"unknown staff", 9999, auth.StaffUpdate{Name: &name}, apperr.NotFound, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.Auth.UpdateStaff(context.Background(), tc.id, tc.u)
				if tc.code == "" {
					if err != nil {
						t.Fatal(err)
					}
				} else {
					testfix.WantErr(t, err, tc.code, tc.field)
				}
				if got := testfix.Count(t, d, "SELECT count(*) FROM audit_log"); got != auditBefore {
					t.Errorf("audit_log rows = %d, want %d", got, auditBefore)
				}
				if stored, _ := f.Auth.StaffByID(context.Background(), alice.ID); stored.Name != "Alice 王" || stored.Email != email || stored.Locale != "en" {
					t.Errorf("stored = %+v", stored)
				}
			})
		}
	})
}
