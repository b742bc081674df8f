package validate

import (
	"strings"
	"testing"
)

func TestHalfwidth(t *testing.T) {
	cases := []struct{ in, want string }{
		{"ＡＢＣ１２３", "ABC123"},
		{"＋８６（１３８）", "+86(138)"},
		{"张\u3000三", "张 三"},
		{"ｚｈａｎｇ＠ｑｑ．ｃｏｍ", "zhang@qq.com"},
		{"张三，你好。", "张三,你好。"},
		{"迪丽热巴·迪力木拉提", "迪丽热巴·迪力木拉提"},
		{"ｶﾀｶﾅ", "カタカナ"},
		{"", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got := Halfwidth(c.in); got != c.want {
				t.Errorf("Halfwidth(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestRequired(t *testing.T) {
	for _, c := range []struct{ in, want string }{{"x", "x"}, {"  上海 ", "上海"}, {"a b", "a b"}} {
		t.Run("ok "+c.in, func(t *testing.T) {
			if got, err := Required("city", c.in); err != nil || got != c.want {
				t.Errorf("Required(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
	for _, in := range []string{"", "   ", "\u3000", "\t\n", "\u200b"} {
		t.Run("reject "+in, func(t *testing.T) {
			_, err := Required("city", in)
			mustInvalid(t, err, "city", "必填", "required")
		})
	}
}

func TestGender(t *testing.T) {
	cases := []struct{ in, want string }{
		{"男", "male"}, {"男性", "male"}, {"先生", "male"}, {"male", "male"}, {"Male", "male"},
		{"M", "male"}, {"m", "male"}, {" ｍ ", "male"}, {"1", "male"},
		{"女", "female"}, {"女性", "female"}, {"女士", "female"}, {"小姐", "female"},
		{"FEMALE", "female"}, {"F", "female"}, {"Ｆ", "female"}, {"2", "female"},
		{"", ""}, {"  ", ""},
	}
	for _, c := range cases {
		t.Run("ok "+c.in, func(t *testing.T) {
			if got, err := Gender("gender", c.in); err != nil || got != c.want {
				t.Errorf("Gender(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
	for _, in := range []string{"x", "男女", "未知", "0", "mf", "boy"} {
		t.Run("reject "+in, func(t *testing.T) {
			got, err := Gender("gender", in)
			if got != "" {
				t.Errorf("got %q with an error", got)
			}
			mustInvalid(t, err, "gender", "男 或 女", "male or female")
		})
	}
}

func TestName(t *testing.T) {
	forty := strings.Repeat("张", 40)
	valid := []struct{ in, want string }{
		{"张三", "张三"},
		{"  张三  ", "张三"},
		{"张三\r\n", "张三"},
		{"张　三", "张三"},
		{"欧阳 娜娜", "欧阳娜娜"},
		{"李", "李"},
		{"迪丽热巴·迪力木拉提", "迪丽热巴·迪力木拉提"},
		{"迪丽热巴・迪力木拉提", "迪丽热巴·迪力木拉提"},
		{"迪丽热巴•迪力木拉提", "迪丽热巴·迪力木拉提"},
		{"迪丽热巴 · 迪力木拉提", "迪丽热巴·迪力木拉提"},
		{"John  Smith", "John Smith"},
		{"Ｊｏｈｎ　Ｓｍｉｔｈ", "John Smith"},
		{"O'Brien", "O'Brien"},
		{"Mary-Jane Watson", "Mary-Jane Watson"},
		{"J. R. R. Tolkien", "J. R. R. Tolkien"},
		{"José Núñez", "José Núñez"},
		{"张 John", "张 John"},
		{"王〇", "王〇"},
		{"\u200b张三", "张三"},
		{forty, forty},
	}
	for _, c := range valid {
		t.Run("ok "+c.in, func(t *testing.T) {
			got, err := Name("name", c.in)
			if err != nil || got != c.want {
				t.Fatalf("Name(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
			if again, err := Name("name", got); err != nil || again != got {
				t.Errorf("not idempotent: Name(%q) = %q, %v", got, again, err)
			}
		})
	}
	invalid := []failCase{
		{"", "请填写", "required"},
		{"\u3000 ", "请填写", "required"},
		{forty + "张", "40", "40 characters"},
		{"13812345678", "全是数字", "only digits"},
		{"１２３", "全是数字", "only digits"},
		{"张\n三", "控制字符", "control characters"},
		{"张\t三", "控制字符", "control characters"},
		{"张\x00三", "控制字符", "control characters"},
		{"...", "应包含文字", "must contain letters"},
		{"😀", "应包含文字", "must contain letters"},
		{"张三2", "“2”", "“2”"},
		{"张三😀", "“😀”", "“😀”"},
		{"<script>", "“<”", "“<”"},
		{"a@b", "“@”", "“@”"},
	}
	for _, c := range invalid {
		t.Run("reject "+c.in, func(t *testing.T) {
			got, err := Name("name", c.in)
			if got != "" {
				t.Errorf("got %q with an error", got)
			}
			mustInvalid(t, err, "name", c.zh, c.en)
		})
	}
}
