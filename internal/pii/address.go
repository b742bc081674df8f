package pii

import "strings"

// addressStars replaces the rest of an address: a fixed width, so the
// masked form does not tell how long the street part is.
const addressStars = "****"

// MaskAddress keeps the leading administrative divisions of a Chinese
// address and replaces the rest with "****":
//
//	"北京市朝阳区建国路88号" → "北京市朝阳区****"
//	"广东省深圳市南山区科技园8栋" → "广东省深圳市南山区****"
//
// A division is a run of 2–9 runes ending in 省, 市, 区, 县, 旗, 州 or 盟; up to
// three are kept (province, city, district) when the first is a province
// (省 or 自治区), else up to two (a municipality or city, then a district).
// Housing estates and parks ending in 区 (小区, 园区 ...) are not divisions.
// An address without recognisable divisions keeps its first third, at most
// 6 runes. Empty input gives "".
func MaskAddress(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	r := []rune(s)
	cut := adminPrefix(r)
	if cut == 0 {
		cut = min(6, len(r)/3)
	}
	return string(r[:cut]) + addressStars
}

const (
	adminSuffixes = "省市区县旗州盟"
	maxDivision   = 9 // 西双版纳傣族自治州
)

// notDivisions end in 区 but name places inside a district.
var notDivisions = []string{"小区", "社区", "园区", "校区", "景区", "街区", "厂区", "片区"}

// adminPrefix returns how many leading runes are administrative divisions.
func adminPrefix(r []rune) int {
	cut, levels := 0, 2
	for i := 0; i < levels; i++ {
		n := divisionLen(r[cut:])
		if n == 0 {
			break
		}
		div := string(r[cut : cut+n])
		if isNotDivision(div) {
			break
		}
		if i == 0 && (strings.HasSuffix(div, "省") || strings.HasSuffix(div, "自治区")) {
			levels = 3
		}
		cut += n
	}
	return cut
}

// divisionLen is the length of the division at the start of r, or 0. A run
// of suffix runes stays together, so 广州市 and 通州区 are one division each.
func divisionLen(r []rune) int {
	for i := 1; i < len(r) && i < maxDivision; i++ {
		if !isAdminSuffix(r[i]) {
			continue
		}
		for i+1 < len(r) && isAdminSuffix(r[i+1]) {
			i++
		}
		return i + 1
	}
	return 0
}

func isAdminSuffix(c rune) bool { return strings.ContainsRune(adminSuffixes, c) }

func isNotDivision(div string) bool {
	for _, w := range notDivisions {
		if strings.HasSuffix(div, w) {
			return true
		}
	}
	return false
}
