package testfix

import (
	"fmt"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/member"
)

// Password passes the password policy; every account Staff makes has it.
const Password = "Passw0rd-2025"

// Staff makes an active account at node holding role there (no role when
// role is ""), named after login, with Password.
func (e *Env) Staff(t testing.TB, login string, role auth.Role, node string) *auth.Staff {
	t.Helper()
	in := auth.NewStaff{Login: login, NodeCode: node}
	if role != "" {
		in.Grants = []auth.NewGrant{{Role: role, NodeCode: node}}
	}
	return e.NewStaff(t, in)
}

// NewStaff makes the account in describes through the auth service; an
// empty name is "员工 <login>", an empty password Password.
func (e *Env) NewStaff(t testing.TB, in auth.NewStaff) *auth.Staff {
	t.Helper()
	if in.Name == "" {
		in.Name = "员工 " + in.Login
	}
	if in.Password == "" {
		in.Password = Password
	}
	st, err := e.Auth.CreateStaff(Ctx(), in)
	if err != nil {
		t.Fatalf("create staff %s: %v", in.Login, err)
	}
	return st
}

// Application is a new person's application to join at node, from the
// sales site: a distinct name and mobile each time.
func (e *Env) Application(node string) member.Application {
	n := int(e.seq.Add(1))
	return member.Application{NodeCode: node, Channel: member.SalesSite, Name: ChineseName(n), Mobile: fmt.Sprintf("1380000%04d", n)}
}

// Apply submits an application and returns the member, pending review.
func (e *Env) Apply(t testing.TB, a member.Application) *member.Member {
	t.Helper()
	m, _, err := e.Members.Apply(Ctx(), a)
	if err != nil {
		t.Fatalf("apply at %s: %v", a.NodeCode, err)
	}
	return m
}

// Approve submits an application and approves it: an active member.
func (e *Env) Approve(t testing.TB, a member.Application) int64 {
	t.Helper()
	m := e.Apply(t, a)
	if _, err := e.Members.Review(Ctx(), m.ID, true, ""); err != nil {
		t.Fatalf("approve member %d: %v", m.ID, err)
	}
	return m.ID
}

// Member makes an approved (active) member who joined at node.
func (e *Env) Member(t testing.TB, node string) int64 {
	t.Helper()
	return e.Approve(t, e.Application(node))
}

// ChineseName is the n-th of a thousand distinct names (member names hold
// no digits).
func ChineseName(n int) string {
	const surnames, given = "王李张刘陈杨黄赵吴周", "伟芳娜敏静丽强磊洋艳"
	s, g := []rune(surnames), []rune(given)
	return string(s[n%len(s)]) + string(g[n/len(s)%len(g)]) + string(g[n/len(s)/len(g)%len(g)])
}
