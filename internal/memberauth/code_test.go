package memberauth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/member"
	"estateclub/internal/memberauth"
	"estateclub/internal/sms"
	"estateclub/internal/testfix"
)

func TestSignInWithCode(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		m := mustMember(t, f, mobile)
		sent := mustSendCode(t, f, "+86 138-1234-5678")
		if !sent.ExpiresAt.Equal(f.Clock.Now().Add(5*time.Minute)) || !sent.ResendAt.Equal(f.Clock.Now().Add(time.Minute)) {
			t.Errorf("sent = %+v", sent)
		}
		ms, _, _ := f.sms.Messages(context.Background(), sms.Filter{Mobile: mobile})
		code := lastCode(t, f, mobile)
		if len(ms) != 1 || ms[0].Text != "【客户会】验证码 "+code+"，5 分钟内有效，请勿告知他人。" || ms[0].Purpose != "login_code" {
			t.Fatalf("messages %+v", ms)
		}
		// Only a keyed hash of the code is stored.
		if n := testfix.Count(t, d, "SELECT count(*) FROM member_login_codes WHERE code_hash = ? OR code_hash LIKE ?", code, "%"+code+"%"); n != 0 {
			t.Fatal("the code is stored in clear")
		}

		sess, tok := mustSignIn(t, f, "１３８１２３４５６７８", " "+code+" ")
		if sess.MemberID != m.ID || sess.Mobile != mobile || sess.CSRFToken == "" || !sess.ExpiresAt.Equal(f.Clock.Now().Add(30*time.Minute)) {
			t.Fatalf("session = %+v", sess)
		}
		if raw, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(raw) != 32 {
			t.Fatalf("token %q: %v", tok, err)
		}
		sum := sha256.Sum256([]byte(tok))
		if n := testfix.Count(t, d, "SELECT count(*) FROM member_sessions WHERE token_hash = ?", hex.EncodeToString(sum[:])); n != 1 {
			t.Fatal("the session is not stored under the token's SHA-256")
		}
		if n := testfix.Count(t, d, "SELECT count(*) FROM member_sessions WHERE token_hash = ? OR csrf_token = ?", tok, tok); n != 0 {
			t.Fatal("the token is stored in clear")
		}
		got, err := f.svc.Session(context.Background(), tok)
		if err != nil || got.ID != sess.ID || got.MemberID != m.ID || got.Mobile != mobile || got.CSRFToken != sess.CSRFToken {
			t.Fatalf("session lookup: %v %+v", err, got)
		}
		if n := testfix.Count(t, d, "SELECT count(*) FROM audit_log WHERE action = 'member.sign_in' AND actor_kind = 'member' AND actor_id = ?", m.ID); n != 1 {
			t.Errorf("sign-in audited %d times", n)
		}
		// A code works once.
		_, _, err = f.svc.SignIn(context.Background(), mobile, code, ip, "")
		testfix.WantErr(t, err, apperr.Unauthorized, "code")
	})
}

func TestNotYetAMemberThenJoins(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		const stranger = "13900001111"
		// The answer is the same for members and strangers: no enumeration.
		got, err := f.svc.SendCode(context.Background(), stranger, ip, "en")
		if err != nil || !got.ExpiresAt.Equal(f.Clock.Now().Add(5*time.Minute)) {
			t.Fatalf("stranger: %v %+v", err, got)
		}
		code := lastCode(t, f, stranger)
		ms, _, _ := f.sms.Messages(context.Background(), sms.Filter{Mobile: stranger})
		if !strings.HasPrefix(ms[0].Text, "[Customer Club] Your code is "+code) {
			t.Errorf("English text %q", ms[0].Text)
		}
		sess, tok := mustSignIn(t, f, stranger, code)
		if sess.MemberID != 0 || sess.Mobile != stranger {
			t.Fatalf("session = %+v", sess)
		}
		other := mustMember(t, f, mobile)
		err = f.svc.Attach(context.Background(), sess.ID, other.ID)
		testfix.WantErr(t, err, apperr.Forbidden, "")
		// Joins online with the signed-in number, then the session is theirs.
		joined, _, err := f.Members.Apply(context.Background(), member.Application{NodeCode: "SH", Channel: member.Online, Mobile: sess.Mobile, Name: "李四"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Attach(context.Background(), sess.ID, joined.ID); err != nil {
			t.Fatal(err)
		}
		if s, err := f.svc.Session(context.Background(), tok); err != nil || s.MemberID != joined.ID {
			t.Fatalf("after attach: %v %+v", err, s)
		}
	})
}

