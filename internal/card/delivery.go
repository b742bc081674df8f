package card

import (
	"context"
	"fmt"
	"slices"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// nextDelivery lists the delivery statuses each one may move to. A card
// returned by the post office may be sent again or handed over; a
// delivered card stays delivered.
var nextDelivery = map[DeliveryStatus][]DeliveryStatus{
	Pending:   {Sent, Delivered, Returned},
	Sent:      {Delivered, Returned},
	Returned:  {Sent, Delivered},
	Delivered: {},
}

// ParseDeliveryStatus checks a delivery status code.
func ParseDeliveryStatus(s string) (DeliveryStatus, error) {
	for _, d := range DeliveryStatuses {
		if string(d) == s {
			return d, nil
		}
	}
	return "", apperr.Field("delivery_status", "寄送状态须为 pending、sent、delivered 或 returned", "delivery status must be pending, sent, delivered or returned")
}

// UpdateDelivery records how the delivery of an issued card went (寄送状态):
// sent (a posted card needs its tracking number, given now or at issue),
// delivered, or returned. tracking "" keeps the stored one; giving a new one
// with the current status corrects it.
func (s *Service) UpdateDelivery(ctx context.Context, number string, status DeliveryStatus, tracking string) (*Card, error) {
	n, err := checkNumber("number", number)
	if err != nil {
		return nil, err
	}
	if _, err := ParseDeliveryStatus(string(status)); err != nil {
		return nil, err
	}
	var c *Card
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		old, err := cardByNumber(ctx, tx, n, true)
		if err != nil {
			return err
		}
		if old.Status != Issued {
			return notIssued(old)
		}
		t, err := checkTracking(old.Delivery, tracking)
		if err != nil {
			return err
		}
		if t == "" {
			t = old.Tracking
		}
		if status == old.DeliveryStatus && t == old.Tracking {
			c = old
			return nil
		}
		if status != old.DeliveryStatus && !slices.Contains(nextDelivery[old.DeliveryStatus], status) {
			return &apperr.Error{Code: apperr.Conflict, Field: "delivery_status",
				ZH: "寄送状态不能从" + old.DeliveryStatus.Label("zh-CN") + "改为" + status.Label("zh-CN"),
				EN: "the delivery cannot go from " + string(old.DeliveryStatus) + " to " + string(status)}
		}
		if status == Sent && old.Delivery == Post && t == "" {
			return apperr.Field("tracking", "邮递寄出须填写快递单号", "a posted card needs its tracking number")
		}
		var deliveredAt any = old.DeliveredAt
		if status == Delivered && old.DeliveryStatus != Delivered {
			deliveredAt = tx.Now
		}
		if _, err := tx.Exec(ctx, "UPDATE cards SET delivery_status = ?, tracking_no = ?, delivered_at = ?, updated_at = ? WHERE id = ?",
			status, t, deliveredAt, tx.Now, old.ID); err != nil {
			return err
		}
		if c, err = cardByID(ctx, tx, old.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{
			Action: "card.delivery", ObjectType: "card", ObjectID: n, NodePath: c.NodePath, Before: old, After: c,
			Summary: "会员卡 " + n + " 寄送状态：" + old.DeliveryStatus.Label("zh-CN") + " → " + status.Label("zh-CN"),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("update card delivery: %w", err)
	}
	return c, nil
}
