package memberauth_test

import (
	"bytes"
	"context"
	"regexp"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/sms"
)

// start is a Beijing morning: the clock runs in UTC+8 so that any place
// that forgets to convert to UTC shows up.
var start = time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

const (
	ip     = "198.51.100.7"
	mobile = "13812345678"
)

// fixture is one database with a city company, the services of the portal
// and a clock that only moves when told.
type fixture struct {
	d       *db.DB
	now     time.Time
	keys    *pii.Keys
	sms     *sms.Service
	members *member.Service
	svc     *memberauth.Service
}

func (f *fixture) advance(d time.Duration) { f.now = f.now.Add(d) }

func mustFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	keys, err := pii.NewKeys(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{d: d, now: start, keys: keys}
	d.Clock = func() time.Time { return f.now }
	for _, n := range []org.NewNode{
		{ParentCode: "GROUP", Kind: org.Region, Code: "EAST", Name: "华东"},
		{ParentCode: "EAST", Kind: org.City, Code: "SH", Name: "上海"},
	} {
		if _, err := (&org.Service{DB: d}).Create(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	f.sms = &sms.Service{DB: d, Keys: keys}
	f.members = &member.Service{DB: d, Keys: keys}
	f.svc = f.server()
	return f
}

// server is another portal server on the same database.
func (f *fixture) server() *memberauth.Service {
	return &memberauth.Service{DB: f.d, Keys: f.keys, SMS: f.sms, Members: f.members}
}

func mustMember(t *testing.T, f *fixture, mobile string) *member.Member {
	t.Helper()
	ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", Login: "tester"})
	m, _, err := f.members.Enrol(ctx, member.Application{NodeCode: "SH", Mobile: mobile, Name: "张三"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustSendCode(t *testing.T, f *fixture, mobile string) *memberauth.CodeSent {
	t.Helper()
	sent, err := f.svc.SendCode(context.Background(), mobile, ip, "zh-CN")
	if err != nil {
		t.Fatalf("send code to %s at +%v: %v", mobile, f.now.Sub(start), err)
	}
	return sent
}

var codeRe = regexp.MustCompile(`[0-9]{6}`)

// lastCode reads the code of the newest message to mobile from the outbox.
func lastCode(t *testing.T, f *fixture, mobile string) string {
	t.Helper()
	ms, _, err := f.sms.Messages(context.Background(), sms.Filter{Mobile: mobile, Limit: 1})
	if err != nil || len(ms) == 0 {
		t.Fatalf("no message to %s: %v", mobile, err)
	}
	code := codeRe.FindString(ms[0].Text)
	if code == "" {
		t.Fatalf("no code in %q", ms[0].Text)
	}
	return code
}

func mustSignIn(t *testing.T, f *fixture, mobile, code string) (*memberauth.Session, string) {
	t.Helper()
	sess, tok, err := f.svc.SignIn(context.Background(), mobile, code, ip, "test-agent")
	if err != nil {
		t.Fatalf("sign in %s with %s at +%v: %v", mobile, code, f.now.Sub(start), err)
	}
	return sess, tok
}

// mustErr checks an error's code and, when given, its field.
func mustErr(t *testing.T, err error, code apperr.Code, field string) *apperr.Error {
	t.Helper()
	if !apperr.Is(err, code) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	e := apperr.As(err)
	if field != "" && e.Field != field {
		t.Errorf("field = %q, want %q", e.Field, field)
	}
	if e.ZH == "" || e.EN == "" {
		t.Errorf("error %v lacks a Chinese or English message", err)
	}
	return e
}

func mustCount(t *testing.T, d *db.DB, query string, args ...any) int {
	t.Helper()
	var n int
	err := d.View(context.Background(), func(tx *db.Tx) (err error) {
		n, err = tx.Count(context.Background(), query, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
