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

func TestSearchTokens(t *testing.T) {
	toks := searchTokens("张三丰")
	for _, want := range []string{"n:张", "n:三", "n:丰", "n:张三", "n:三丰", "n:张三丰", "p:zhangsanfeng", "p:sanfeng", "p:feng", "i:zsf", "i:sf", "i:f"} {
		found := false
		for _, tk := range toks {
			found = found || tk == want
		}
		if !found {
			t.Errorf("tokens of 张三丰 lack %q: %v", want, toks)
		}
	}
	seen := map[string]bool{}
	for _, tk := range toks {
		if seen[tk] {
			t.Errorf("token %q twice", tk)
		}
		seen[tk] = true
	}
	latin := strings.Join(searchTokens("Tom Lee"), " ")
	if !strings.Contains(latin, "p:tomlee") || !strings.Contains(latin, "p:lee") || !strings.Contains(latin, "i:tl") {
		t.Errorf("Latin name tokens: %v", latin)
	}
	long := searchTokens("迪丽热巴·迪力木拉提")
	for _, tk := range long {
		if strings.HasPrefix(tk, "n:") && len([]rune(tk))-2 > maxNamePiece {
			t.Errorf("piece %q longer than %d", tk, maxNamePiece)
		}
	}
}

// Given names are read on their common reading only, surnames on their
// surname readings (two where the surname is read both ways).
func TestNamePinyinReadsNamesAsPeopleSayThem(t *testing.T) {
	for _, tc := range []struct{ name, full, initials string }{
		{"张俊", "|zhangjun|", "|zj|"},
		{"曾小贤", "|zengxiaoxian|", "|zxx|"},
		{"单田芳", "|shantianfang|", "|stf|"},
		{"解晓东", "|xiexiaodong|", "|xxd|"},
		{"区志强", "|ouzhiqiang|", "|ozq|"},
		{"翟天临", "|zhaitianlin|ditianlin|", "|ztl|dtl|"},
		{"尉迟恭", "|yuchigong|", "|ycg|"},
		{"长孙无忌", "|zhangsunwuji|", "|zswj|"},
		{"李长青", "|lichangqing|", "|lcq|"},
		{"单", "|shan|", "|s|"},
		{"曾曾", "|zengceng|", "|zc|"}, // only the first character is the surname
	} {
		full, ini := namePinyin(tc.name)
		if full != tc.full || ini != tc.initials {
			t.Errorf("%s: %s %s, want %s %s", tc.name, full, ini, tc.full, tc.initials)
		}
	}
	toks := strings.Join(searchTokens("张俊"), " ")
	for _, bad := range []string{"shun", "i:zs", "dun"} {
		if strings.Contains(toks, bad) {
			t.Errorf("tokens of 张俊 hold %q: %s", bad, toks)
		}
	}
	for _, want := range []string{"P:zhangjun", "I:zj", "p:jun", "i:j"} {
		if !strings.Contains(toks, want) {
			t.Errorf("tokens of 张俊 lack %q: %s", want, toks)
		}
	}
}
