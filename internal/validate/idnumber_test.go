package validate

import (
	"testing"
	"time"
)

// testNow is 15 June 2025, 10:00 in Beijing.
var testNow = time.Date(2025, 6, 15, 2, 0, 0, 0, time.UTC)

// withCheck appends the GB 11643 check character to 17 digits, computed
// here from the definition (weights 2^(17-i) mod 11, ISO 7064 MOD 11-2)
// rather than from the package's table.
func withCheck(t *testing.T, body string) string {
	t.Helper()
	if len(body) != 17 || !allDigits(body) {
		t.Fatalf("bad body %q", body)
	}
	sum, w := 0, 1
	for i := 16; i >= 0; i-- {
		w = w * 2 % 11
		sum += int(body[i]-'0') * w
	}
	c := (12 - sum%11) % 11
	if c == 10 {
		return body + "X"
	}
	return body + string(rune('0'+c))
}

// wrongCheck is body with a check character that is not the right one.
func wrongCheck(t *testing.T, body string) string {
	t.Helper()
	good := withCheck(t, body)
	if good[17] == '0' {
		return body + "1"
	}
	return body + "0"
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestIDNumber(t *testing.T) {
	gb := ID{Number: "11010519491231002X", Birthday: date(1949, 12, 31), Gender: "female", Region: "110105"}
	nanshan := withCheck(t, "44030519850302123")
	leap := withCheck(t, "31010420000229246")
	valid := []struct {
		name, in string
		want     ID
	}{
		{"GB 11643 example", "11010519491231002X", gb},
		{"lower-case x", "11010519491231002x", gb},
		{"spaces around", "  11010519491231002X\t", gb},
		{"full-width", "１１０１０５１９４９１２３１００２ｘ", gb},
		{"15-digit", "110105491231002", gb},
		{"15-digit from a spreadsheet", "110105491231002.0", gb},
		{"generated male", nanshan, ID{nanshan, date(1985, 3, 2), "male", "440305"}},
		{"generated leap day", leap, ID{leap, date(2000, 2, 29), "female", "310104"}},
		{"born 1900-01-01", withCheck(t, "51010719000101001"), ID{withCheck(t, "51010719000101001"), date(1900, 1, 1), "male", "510107"}},
		{"born today", withCheck(t, "65010220250615008"), ID{withCheck(t, "65010220250615008"), date(2025, 6, 15), "female", "650102"}},
		{"Hong Kong residence permit", withCheck(t, "81000019900101001"), ID{withCheck(t, "81000019900101001"), date(1990, 1, 1), "male", "810000"}},
		{"Taiwan residence permit", withCheck(t, "83000019900101002"), ID{withCheck(t, "83000019900101002"), date(1990, 1, 1), "female", "830000"}},
	}
	for _, c := range valid {
		t.Run("ok "+c.name, func(t *testing.T) {
			got, err := idNumberAt("id_number", c.in, testNow)
			if err != nil || got != c.want {
				t.Fatalf("IDNumber(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			}
		})
	}

	invalid := []failCase{
		{"", "请填写", "required"},
		{"11010519491231002", "18 位", "18 characters"},
		{"1101051949123100", "18 位", "18 characters"},
		{"11010519491231002X1", "18 位", "18 characters"},
		{"11010519491231002Y", "只能包含数字", "only digits"},
		{"110105-19491231-002X", "只能包含数字", "only digits"},
		{"1101051949123100X2", "最后一位", "last character"},
		{"11010549123100X", "15 位", "15-digit"},
		{"1.10105194912E+17", "科学计数法", "scientific notation"},
		{withCheck(t, "99010519491231002"), "省份代码", "province code"},
		{withCheck(t, "00000019491231002"), "省份代码", "province code"},
		{withCheck(t, "16010519491231002"), "省份代码", "province code"},
		{withCheck(t, "72010519491231002"), "省份代码", "province code"},
		{"990105491231002", "省份代码", "province code"},
		{withCheck(t, "11010519490231002"), "出生日期 19490231 不存在", "not a real date"},
		{withCheck(t, "11010519491301002"), "不存在", "not a real date"},
		{withCheck(t, "11010519490100002"), "不存在", "not a real date"},
		{withCheck(t, "11010519000229002"), "不存在", "not a real date"},
		{"110105491331002", "不存在", "not a real date"},
		{withCheck(t, "11010518991231002"), "早于 1900", "before 1900"},
		{withCheck(t, "11010520250616002"), "晚于今天", "in the future"},
		{withCheck(t, "11010520991231002"), "晚于今天", "in the future"},
		{"110105194912310021", "校验位", "check digit"},
		{wrongCheck(t, "44030519850302123"), "校验位", "check digit"},
		{wrongCheck(t, "31010420000229246"), "校验位", "check digit"},
	}
	for _, c := range invalid {
		t.Run("reject "+c.in, func(t *testing.T) {
			got, err := idNumberAt("id_number", c.in, testNow)
			if got != (ID{}) {
				t.Errorf("got %+v with an error", got)
			}
			mustInvalid(t, err, "id_number", c.zh, c.en)
		})
	}
}

// TestIDNumberToday checks "not in the future" against the date in Beijing:
// at 20:00 UTC on 15 June it is already 16 June there.
func TestIDNumberToday(t *testing.T) {
	in := withCheck(t, "11010520250616002")
	late := time.Date(2025, 6, 15, 20, 0, 0, 0, time.UTC)
	if _, err := idNumberAt("id", in, late); err != nil {
		t.Fatalf("born 16 June, at 04:00 on 16 June in Beijing: %v", err)
	}
	if _, err := IDNumber("id", "11010519491231002X"); err != nil {
		t.Fatalf("IDNumber with the real clock: %v", err)
	}
}

func TestIDCheckChar(t *testing.T) {
	for _, body := range []string{"11010519491231002", "44030519850302123", "00000000000000000", "99999999999999999", "12345678901234567"} {
		if got, want := string(idCheckChar(body)), withCheck(t, body)[17:]; got != want {
			t.Errorf("check of %s = %s, want %s", body, got, want)
		}
	}
}

func FuzzIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "11010519491231002x", "110105491231002",
		"１１０１０５１９４９１２３１００２ｘ", "110105194912310021", "1.10105E+17", "", "X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := idNumberAt("id", s, testNow)
		if err != nil {
			mustValidError(t, err, "id")
			return
		}
		if len(id.Number) != 18 || id.Region != id.Number[:6] || id.Birthday.IsZero() ||
			id.Gender != "male" && id.Gender != "female" {
			t.Fatalf("IDNumber(%q) = %+v, malformed", s, id)
		}
		again, err := idNumberAt("id", id.Number, testNow)
		if err != nil || again != id {
			t.Fatalf("IDNumber(%q) = %+v, but IDNumber(%q) = %+v, %v", s, id, id.Number, again, err)
		}
	})
}
