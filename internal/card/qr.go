package card

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"

	"estateclub/internal/apperr"
)

// qrVersion starts every payload, so the format can change later.
const qrVersion = "EC1"

// MinSecret is the shortest Secret that signs QR codes.
const MinSecret = 16

// sigLen is how many bytes of the HMAC-SHA256 a payload keeps: 128 bits,
// as hard to forge as the whole for a code scanned by a person.
const sigLen = 16

// QRPayload is the text of a member's card QR code (会员卡二维码):
// "EC1.<number>.<member id>.<issued, unix seconds>.<signature>", the
// signature being HMAC-SHA256 with Secret over everything before it,
// truncated to 16 bytes, base64url without padding. Only the holder of
// Secret can make one, so a code cannot be forged or altered.
func (s *Service) QRPayload(cardNumber string, memberID int64, issued time.Time) string {
	body := qrVersion + "." + Normalize(cardNumber) + "." + strconv.FormatInt(memberID, 10) + "." + strconv.FormatInt(issued.Unix(), 10)
	return body + "." + base64.RawURLEncoding.EncodeToString(s.sign(body))
}

func (s *Service) sign(body string) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(body))
	return m.Sum(nil)[:sigLen]
}

// QRFor is the QR payload of an issued card; a blocked card has none.
func (s *Service) QRFor(c *Card) (string, error) {
	if !c.Usable() || c.IssuedAt == nil {
		return "", notIssued(c)
	}
	return s.QRPayload(c.Number, *c.MemberID, *c.IssuedAt), nil
}

func badQR(cause string) error {
	return &apperr.Error{Code: apperr.Invalid, Field: "qr", ZH: "二维码无效", EN: "invalid QR code", Err: errors.New(cause)}
}

// VerifyQR checks a scanned payload and returns the card number and the
// member it names. Malformed, altered or foreign (signed with another
// secret) payloads are refused. It does not say whether the card is still
// usable: ScanQR does.
func (s *Service) VerifyQR(payload string) (number string, memberID int64, err error) {
	if len(s.Secret) < MinSecret {
		return "", 0, &apperr.Error{Code: apperr.Internal, ZH: "会员卡二维码密钥未配置", EN: "card QR secret is not configured",
			Err: fmt.Errorf("card QR secret has %d bytes, want at least %d", len(s.Secret), MinSecret)}
	}
	payload = strings.TrimSpace(payload)
	if len(payload) > 200 {
		return "", 0, badQR("too long")
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 5 || parts[0] != qrVersion {
		return "", 0, badQR("not an " + qrVersion + " payload")
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[4])
	if err != nil || len(sig) != sigLen {
		return "", 0, badQR("signature is not 16 bytes of base64url")
	}
	body := payload[:len(payload)-len(parts[4])-1]
	if !hmac.Equal(sig, s.sign(body)) {
		return "", 0, badQR("signature does not match")
	}
	// Signed by us, so well-formed unless the format changed: check anyway.
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || id <= 0 || !ValidNumber(parts[1]) {
		return "", 0, badQR("bad card number or member id")
	}
	if _, err := strconv.ParseInt(parts[3], 10, 64); err != nil {
		return "", 0, badQR("bad issue time")
	}
	return parts[1], id, nil
}

// ScanQR verifies a scanned payload and looks up its card (扫码验卡): the
// card must still belong to the member the code names. Check Usable on the
// result: a code of a lost card verifies but its card is blocked.
func (s *Service) ScanQR(ctx context.Context, payload string) (*Card, error) {
	number, memberID, err := s.VerifyQR(payload)
	if err != nil {
		return nil, err
	}
	c, err := s.Lookup(ctx, number)
	if err != nil {
		return nil, err
	}
	if c.MemberID == nil || *c.MemberID != memberID {
		return nil, badQR("card " + number + " no longer belongs to the member")
	}
	return c, nil
}

// quiet is the white border around a QR code, in modules, that scanners need.
const quiet = 4

// modules encodes payload as a QR code (error correction M) and returns
// whether each module is dark, quiet zone included.
func modules(payload string) ([][]bool, error) {
	code, err := qr.Encode(payload, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	n := code.Bounds().Dx()
	out := make([][]bool, n+2*quiet)
	for y := range out {
		out[y] = make([]bool, n+2*quiet)
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			g := color.GrayModel.Convert(code.At(x, y)).(color.Gray)
			out[y+quiet][x+quiet] = g.Y < 128
		}
	}
	return out, nil
}

// QRPNG renders payload as a black-on-white QR code PNG of size × size
// pixels, modules whole pixels wide and centred.
func QRPNG(payload string, size int) ([]byte, error) {
	m, err := modules(payload)
	if err != nil {
		return nil, err
	}
	scale := 0
	if size <= 4096 {
		scale = size / len(m)
	}
	if scale < 1 {
		return nil, apperr.Field("size", fmt.Sprintf("二维码尺寸须在 %d 到 4096 像素之间", len(m)),
			fmt.Sprintf("the QR code size must be between %d and 4096 pixels", len(m)))
	}
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	off := (size - scale*len(m)) / 2
	for y, row := range m {
		for x, dark := range row {
			if !dark {
				continue
			}
			for py := off + y*scale; py < off+(y+1)*scale; py++ {
				for px := off + x*scale; px < off+(x+1)*scale; px++ {
					img.SetColorIndex(px, py, 1)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("encode QR PNG: %w", err)
	}
	return buf.Bytes(), nil
}

// QRSVG renders payload as a scalable QR code: an SVG whose viewBox counts
// modules, drawn size pixels wide unless the page styles it.
func QRSVG(payload string, size int) (string, error) {
	m, err := modules(payload)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" shape-rendering="crispEdges">`,
		len(m), len(m), size, size)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, len(m), len(m))
	for y, row := range m {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, run, run)
			x += run - 1
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}
