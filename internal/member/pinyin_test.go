package member

import (
	"strings"
	"testing"
)

func TestNamePinyin(t *testing.T) {
	for _, tc := range []struct {
		name, full, initials string
	}{
		{"张三", "zhangsan", "zs"},
		{"李小龙", "lixiaolong", "lxl"},
		{"欧阳娜娜", "ouyangnana", "oynn"},
		{"迪丽热巴·迪力木拉提", "dilireba", "dlrb"},
		{"Tom Lee", "tomlee", "tomlee"},
		{"曾小贤", "zengxiaoxian", "zxx"}, // 曾 is read zeng as a surname
		{"单田芳", "shantianfang", "stf"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			full, ini := namePinyin(tc.name)
			if !strings.Contains(full, "|"+tc.full) && !strings.Contains(full, tc.full) {
				t.Errorf("full %q lacks %q", full, tc.full)
			}
			if !strings.Contains(ini, "|"+tc.initials) {
				t.Errorf("initials %q lack %q", ini, tc.initials)
			}
			if n := strings.Count(full, "|") - 1; n > maxReadings {
				t.Errorf("%d readings kept, at most %d", n, maxReadings)
			}
		})
	}
	if full, ini := namePinyin(""); full != "" || ini != "" {
		t.Errorf("empty name: %q %q", full, ini)
	}
}
