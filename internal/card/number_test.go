package card_test

import (
	"math/rand/v2"
	"testing"

	"estateclub/internal/card"
)

func TestNumberFormat(t *testing.T) {
	tests := []struct {
		prefix string
		seq    int64
		want   string
	}{
		{"HC", 1, "HC0000000015"},
		{"HC", 2, "HC0000000023"},
		{"HC", 123456789, "HC1234567894"},
		{"HC", card.MaxSeq, "HC9999999996"},
		{"VK2025", 42, "VK20250000000428"},
		{"12", 7, "120000000071"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			got := card.Number(tc.prefix, tc.seq)
			if got != tc.want {
				t.Fatalf("Number(%q, %d) = %q, want %q", tc.prefix, tc.seq, got, tc.want)
			}
			if !card.ValidNumber(got) {
				t.Fatalf("ValidNumber(%q) = false", got)
			}
			p, seq, ok := card.ParseNumber(got)
			if !ok || p != tc.prefix || seq != tc.seq {
				t.Fatalf("ParseNumber(%q) = %q, %d, %v", got, p, seq, ok)
			}
		})
	}
}

func TestNumberPanicsOnBadInput(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		seq    int64
	}{{"hc", 1}, {"H", 1}, {"HCHCHCH", 1}, {"HC", 0}, {"HC", card.MaxSeq + 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Number(%q, %d) did not panic", tc.prefix, tc.seq)
				}
			}()
			card.Number(tc.prefix, tc.seq)
		}()
	}
}

func TestValidNumber(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"HC0000000015", true},
		{"HC0000000016", false},  // wrong check digit
		{"HC0000000051", false},  // check digit and last digit swapped
		{"hc0000000015", false},  // not canonical: Normalize first
		{"HC000000015", false},   // a digit short
		{"HC00000000015", false}, // a digit long: read as prefix HC0, wrong check digit
		{"H0000000015", false},   // a letter short: read as prefix H0, wrong check digit
		{"HC-0000000015", false}, // not canonical
		{"HC00000000I5", false},  // a letter in the sequence
		{"HC0000000007", false},  // sequence 0 (check digit right) is never issued
		{"", false},
		{"0000000000015", false},    // read as prefix 000, wrong check digit
		{"ABCDEFG000000001", false}, // prefix of 7
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := card.ValidNumber(tc.in); got != tc.want {
				t.Fatalf("ValidNumber(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"hc 0000-0000 15": "HC0000000015",
		"ＨＣ００００００００１５":    "HC0000000015",
		" HC0000000015\t": "HC0000000015",
	} {
		if got := card.Normalize(in); got != want || !card.ValidNumber(got) {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// numericTail is where a number's digits start: after the prefix.
func numericTail(n string) int { return len(n) - 10 }

// TestLuhnCatchesTypos checks the promise of Number's doc comment on many
// numbers: every single-digit error in the digits is caught, and every swap
// of two adjacent different digits except 09 ↔ 90.
func TestLuhnCatchesTypos(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, prefix := range []string{"HC", "VK2025", "ZZ", "A1B2"} {
		for i := 0; i < 300; i++ {
			seq := r.Int64N(card.MaxSeq) + 1
			n := card.Number(prefix, seq)
			for pos := numericTail(n); pos < len(n); pos++ {
				for d := byte('0'); d <= '9'; d++ {
					if d == n[pos] {
						continue
					}
					typo := n[:pos] + string(d) + n[pos+1:]
					if card.ValidNumber(typo) {
						t.Fatalf("%s: single-digit error %s accepted", n, typo)
					}
				}
				if pos+1 < len(n) && n[pos] != n[pos+1] {
					swapped := n[:pos] + string(n[pos+1]) + string(n[pos]) + n[pos+2:]
					nine := (n[pos] == '0' && n[pos+1] == '9') || (n[pos] == '9' && n[pos+1] == '0')
					if card.ValidNumber(swapped) != nine {
						t.Fatalf("%s: transposition %s valid = %v, want %v", n, swapped, !nine, nine)
					}
				}
			}
		}
	}
}

// TestLuhnCoversPrefix shows that the prefix counts: the same sequence under
// another prefix has its own check digit, and most single-letter typos in the
// prefix fail.
func TestLuhnCoversPrefix(t *testing.T) {
	caught, total := 0, 0
	for seq := int64(1); seq <= 200; seq++ {
		n := card.Number("HC", seq)
		for pos := 0; pos < 2; pos++ {
			for c := byte('A'); c <= 'Z'; c++ {
				if c == n[pos] {
					continue
				}
				total++
				if !card.ValidNumber(n[:pos] + string(c) + n[pos+1:]) {
					caught++
				}
			}
		}
	}
	if rate := float64(caught) / float64(total); rate < 0.8 {
		t.Fatalf("prefix letter typos caught: %d of %d (%.0f%%), want most", caught, total, rate*100)
	} else {
		t.Logf("prefix letter typos caught: %d of %d (%.1f%%)", caught, total, rate*100)
	}
}

func TestValidPrefix(t *testing.T) {
	for p, want := range map[string]bool{"HC": true, "VK2025": true, "12": true, "H": false, "hc": false, "HC-1": false, "ABCDEFG": false} {
		if got := card.ValidPrefix(p); got != want {
			t.Errorf("ValidPrefix(%q) = %v, want %v", p, got, want)
		}
	}
}
