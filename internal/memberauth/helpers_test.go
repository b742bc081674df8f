package memberauth_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
	"estateclub/internal/sms"
	"estateclub/internal/testfix"
)

// start is a Beijing morning: the clock runs in UTC+8 so that any place
// that forgets to convert to UTC shows up.
var start = time.Date(2026, 11, 23, 9, 0, 0, 0, testfix.CST)

const (
	ip     = "198.51.100.7"
	mobile = "13812345678"
)

// fixture is testfix's tree with the services of the portal and a clock
// that only moves when told.
type fixture struct {
	*testfix.Env
	sms *sms.Service
	svc *memberauth.Service
}

func mustFixture(t *testing.T, d *db.DB) *fixture {
	t.Helper()
	f := &fixture{Env: testfix.New(t, d, testfix.WithClock(start))}
	f.sms = &sms.Service{DB: d, Keys: f.Keys}
	f.svc = f.server()
	return f
}

// server is another portal server on the same database.
func (f *fixture) server() *memberauth.Service {
	return &memberauth.Service{DB: f.DB, Keys: f.Keys, SMS: f.sms, Members: f.Members}
}

func mustMember(t *testing.T, f *fixture, mobile string) *member.Member {
	t.Helper()
	m, _, err := f.Members.Enrol(testfix.Ctx(), member.Application{NodeCode: "SH", Mobile: mobile, Name: "张三"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustSendCode(t *testing.T, f *fixture, mobile string) *memberauth.CodeSent {
	t.Helper()
	sent, err := f.svc.SendCode(context.Background(), mobile, ip, "zh-CN")
	if err != nil {
		t.Fatalf("send code to %s at +%v: %v", mobile, f.Clock.Now().Sub(start), err)
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
		t.Fatalf("sign in %s with %s at +%v: %v", mobile, code, f.Clock.Now().Sub(start), err)
	}
	return sess, tok
}