func TestWrongCodes(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustSendCode(t, f, mobile)
		code := lastCode(t, f, mobile)
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		for i := 1; i < 5; i++ {
			_, _, err := f.svc.SignIn(context.Background(), mobile, wrong, ip, "")
			e := testfix.WantErr(t, err, apperr.Unauthorized, "code")
			if !strings.Contains(e.ZH, "还可尝试") {
				t.Errorf("try %d: %q", i, e.ZH)
			}
		}
		// The fifth wrong try kills the code: even the right one fails now.
		_, _, err := f.svc.SignIn(context.Background(), mobile, wrong, ip, "")
		testfix.WantErr(t, err, apperr.TooMany, "code")
		_, _, err = f.svc.SignIn(context.Background(), mobile, code, ip, "")
		testfix.WantErr(t, err, apperr.TooMany, "code")
		if n := testfix.Count(t, d, "SELECT count(*) FROM member_sessions"); n != 0 {
			t.Fatalf("%d sessions opened", n)
		}
		_, _, err = f.svc.SignIn(context.Background(), mobile, "12ab", ip, "")
		testfix.WantErr(t, err, apperr.Invalid, "code")
		_, _, err = f.svc.SignIn(context.Background(), "138", code, ip, "")
		testfix.WantErr(t, err, apperr.Invalid, "mobile")
		// A new code (after the resend wait) works.
		f.Clock.Advance(time.Minute)
		mustSendCode(t, f, mobile)
		mustSignIn(t, f, mobile, lastCode(t, f, mobile))
	})
}

func TestCodeExpiresAndOnlyTheLatestWorks(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustSendCode(t, f, mobile)
		code := lastCode(t, f, mobile)
		f.Clock.Advance(5*time.Minute - time.Second)
		// Still valid; but a newer code replaces it.
		mustSendCode(t, f, mobile)
		newer := lastCode(t, f, mobile)
		if newer != code {
			_, _, err := f.svc.SignIn(context.Background(), mobile, code, ip, "")
			testfix.WantErr(t, err, apperr.Unauthorized, "code")
		}
		f.Clock.Advance(5 * time.Minute)
		_, _, err := f.svc.SignIn(context.Background(), mobile, newer, ip, "")
		e := testfix.WantErr(t, err, apperr.Unauthorized, "code")
		if !strings.Contains(e.ZH, "过期") || !strings.Contains(e.EN, "expired") {
			t.Errorf("message %q / %q", e.ZH, e.EN)
		}
		// Never sent: the same answer.
		_, _, err = f.svc.SignIn(context.Background(), "13900001111", newer, ip, "")
		testfix.WantErr(t, err, apperr.Unauthorized, "code")
	})
}

func TestResendTooSoon(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		mustSendCode(t, f, mobile)
		f.Clock.Advance(30 * time.Second)
		_, err := f.svc.SendCode(context.Background(), mobile, ip, "")
		e := testfix.WantErr(t, err, apperr.TooMany, "mobile")
		if !strings.Contains(e.ZH, "30 秒") || !strings.Contains(e.EN, "30 seconds") {
			t.Errorf("retry time missing: %q / %q", e.ZH, e.EN)
		}
		f.Clock.Advance(30 * time.Second)
		mustSendCode(t, f, mobile)
		if n := testfix.Count(t, d, "SELECT count(*) FROM sms_messages"); n != 2 {
			t.Fatalf("%d messages sent, want 2", n)
		}
		_, err = f.svc.SendCode(context.Background(), "12345", ip, "")
		testfix.WantErr(t, err, apperr.Invalid, "mobile")
	})
}

