package validate

import (
	"regexp"
	"strings"
)

// mobilePrefixes are the three-digit prefixes (号段) allocated to public mobile
// networks in mainland China, from the MIIT numbering plan 工业和信息化部
// 《电信网编号计划（2017年版）》 and the allocations announced since (190, 192,
// 196 and 197 in 2019). Each entry lists the third digits in use:
//
//	13x        all        China Mobile, Unicom, Telecom
//	14[5-9]    145–149    data-only and IoT plans (140–144 are 13-digit IoT)
//	15[0-35-9] not 154    154 has never been allocated
//	16[2567]   162 165 166 167   166 Unicom; 162, 165, 167 virtual operators
//	17[0-8]    not 179    170/171 virtual operators, 174 satellite
//	18x        all
//	19[0-35-9] not 194    192 China Broadnet (中国广电)
//
// When MIIT allocates a new prefix, add its third digit here.
var mobilePrefixes = [10]string{
	3: "0123456789",
	4: "56789",
	5: "012356789",
	6: "2567",
	7: "012345678",
	8: "0123456789",
	9: "012356789",
}

// Mobile checks a mainland China mobile number (手机号码) and returns its 11
// ASCII digits. It accepts the +86, 0086 and 86 country prefixes; spaces,
// dashes, dots and parentheses between digit groups; full-width characters;
// and the numeric forms a spreadsheet produces ("13812345678.0",
// "1.3812345678E10"). Numbers outside mainland China are rejected.
func Mobile(field, s string) (string, error) {
	s = clean(s)
	if s == "" {
		return "", invalid(field, "请填写手机号码", "a mobile number is required")
	}
	s, err := mobileFromNumeric(field, s)
	if err != nil {
		return "", err
	}
	s = stripMobileSeparators(s)
	switch {
	case strings.HasPrefix(s, "+"):
		if !strings.HasPrefix(s, "+86") {
			return "", invalid(field, "仅支持中国大陆手机号码", "only mainland China mobile numbers are accepted")
		}
		s = s[3:]
	case strings.HasPrefix(s, "0086") && len(s) == 15:
		s = s[4:]
	case strings.HasPrefix(s, "86") && len(s) == 13:
		s = s[2:]
	}
	return checkMobileDigits(field, s)
}

func checkMobileDigits(field, s string) (string, error) {
	if !allDigits(s) {
		return "", invalid(field, "手机号码只能包含数字", "a mobile number has only digits")
	}
	if len(s) != 11 {
		return "", invalid(field, "手机号码应为 11 位", "a mobile number has 11 digits")
	}
	if s[0] != '1' {
		return "", invalid(field, "手机号码应以 1 开头", "a mobile number starts with 1")
	}
	if s[1] < '3' {
		return "", invalid(field, "手机号码第二位应为 3 到 9", "the second digit of a mobile number is 3 to 9")
	}
	if !strings.ContainsRune(mobilePrefixes[s[1]-'0'], rune(s[2])) {
		return "", invalid(field, "手机号段 "+s[:3]+" 不存在",
			"there is no mobile number prefix "+s[:3])
	}
	return s, nil
}

// stripMobileSeparators removes the punctuation people put between digit
// groups: "138-1234-5678", "138 1234 5678", "(+86) 138.1234.5678".
func stripMobileSeparators(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '.', '(', ')', '\u2010', '\u2013', '\u2014', '\u2212':
			return -1
		}
		return r
	}, s)
}

var (
	// integralFloat is how a spreadsheet writes a whole number stored as a
	// floating-point cell: "13812345678.0".
	integralFloat = regexp.MustCompile(`^([0-9]+)\.0+$`)
	// scientific is how Java's Double.toString, Go's %v and Excel print large
	// numbers: "1.3812345678E10", "1.38123E+10".
	scientific = regexp.MustCompile(`^([0-9])(?:\.([0-9]+))?[eE]\+?([0-9]{1,2})$`)
)

// minExactMantissa is the fewest significant digits we trust in a mobile
// number written in scientific notation. Excel's General format falls back to
// scientific notation only when the column is too narrow for the 11 digits,
// so what it shows ("1.38123E+10") has at most 6 significant digits and has
// lost the rest. Programs that print the shortest exact value (Java, Go) write
// 11 digits, fewer only when the number ends in zeros ("1.381234567E10").
const minExactMantissa = 7

// mobileFromNumeric turns a number written by a spreadsheet back into its
// digits and leaves anything else unchanged.
func mobileFromNumeric(field, s string) (string, error) {
	if m := integralFloat.FindStringSubmatch(s); m != nil {
		return m[1], nil
	}
	m := scientific.FindStringSubmatch(s)
	if m == nil {
		return s, nil
	}
	digits := m[1] + m[2]
	exp := int(m[3][0] - '0')
	if len(m[3]) == 2 {
		exp = exp*10 + int(m[3][1]-'0')
	}
	if len(digits) > exp+1 && strings.Trim(digits[exp+1:], "0") != "" {
		return s, nil // not a whole number; rejected as non-digits
	}
	if len(strings.TrimRight(digits, "0")) < minExactMantissa {
		return "", invalid(field,
			"手机号码被表格软件显示为科学计数法，位数已丢失，请把该列设为文本后重新导出",
			"the spreadsheet shows this mobile number in scientific notation and has lost digits; format the column as text and export again")
	}
	if len(digits) > exp+1 {
		return digits[:exp+1], nil
	}
	return digits + strings.Repeat("0", exp+1-len(digits)), nil
}
