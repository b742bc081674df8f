package validate

import (
	"fmt"
	"regexp"
	"testing"
)

func TestMobile(t *testing.T) {
	valid := []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{" 138-1234-5678 ", "13812345678"},
		{"138 1234 5678", "13812345678"},
		{"138.1234.5678", "13812345678"},
		{"(138)12345678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"+86-138-1234-5678", "13812345678"},
		{"(+86) 138 1234 5678", "13812345678"},
		{"0086 13812345678", "13812345678"},
		{"008613812345678", "13812345678"},
		{"8613812345678", "13812345678"},
		{"86 138 1234 5678", "13812345678"},
		{"１３８１２３４５６７８", "13812345678"},
		{"＋８６　１３８－１２３４－５６７８", "13812345678"},
		{"（１３８）１２３４５６７８", "13812345678"},
		{"138—1234—5678", "13812345678"},
		{"\u200b13812345678\ufeff", "13812345678"},
		{"13812345678.0", "13812345678"},
		{"13812345678.000", "13812345678"},
		{"1.3812345678E10", "13812345678"},
		{"1.3812345678E+10", "13812345678"},
		{"1.3812345678e10", "13812345678"},
		{"1.381234567E10", "13812345670"},
	}
	for _, p := range []string{"130", "139", "145", "149", "150", "153", "155", "159", "162",
		"165", "166", "167", "170", "174", "178", "180", "189", "190", "192", "193", "195", "199"} {
		valid = append(valid, struct{ in, want string }{p + "12345678", p + "12345678"})
	}
	for _, c := range valid {
		t.Run("ok "+c.in, func(t *testing.T) {
			got, err := Mobile("mobile", c.in)
			if err != nil || got != c.want {
				t.Fatalf("Mobile(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}

	invalid := []failCase{
		{"", "请填写", "required"},
		{"   ", "请填写", "required"},
		{"1381234567", "11 位", "11 digits"},
		{"138123456789", "11 位", "11 digits"},
		{"+86 138 1234 567", "11 位", "11 digits"},
		{"23812345678", "以 1 开头", "starts with 1"},
		{"12812345678", "第二位", "second digit"},
		{"11812345678", "第二位", "second digit"},
		{"10812345678", "第二位", "second digit"},
		{"14012345678", "号段 140", "prefix 140"},
		{"14412345678", "号段 144", "prefix 144"},
		{"15412345678", "号段 154", "prefix 154"},
		{"16012345678", "号段 160", "prefix 160"},
		{"16812345678", "号段 168", "prefix 168"},
		{"17912345678", "号段 179", "prefix 179"},
		{"19412345678", "号段 194", "prefix 194"},
		{"138abcd5678", "只能包含数字", "only digits"},
		{"1381234567O", "只能包含数字", "only digits"},
		{"13812345678 ext 1", "只能包含数字", "only digits"},
		{"13812345678.5", "11 位", "11 digits"}, // the dot is read as a separator
		{"138/1234/5678", "只能包含数字", "only digits"},
		{"+1 415 555 0100", "中国大陆", "mainland China"},
		{"+852 9123 4567", "中国大陆", "mainland China"},
		{"1.38123E+10", "科学计数法", "scientific notation"},
		{"1.38E+10", "科学计数法", "scientific notation"},
	}
	for _, c := range invalid {
		t.Run("reject "+c.in, func(t *testing.T) {
			got, err := Mobile("mobile", c.in)
			if got != "" {
				t.Errorf("got %q with an error", got)
			}
			mustInvalid(t, err, "mobile", c.zh, c.en)
		})
	}
}

// TestMobilePrefixTable checks every prefix 100–199 against the table written
// as one regular expression.
func TestMobilePrefixTable(t *testing.T) {
	allocated := regexp.MustCompile(`^1(3[0-9]|4[5-9]|5[0-35-9]|6[2567]|7[0-8]|8[0-9]|9[0-35-9])[0-9]{8}$`)
	for p := 100; p <= 199; p++ {
		n := fmt.Sprintf("%d87654321", p)
		_, err := Mobile("mobile", n)
		if got, want := err == nil, allocated.MatchString(n); got != want {
			t.Errorf("prefix %d: accepted = %v, want %v (%v)", p, got, want, err)
		}
	}
}

func FuzzMobile(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138-1234-5678", "００８６１３８１２３４５６７８",
		"1.3812345678E10", "13812345678.0", "86138123456", "1.38E+10", "+1", "", "1e99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Mobile("mobile", s)
		if err != nil {
			mustValidError(t, err, "mobile")
			return
		}
		if len(got) != 11 || !allDigits(got) {
			t.Fatalf("Mobile(%q) = %q, not 11 digits", s, got)
		}
		again, err := Mobile("mobile", got)
		if err != nil || again != got {
			t.Fatalf("Mobile(%q) = %q, but Mobile(%q) = %q, %v", s, got, got, again, err)
		}
	})
}
