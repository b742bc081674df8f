package event

import (
	"context"

	"estateclub/internal/db"
)

// CloseRegistration closes registration of a published event (报名截止)
// before or at its deadline.
func (s *Service) CloseRegistration(ctx context.Context, id int64, within *Scope) (*Event, error) {
	return s.step(ctx, id, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status == RegClosed {
			return "", "", nil
		}
		if e.Status != Published {
			return "", "", errStatus(e, "不能截止报名", "registration cannot be closed")
		}
		_, err := tx.Exec(ctx, "UPDATE events SET status = ? WHERE id = ?", RegClosed, id)
		return "reg_closed", "", err
	})
}

// MarkHeld records that an event took place (已举办): from published or
// registration closed, once it has started.
func (s *Service) MarkHeld(ctx context.Context, id int64, within *Scope) (*Event, error) {
	return s.step(ctx, id, within, func(tx *db.Tx, e *Event) (string, string, error) {
		if e.Status == Held {
			return "", "", nil
		}
		if e.Status != Published && e.Status != RegClosed {
			return "", "", errStatus(e, "不能标记为已举办", "it cannot be marked as held")
		}
		if tx.Now.Before(e.StartsAt) {
			return "", "", errStatus(e, "活动尚未开始", "it has not started yet")
		}
		_, err := tx.Exec(ctx, "UPDATE events SET status = ? WHERE id = ?", Held, id)
		return "held", "", err
	})
}

// Advance is the periodic job of events: it closes registration of
// published events past their deadline and marks held those past their
// end. Safe to run at any time; it returns how many events it moved.
func (s *Service) Advance(ctx context.Context) (int, error) {
	var closing, held []int64
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		if closing, err = tx.IDs(ctx, "SELECT id FROM events WHERE status = 'published' AND deadline <= ? AND ends_at > ? ORDER BY id", tx.Now, tx.Now); err != nil {
			return err
		}
		held, err = tx.IDs(ctx, "SELECT id FROM events WHERE status IN ('published', 'reg_closed') AND ends_at <= ? ORDER BY id", tx.Now)
		return err
	})
	if err != nil {
		return 0, err
	}
	ctx = db.WithActor(ctx, db.Actor{Kind: "system", Login: "system"})
	n := 0
	for _, id := range closing {
		if _, err := s.CloseRegistration(ctx, id, nil); err != nil {
			return n, err
		}
		n++
	}
	for _, id := range held {
		if _, err := s.MarkHeld(ctx, id, nil); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
