package pii

import "testing"

func TestNormalizeMobile(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{"138 1234 5678", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"+86-13812345678", "13812345678"},
		{"0086 13812345678", "13812345678"},
		{"8613812345678", "13812345678"},
		{"１３８１２３４５６７８", "13812345678"},
		{"＋８６\u3000１３８１２３４５６７８", "13812345678"},
		{"(0755) 1234-5678", "075512345678"},
		{"86123", "86123"}, // too short to carry a country code
		{"", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeMobile(tt.in); got != tt.want {
				t.Errorf("NormalizeMobile(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"11010519900101123x", "11010519900101123X"},
		{" 110105 19900101 123X ", "11010519900101123X"},
		{"１１０１０５１９９００１０１１２３ｘ", "11010519900101123X"},
		{"", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := NormalizeIDNumber(tt.in); got != tt.want {
				t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizedMobilesShareIndex(t *testing.T) {
	k := mustKeys(t, 1)
	want := k.Index(KindMobile, "13812345678")
	for _, in := range []string{"+86 138-1234-5678", "１３８１２３４５６７８"} {
		if got := k.Index(KindMobile, NormalizeMobile(in)); got != want {
			t.Errorf("index of %q differs", in)
		}
	}
}
