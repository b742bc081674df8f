package pii

import (
	"testing"
	"unicode/utf8"
)

type maskCase struct{ in, want string }

func runMask(t *testing.T, mask func(string) string, tests []maskCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := mask(tt.in)
			if got != tt.want {
				t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if !utf8.ValidString(got) {
				t.Errorf("mask(%q) = %q is not valid UTF-8", tt.in, got)
			}
		})
	}
}

func TestMaskMobile(t *testing.T) {
	runMask(t, MaskMobile, []maskCase{
		{"13812345678", "138****5678"},
		{"+8613812345678", "+86*******5678"},
		{"１３８１２３４５６７８", "１３８****５６７８"}, // full-width digits stay whole runes
		{"0755123456", "********56"},
		{"12345", "***45"},
		{"1234", "***4"},
		{"123", "**3"},
		{"12", "**"},
		{"1", "*"},
		{"", ""},
	})
}

func TestMaskIDNumber(t *testing.T) {
	runMask(t, MaskIDNumber, []maskCase{
		{"110105199001011234", "110***********1234"},
		{"11010519900101123X", "110***********123X"},
		{"110105900101123", "110********1123"}, // old 15-digit ID
		{"１１０１０５１９９００１０１１２３４", "１１０***********１２３４"},
		{"E12345678", "E******78"}, // passport
		{"H1234567890", "H********90"},
		{"12345", "****5"},
		{"123", "**3"},
		{"12", "**"},
		{"", ""},
	})
}

func TestMaskName(t *testing.T) {
	runMask(t, MaskName, []maskCase{
		{"张三", "张*"},
		{"张三丰", "张**"},
		{"欧阳娜娜", "欧阳**"},
		{"司马相如", "司马**"},
		{"阿卜杜·热合曼", "阿卜*****"},
		{"王", "*"},
		{" 李四 ", "李*"},
		{"Ｌｉ", "Ｌ*"},
		{"John Smith", "Jo********"},
		{"", ""},
	})
}

func TestMaskEmail(t *testing.T) {
	runMask(t, MaskEmail, []maskCase{
		{"zhangsan@example.com", "z******n@example.com"},
		{"ab@example.com", "a*@example.com"},
		{"a@example.com", "*@example.com"},
		{"@example.com", "@example.com"},
		{"张三丰@例子.中国", "张*丰@例子.中国"},
		{"a@b@example.com", "a*b@example.com"},
		{"notanemail", "n********l"},
		{"", ""},
	})
}

func TestMaskAddress(t *testing.T) {
	runMask(t, MaskAddress, []maskCase{
		{"北京市朝阳区建国路88号", "北京市朝阳区****"},
		{"上海市浦东新区张江路100号", "上海市浦东新区****"},
		{"广东省深圳市南山区科技园8栋", "广东省深圳市南山区****"},
		{"广州市天河区体育西路1号", "广州市天河区****"},
		{"北京市通州区梨园镇", "北京市通州区****"},
		{"内蒙古自治区呼和浩特市新城区1号", "内蒙古自治区呼和浩特市新城区****"},
		{"云南省西双版纳傣族自治州景洪市", "云南省西双版纳傣族自治州景洪市****"},
		{"济南市市中区经十路", "济南市市中区****"},
		{"深圳市南山区粤海街道科技园区", "深圳市南山区****"},
		{"北京市阳光小区3号楼", "北京市****"},
		{"浙江省杭州市西湖区文三路", "浙江省杭州市西湖区****"},
		{"北京市", "北京市****"},
		{"建国路88号院3号楼101", "建国路8****"},
		{"Room 5, 88 Jianguo Road, Beijing", "Room 5****"},
		{"１２３号", "１****"},
		{"  ", ""},
		{"", ""},
	})
}
