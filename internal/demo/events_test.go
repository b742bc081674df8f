package demo

import (
	"context"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/event"
)

// TestDemoEvents checks the demo's year of events: about 30 in every
// state, waiting lists, check-ins with walk-ins, points posted once,
// calls, answered surveys and five cases in the library.
func checkDemoEvents(t *testing.T, x *seededDemo) {
	d, ctx := x.d, context.Background()
	t.Logf("the year of events took %v", x.took["events"])
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := d.View(ctx, func(tx *db.Tx) (err error) { n, err = tx.Count(ctx, q, args...); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT count(*) FROM events"); n < 28 || n > 32 {
		t.Errorf("%d events, want about 30", n)
	}
	for _, s := range event.Statuses {
		if n := count("SELECT count(*) FROM events WHERE status = ?", s); n == 0 {
			t.Errorf("no event is %s", s)
		}
	}
	if n := count("SELECT count(*) FROM events WHERE status = 'closed'"); n != 5 {
		t.Errorf("%d cases in the library, want 5", n)
	}
	for what, q := range map[string]string{
		"plan items":       "SELECT count(*) FROM event_plan_items",
		"unplanned events": "SELECT count(*) FROM events WHERE unplanned",
		"returned reviews": "SELECT count(*) FROM event_reviews WHERE decision = 'returned'",
		"waiting":          "SELECT count(*) FROM event_registrations WHERE status = 'waiting'",
		"promoted":         "SELECT count(*) FROM event_registrations WHERE promoted_at IS NOT NULL",
		"check-ins":        "SELECT count(*) FROM event_registrations WHERE checked_in_at IS NOT NULL",
		"walk-ins":         "SELECT count(*) FROM event_registrations WHERE walk_in",
		"card check-ins":   "SELECT count(*) FROM event_registrations WHERE checkin_method = 'card'",
		"calls made":       "SELECT count(*) FROM event_calls WHERE outcome <> ''",
		"survey answers":   "SELECT count(*) FROM survey_invites WHERE subject = 'event' AND answered_at IS NOT NULL",
		"costs":            "SELECT count(*) FROM event_costs WHERE receipt_enc IS NOT NULL",
		"points posted":    "SELECT count(*) FROM event_registrations WHERE points_status = 'posted'",
	} {
		if count(q) == 0 {
			t.Errorf("no %s", what)
		}
	}
	// Points once per member and event.
	if a, b := count("SELECT count(*) FROM event_registrations WHERE points_status = 'posted'"),
		count("SELECT count(*) FROM point_idempotency WHERE key LIKE 'event:%'"); a != b {
		t.Errorf("%d registrations posted, %d point keys", a, b)
	}
}
