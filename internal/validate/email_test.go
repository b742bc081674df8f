package validate

import (
	"strings"
	"testing"
)

func TestEmail(t *testing.T) {
	valid := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"user@example.com", "user@example.com"},
		{" User.Name+tag@Example.COM ", "User.Name+tag@example.com"},
		{"zhang_san@QQ.com", "zhang_san@qq.com"},
		{"ｚｈａｎｇ＠ｑｑ．ｃｏｍ", "zhang@qq.com"},
		{"zhang@qq。com", "zhang@qq.com"},
		{"a@mail.sub.example.com.cn", "a@mail.sub.example.com.cn"},
		{"x@xn--fiqs8s.cn", "x@xn--fiqs8s.cn"},
		{"x@例子.中国", "x@例子.中国"},
		{strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 64) + "@example.com"},
	}
	for _, c := range valid {
		t.Run("ok "+c.in, func(t *testing.T) {
			got, err := Email("email", c.in)
			if err != nil || got != c.want {
				t.Fatalf("Email(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			if again, err := Email("email", got); err != nil || again != got {
				t.Errorf("not idempotent: Email(%q) = %q, %v", got, again, err)
			}
		})
	}
	bad := "格式不正确"
	invalid := []failCase{
		{"user", bad, "not a valid email"},
		{"user@", bad, "not a valid email"},
		{"@example.com", bad, "not a valid email"},
		{"user@@example.com", bad, "not a valid email"},
		{"user@localhost", bad, "not a valid email"},
		{"user@[10.0.0.1]", bad, "not a valid email"},
		{"user@10.0.0.1", bad, "not a valid email"},
		{"user@example..com", bad, "not a valid email"},
		{"user@-example.com", bad, "not a valid email"},
		{"user@example-.com", bad, "not a valid email"},
		{"user@exa_mple.com", bad, "not a valid email"},
		{"user name@example.com", bad, "not a valid email"},
		{"Zhang San <zhang@qq.com>", bad, "not a valid email"},
		{"<zhang@qq.com>", bad, "not a valid email"},
		{"zhang@qq.com (home)", bad, "not a valid email"},
		{`"zhang san"@qq.com`, bad, "not a valid email"},
		{"a@b.com, c@d.com", bad, "not a valid email"},
		{"a@b.com;c@d.com", bad, "not a valid email"},
		{strings.Repeat("a", 65) + "@example.com", bad, "not a valid email"},
		{"a@" + strings.Repeat("b", 64) + ".com", bad, "not a valid email"},
		{"a@" + strings.Repeat("b.", 130) + "com", "过长", "too long"},
	}
	for _, c := range invalid {
		t.Run("reject "+c.in, func(t *testing.T) {
			got, err := Email("email", c.in)
			if got != "" {
				t.Errorf("got %q with an error", got)
			}
			mustInvalid(t, err, "email", c.zh, c.en)
		})
	}
}
