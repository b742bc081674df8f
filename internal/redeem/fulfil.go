package redeem

import (
	"context"
	"crypto/rand"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
)

// Fulfilment records how an approved order was handed over (履约).
type Fulfilment struct {
	Method     Method `json:"method"`
	TrackingNo string `json:"tracking_no"` // required when posted
}

// Fulfil records the fulfilment of an approved order: picked up, posted
// with its tracking number, or a voucher code issued (merchant vouchers
// only; the code is random and unique). Staff only.
func (s *Service) Fulfil(ctx context.Context, id int64, f Fulfilment) (*Order, error) {
	f.TrackingNo = strings.TrimSpace(f.TrackingNo)
	var out *Order
	var err error
	// A voucher code that collides with an issued one (one chance in 2^80)
	// fails on the unique index; the next attempt draws another.
	for range 3 {
		out, err = s.step(ctx, id, "fulfil", func(tx *db.Tx, o *Order) (string, error) {
			return fulfil(ctx, tx, o, f)
		})
		if !db.IsUniqueViolation(err) {
			break
		}
	}
	return out, err
}

func fulfil(ctx context.Context, tx *db.Tx, o *Order, f Fulfilment) (string, error) {
	if err := staffOnly(tx); err != nil {
		return "", err
	}
	if o.Status != Approved {
		return "", wrongStatus(o, "兑现", "fulfilled")
	}
	var code *string
	switch f.Method {
	case PickedUp:
		f.TrackingNo = ""
	case Posted:
		if f.TrackingNo == "" || utf8.RuneCountInString(f.TrackingNo) > 64 {
			return "", apperr.Field("tracking_no", "邮寄须填写快递单号（最多 64 字）", "a tracking number (at most 64 characters) is required for posting")
		}
	case VoucherCode:
		if o.ItemKind != KindVoucher {
			return "", apperr.Field("method", "只有商家优惠券可以发放券码", "only merchant vouchers are fulfilled with a code")
		}
		c := newVoucherCode()
		code, f.TrackingNo = &c, ""
	default:
		return "", apperr.Field("method", "兑现方式须为现场领取、邮寄或发放券码", "method must be picked_up, posted or voucher")
	}
	o.Status, o.Fulfilment, o.TrackingNo, o.FulfilledBy, o.FulfilledAt = Fulfilled, f.Method, f.TrackingNo, tx.Actor.Login, &tx.Now
	if code != nil {
		o.VoucherCode = *code
	}
	_, err := tx.Exec(ctx, `UPDATE redeem_orders SET status = ?, fulfilment = ?, tracking_no = ?, voucher_code = ?, fulfilled_by = ?,
		fulfilled_at = ?, updated_at = ? WHERE id = ?`, o.Status, o.Fulfilment, o.TrackingNo, code, o.FulfilledBy, tx.Now, tx.Now, o.ID)
	return "兑现：" + f.Method.Label("zh-CN"), err
}

// voucherAlphabet has 32 characters, without 0, 1, I and O: codes are read
// out and typed in.
const voucherAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// newVoucherCode draws 16 random characters (80 bits) as XXXX-XXXX-XXXX-XXXX.
func newVoucherCode() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails
	var sb strings.Builder
	for i, x := range b {
		if i > 0 && i%4 == 0 {
			sb.WriteByte('-')
		}
		sb.WriteByte(voucherAlphabet[x%32])
	}
	return sb.String()
}
