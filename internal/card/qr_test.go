package card_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"image/color"
	"image/png"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"

	"estateclub/internal/apperr"
	"estateclub/internal/card"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
	"estateclub/internal/testfix"
)

var issued = time.Date(2025, 3, 10, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))

func qrService(secret byte) *card.Service {
	return &card.Service{Secret: bytes.Repeat([]byte{secret}, 32)}
}

func TestQRSignAndVerify(t *testing.T) {
	s := qrService(9)
	number := card.Number("HC", 42)
	p := s.QRPayload(strings.ToLower(number), 1234, issued)
	if !regexp.MustCompile(`^EC1\.HC0000000429\.1234\.1741570200\.[A-Za-z0-9_-]{22}$`).MatchString(p) {
		t.Fatalf("payload = %q", p)
	}
	n, id, err := s.VerifyQR(" " + p + "\n")
	if err != nil || n != number || id != 1234 {
		t.Fatalf("VerifyQR = %q, %d, %v", n, id, err)
	}
	sig := p[strings.LastIndexByte(p, '.')+1:]
	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] ^= 1
		return string(b)
	}
	forged := qrService(9)
	forged.Secret = bytes.Repeat([]byte{8}, 32)
	for name, bad := range map[string]string{
		"another card":        strings.Replace(p, number, card.Number("HC", 43), 1),
		"another member":      strings.Replace(p, ".1234.", ".1235.", 1),
		"another time":        strings.Replace(p, ".1741570200.", ".1741570201.", 1),
		"signature altered":   flip(p, len(p)-3),
		"signature cut":       p[:len(p)-2],
		"signature padded":    p + "==",
		"signature not b64":   strings.Replace(p, sig, strings.Repeat("!", 22), 1),
		"another secret":      forged.QRPayload(number, 1234, issued),
		"another version":     "EC2" + p[3:],
		"part missing":        strings.Replace(p, ".1234", "", 1),
		"part added":          strings.Replace(p, ".1234.", ".1234.5.", 1),
		"lower-case number":   strings.Replace(p, number, strings.ToLower(number), 1),
		"empty":               "",
		"garbage":             "https://example.com/?card=HC0000000429",
		"very long":           p + strings.Repeat("A", 300),
		"no signature at all": strings.TrimSuffix(p, sig),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := s.VerifyQR(bad)
			testfix.WantErr(t, err, apperr.Invalid, "qr")
		})
	}
	// The signature is the documented one, and a signed payload must still
	// name a well-formed card and member.
	if want := sigOf(s.Secret, strings.TrimSuffix(p, "."+sig)); sig != want {
		t.Errorf("signature = %s, want HMAC-SHA256 truncated to 16 bytes: %s", sig, want)
	}
	for name, body := range map[string]string{
		"zero member":  "EC1." + number + ".0.1741570200",
		"typo in card": "EC1.HC0000000428.1234.1741570200",
		"bad time":     "EC1." + number + ".1234.soon",
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := s.VerifyQR(body + "." + sigOf(s.Secret, body))
			testfix.WantErr(t, err, apperr.Invalid, "qr")
		})
	}
	if _, _, err := (&card.Service{Secret: []byte("short")}).VerifyQR(p); !apperr.Is(err, apperr.Internal) {
		t.Errorf("short secret: %v, want an internal error", err)
	}
}

// sigOf signs body as the payload format says, independently of the package.
func sigOf(secret []byte, body string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(body))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func TestScanQR(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := mustFixture(t, d)
		ctx := staffCtx()
		std := f.mustDesign(t, "标准卡", "")
		f.mustBatch(t, std.ID, "SH", 3)
		m := f.Member(t, "SH-PD")
		c := f.mustIssue(t, card.IssueRequest{MemberID: m, Delivery: card.OnSite})
		p, err := f.cards.QRFor(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.cards.ScanQR(context.Background(), p)
		if err != nil || got.Number != c.Number || !got.Usable() {
			t.Fatalf("scan = %+v, %v", got, err)
		}
		// A code naming another member than the card's is refused.
		other := f.cards.QRPayload(c.Number, m+1, *c.IssuedAt)
		_, err = f.cards.ScanQR(context.Background(), other)
		testfix.WantErr(t, err, apperr.Invalid, "qr")
		// The code of a lost card still verifies, but its card is blocked.
		lost, err := f.cards.ReportLost(ctx, c.Number, "遗失")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.cards.ScanQR(context.Background(), p); err != nil || got.Status != card.Blocked || got.Usable() {
			t.Fatalf("scan of the lost card = %+v, %v; want blocked", got, err)
		}
		_, err = f.cards.QRFor(lost)
		testfix.WantErr(t, err, apperr.Conflict, "number")
	})
}

func TestQRPNG(t *testing.T) {
	payload := qrService(9).QRPayload(card.Number("HC", 42), 1234, issued)
	code, err := qr.Encode(payload, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	n := code.Bounds().Dx() + 8 // modules with the quiet zone
	for _, size := range []int{n, 256, 301} {
		b, err := card.QRPNG(payload, size)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Dx() != size || img.Bounds().Dy() != size {
			t.Fatalf("image is %v, want %d×%d", img.Bounds(), size, size)
		}
		// Sample the centre of every module: it must match the encoder's.
		scale := size / n
		off := (size - scale*n) / 2
		dark := func(c color.Color) bool { return color.GrayModel.Convert(c).(color.Gray).Y < 128 }
		for y := range n {
			for x := range n {
				want := false
				if x >= 4 && y >= 4 && x < n-4 && y < n-4 {
					want = dark(code.At(x-4, y-4))
				}
				if got := dark(img.At(off+x*scale+scale/2, off+y*scale+scale/2)); got != want {
					t.Fatalf("size %d: module (%d,%d) dark = %v, want %v", size, x, y, got, want)
				}
			}
		}
	}
	for _, size := range []int{n - 1, 0, 5000} {
		_, err := card.QRPNG(payload, size)
		testfix.WantErr(t, err, apperr.Invalid, "size")
	}
}

func TestQRSVG(t *testing.T) {
	payload := qrService(9).QRPayload(card.Number("HC", 42), 1234, issued)
	svg, err := card.QRSVG(payload, 200)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(svg, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `) || !strings.Contains(svg, `width="200"`) {
		t.Fatalf("svg = %.120s…", svg)
	}
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("svg is not well-formed XML: %v", err)
		}
	}
	// The top-left finder pattern starts at the quiet zone: a run of 7.
	if !strings.Contains(svg, "M4 4h7v1h-7z") {
		t.Errorf("svg lacks the top-left finder pattern's first row")
	}
}