func TestPerMobileLimits(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		for range 5 {
			mustSendCode(t, f, mobile)
			f.Clock.Advance(61 * time.Second)
		}
		// Five in the hour: the sixth waits until the first is an hour old.
		_, err := f.svc.SendCode(context.Background(), mobile, ip, "")
		e := testfix.WantErr(t, err, apperr.TooMany, "mobile")
		left := start.Add(time.Hour).Sub(f.Clock.Now())
		if want := int((left + time.Minute - 1) / time.Minute); !strings.Contains(e.EN, "minutes") || !strings.Contains(e.ZH, " 分钟") || want != 55 {
			t.Errorf("message %q / %q, want about %d minutes", e.ZH, e.EN, want)
		}
		f.Clock.Set(start.Add(time.Hour + time.Second))
		for range 5 {
			mustSendCode(t, f, mobile)
			f.Clock.Advance(61 * time.Second)
		}
		// Ten today: even after another hour, no more until a day has passed.
		f.Clock.Advance(time.Hour)
		_, err = f.svc.SendCode(context.Background(), mobile, ip, "")
		e = testfix.WantErr(t, err, apperr.TooMany, "mobile")
		if !strings.Contains(e.ZH, "今日") || !strings.Contains(e.EN, "hours") {
			t.Errorf("day limit message %q / %q", e.ZH, e.EN)
		}
		f.Clock.Set(start.Add(24*time.Hour + time.Second))
		mustSendCode(t, f, mobile)
		// Other numbers were never limited.
		mustSendCode(t, f, "13900001111")
	})
}

func TestPerIPLimitAcrossServers(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		servers := []*memberauth.Service{f.svc, f.server()}
		for i := range 20 {
			num := "1390000" + pad4(i)
			if _, err := servers[i%2].SendCode(context.Background(), num, ip, ""); err != nil {
				t.Fatalf("code %d: %v", i, err)
			}
		}
		_, err := servers[1].SendCode(context.Background(), "13700000000", ip, "")
		testfix.WantErr(t, err, apperr.TooMany, "")
		// Another address is not affected; the first frees up after an hour.
		if _, err := servers[0].SendCode(context.Background(), "13700000000", "203.0.113.9", ""); err != nil {
			t.Fatal(err)
		}
		f.Clock.Advance(time.Hour + time.Second)
		if _, err := servers[1].SendCode(context.Background(), "13700000001", ip, ""); err != nil {
			t.Fatal(err)
		}
	})
}

func pad4(i int) string { return fmt.Sprintf("%04d", i) }

// Concurrent requests for one number, on several servers, never send more
// codes than the limits allow.
func TestConcurrentRequestsRespectLimits(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		for _, tc := range []struct {
			name   string
			limits memberauth.Limits
			want   int
		}{
			{"resend wait", memberauth.DefaultLimits, 1},
			{"hourly cap", func() memberauth.Limits { l := memberauth.DefaultLimits; l.ResendAfter = 0; return l }(), 5},
		} {
			t.Run(tc.name, func(t *testing.T) {
				num := map[int]string{1: "13800000001", 5: "13800000005"}[tc.want]
				var wg sync.WaitGroup
				var mu sync.Mutex
				ok, refused := 0, 0
				for i := range 20 {
					svc := f.server()
					svc.Limits = tc.limits
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := svc.SendCode(context.Background(), num, fmt.Sprintf("192.0.2.%d", i), "")
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							ok++
						case apperr.Is(err, apperr.TooMany):
							refused++
						default:
							t.Errorf("send: %v", err)
						}
					}()
				}
				wg.Wait()
				if ok != tc.want || refused != 20-tc.want {
					t.Fatalf("%d sent, %d refused; want %d sent", ok, refused, tc.want)
				}
				ms, total, _ := f.sms.Messages(context.Background(), sms.Filter{Mobile: num})
				if total != tc.want || len(ms) != tc.want {
					t.Fatalf("%d messages stored", total)
				}
			})
		}
	})
}
