package validate

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ID is a resident identity card number (居民身份证号码, GB 11643-1999) and
// what it says about its holder.
type ID struct {
	Number   string    // the 18-character number, check character X upper-case
	Birthday time.Time // date of birth, UTC midnight
	Gender   string    // "male" or "female", from the 17th digit
	Region   string    // first 6 digits: the administrative division of issue
}

// provinceCodes are the first two digits of an ID number (GB/T 2260):
// provinces, autonomous regions and municipalities, plus 71 Taiwan, 81 Hong
// Kong and 82 Macao, which the residence permits for their residents use, and
// 83, used on residence permits issued to Taiwan residents.
var provinceCodes = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "81": true, "82": true, "83": true,
}

// chinaZone is Beijing time, fixed at UTC+8 (no daylight saving since 1991),
// so "not in the future" does not depend on tzdata being installed.
var chinaZone = time.FixedZone("CST", 8*60*60)

var (
	// legacyFloat is a 15-digit number that a spreadsheet stored as a number.
	legacyFloat = regexp.MustCompile(`^([0-9]{15})\.0+$`)
	// idScientific is an 18-digit number a spreadsheet stored as a number and
	// shows in scientific notation; beyond 15 digits the rest are gone.
	idScientific = regexp.MustCompile(`^[0-9]\.[0-9]+E\+?[0-9]+$`)
)

// IDNumber checks a resident identity card number and returns it in the
// 18-character form with the birthday, gender and region it encodes. It
// accepts a lower-case x, full-width characters and surrounding spaces, and
// converts a 15-digit number from before 1999 (born 19YYMMDD) by adding the
// century and computing the check character. Errors say whether the length or
// characters, the region, the birth date or the check character is wrong.
// "Not in the future" means not after today's date in Beijing.
func IDNumber(field, s string) (ID, error) {
	return idNumberAt(field, s, time.Now())
}

// idNumberAt is IDNumber with the clock passed in, for tests.
func idNumberAt(field, s string, now time.Time) (ID, error) {
	s = strings.ToUpper(clean(s))
	if s == "" {
		return ID{}, invalid(field, "请填写身份证号", "an ID number is required")
	}
	if m := legacyFloat.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	if idScientific.MatchString(s) {
		return ID{}, invalid(field,
			"身份证号被表格软件显示为科学计数法，位数已丢失，请把该列设为文本后重新导出",
			"the spreadsheet shows this ID number in scientific notation and has lost digits; format the column as text and export again")
	}
	if err := checkIDShape(field, s); err != nil {
		return ID{}, err
	}
	legacy := len(s) == 15
	if legacy {
		s = s[:6] + "19" + s[6:]
	}
	if !provinceCodes[s[:2]] {
		return ID{}, invalid(field, "身份证号前两位不是有效的省份代码", "the ID number does not start with a valid province code")
	}
	birthday, err := idBirthday(field, s[6:14], now)
	if err != nil {
		return ID{}, err
	}
	check := idCheckChar(s[:17])
	if legacy {
		s += string(check)
	} else if s[17] != check {
		return ID{}, invalid(field, "身份证号校验位不正确，请核对号码", "the ID number's check digit is wrong; please check the number")
	}
	gender := "female"
	if (s[16]-'0')%2 == 1 {
		gender = "male"
	}
	return ID{Number: s, Birthday: birthday, Gender: gender, Region: s[:6]}, nil
}

// checkIDShape accepts 18 characters (17 digits and a digit or X) or 15 digits.
func checkIDShape(field, s string) error {
	n := len(s)
	ok := n == 15 && allDigits(s) ||
		n == 18 && allDigits(s[:17]) && (s[17] == 'X' || allDigits(s[17:]))
	switch {
	case ok:
		return nil
	case strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != 'X' }) >= 0:
		return invalid(field, "身份证号只能包含数字，最后一位可以是 X", "an ID number has only digits, with X allowed as the last character")
	case n == 15:
		return invalid(field, "15 位旧身份证号只能包含数字", "an old 15-digit ID number has only digits")
	case n == 18:
		return invalid(field, "身份证号只有最后一位可以是 X", "only the last character of an ID number can be X")
	default:
		return invalid(field, "身份证号应为 18 位（旧号码为 15 位）", "an ID number has 18 characters (15 for the old format)")
	}
}

// idBirthday checks the YYYYMMDD birth date inside an ID number.
func idBirthday(field, ymd string, now time.Time) (time.Time, error) {
	y, _ := strconv.Atoi(ymd[:4])
	m, _ := strconv.Atoi(ymd[4:6])
	d, _ := strconv.Atoi(ymd[6:])
	date, ok := makeDate(y, m, d)
	if !ok {
		return time.Time{}, invalid(field, "身份证号中的出生日期 "+ymd+" 不存在", "the birth date "+ymd+" in the ID number is not a real date")
	}
	if y < 1900 {
		return time.Time{}, invalid(field, "身份证号中的出生日期早于 1900 年", "the birth date in the ID number is before 1900")
	}
	if date.After(dateOf(now.In(chinaZone))) {
		return time.Time{}, invalid(field, "身份证号中的出生日期晚于今天", "the birth date in the ID number is in the future")
	}
	return date, nil
}

// idWeights are 2^(17-i) mod 11, the ISO 7064 MOD 11-2 weights of GB 11643.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheckChar computes the check character of the first 17 digits.
func idCheckChar(body string) byte {
	sum := 0
	for i := range 17 {
		sum += int(body[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}
