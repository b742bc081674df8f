package pii

import "testing"

func TestMaskNumbersIn(t *testing.T) {
	runMask(t, MaskNumbersIn, []maskCase{
		{"", ""},
		{"no numbers here", "no numbers here"},
		{"13812345678", "138****5678"},
		{"电话13812345678，请回电", "电话138****5678，请回电"},
		{"138 1234 5678", "138 **** 5678"},
		{"138-1234-5678", "138-****-5678"},
		{"+8613812345678", "+861******5678"},
		{"１３８１２３４５６７８", "１３８****５６７８"},
		{"身份证 11010519900101123X 已核对", "身份证 110***********123X 已核对"},
		{"11010519900101123x", "110***********123x"},
		{"110105199001011234", "110***********1234"},
		{"110105900101123", "110********1123"},
		{"a:13812345678,b:13987654321", "a:138****5678,b:139****4321"},
		// Not personal: order and card numbers, other lengths, 12… mobiles.
		{"HC0000000015", "HC0000000015"},
		{"order 1234567890", "order 1234567890"},
		{"12812345678", "12812345678"},
		{"138123456789", "138123456789"},
		{"2025-03-10 09:00", "2025-03-10 09:00"},
		{"[1391 2345 678]", "[1391 2345 678]"},
		{"110105 19900101 1234", "110*** ******** 1234"},
	})
}

func TestMaskSearch(t *testing.T) {
	for _, tc := range []struct{ in, masked, kind string }{
		{"", "", ""},
		{"  ", "", ""},
		{"13812345678", "138****5678", SearchMobile},
		{"138 1234 5678", "138****5678", SearchMobile},
		{"+86 138-1234-5678", "138****5678", SearchMobile},
		{"１３８１２３４５６７８", "138****5678", SearchMobile},
		{"5678", "****", SearchLast4},
		{"11010519900101123x", "110***********123X", SearchIDNumber},
		{"110105900101123", "110********1123", SearchIDNumber},
		{"M00001234", "M00001234", SearchMemberNo},
		{"m00001234", "M00001234", SearchMemberNo},
		{"zhangsan", "z*******", SearchPinyin},
		{"ZS", "z*", SearchPinyin},
		{"张三", "张*", SearchName},
		{"欧阳娜娜", "欧阳**", SearchName},
		{"张", "*", SearchName},
	} {
		t.Run(tc.in, func(t *testing.T) {
			masked, kind := MaskSearch(tc.in)
			if masked != tc.masked || kind != tc.kind {
				t.Errorf("MaskSearch(%q) = %q, %q; want %q, %q", tc.in, masked, kind, tc.masked, tc.kind)
			}
		})
	}
}
