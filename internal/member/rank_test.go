package member_test

import (
	"slices"
	"strings"
	"testing"

	"estateclub/internal/member"
	"estateclub/internal/testfix"
)

// Issue 12, item 8: given names are read only on their common reading (俊
// is jun, so 张俊 is not "zs"), surnames on their surname readings (单 is
// shan), and a name search lists the name itself first, then names that
// begin with what was typed, then the rest, each newest first.
func TestSearchReadsNamesAsPeopleSayThemAndRanks(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		s := e.Members
		opts := member.BatchOptions{Application: true, Source: "import", NodePath: "/1/", Summary: "test"}
		names := []string{"张三", "张俊", "李张三", "张三丰", "单田芳", "曾小贤", "盖聂", "孙三", "尉迟恭"}
		var apps []member.Application
		for i, n := range names {
			apps = append(apps, member.Application{NodeCode: "SH", Name: n, Mobile: "1310000" + string(rune('1'+i/10)) + "00" + string(rune('0'+i%10))})
		}
		res, err := s.ApplyBatch(staffCtx(), apps, opts)
		if err != nil {
			t.Fatal(err)
		}
		id := map[string]int64{}
		for i, r := range res {
			if r.Err != nil {
				t.Fatalf("%s: %v", names[i], r.Err)
			}
			id[names[i]] = r.MemberID
		}
		for _, tc := range []struct {
			q    string
			want []string
		}{
			// 张三 is zs; 张三丰 begins with it; 李张三 matches from its second
			// syllable; 张俊 (jun, not shun) and 孙三 (ss) do not match.
			{"zs", []string{"张三", "张三丰", "李张三"}},
			{"zhangsan", []string{"张三", "张三丰", "李张三"}},
			{"zhangj", []string{"张俊"}},
			{"shun", nil},
			{"张三", []string{"张三", "张三丰", "李张三"}},
			{"shan", []string{"单田芳"}},
			{"stf", []string{"单田芳"}},
			{"dan", nil},
			{"dtf", nil},
			{"zengxiaoxian", []string{"曾小贤"}},
			{"cxx", nil},
			// 盖 is read gai and ge: both find 盖聂, the usual reading exactly.
			{"gainie", []string{"盖聂"}},
			{"genie", []string{"盖聂"}},
			{"ycg", []string{"尉迟恭"}},
			{"wcg", nil},
		} {
			var want []int64
			for _, n := range tc.want {
				want = append(want, id[n])
			}
			if got := mustFind(t, s, member.Filter{Q: tc.q}); !slices.Equal(got, want) {
				t.Errorf("q %q: %v, want %v (%v)", tc.q, got, want, tc.want)
			}
		}
		// "s" finds every name with an s syllable: 单田芳 and 孙三 begin with
		// one (rank 1, newest first), the others only contain one.
		first := []int64{id["孙三"], id["单田芳"]}
		slices.Sort(first)
		slices.Reverse(first)
		if got := mustFind(t, s, member.Filter{Q: "s"}); len(got) < 3 || !slices.Equal(got[:2], first) {
			t.Errorf("q s: %v, want %v first", got, first)
		}
		// An explicit sort keeps its own order.
		ms, _, err := s.List(staffCtx(), member.Filter{Q: "zs", Sort: "member_no"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 3 || !slices.IsSortedFunc(ms, func(a, b member.Member) int { return strings.Compare(a.MemberNo, b.MemberNo) }) {
			t.Errorf("zs by member number: %+v", ms)
		}
	})
}
