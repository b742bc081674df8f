package event

import (
	"context"
	"fmt"
	"time"

	"estateclub/internal/db"
)

// Area is the events' part of a member's data for internal/privacy: their
// registrations and attendance in the data copy; when the account is
// deleted, the notes of their follow-up calls and their portal notices are
// erased, while registrations and check-ins stay (linked to the anonymised
// member) so that an event's figures do not change. It is a privacy.Area,
// plugged in at wiring.
type Area struct{ S *Service }

// Name is the sheet's name.
func (Area) Name(lang string) string {
	if lang == "en" {
		return "Events"
	}
	return "活动报名"
}

// areaHeader names the columns of the copy.
var areaHeader = []string{"活动", "开始时间", "报名状态", "同行人数", "报名时间", "签到时间", "回访结果", "回访备注"}

// Copy lists the member's registrations with their check-in and call.
func (a Area) Copy(ctx context.Context, tx *db.Tx, memberID int64) ([]string, [][]string, error) {
	rows, err := tx.Query(ctx, `SELECT e.theme, e.starts_at, r.status, r.companions, r.created_at, r.checked_in_at,
		c.id, c.outcome, c.note_enc
		FROM event_registrations r JOIN events e ON e.id = r.event_id
		LEFT JOIN event_calls c ON c.event_id = r.event_id AND c.member_id = r.member_id
		WHERE r.member_id = ? ORDER BY r.id`, memberID)
	if err != nil {
		return nil, nil, fmt.Errorf("member events: %w", err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var theme, status string
		var companions int
		var starts, created time.Time
		var checked *time.Time
		var callID *int64
		var outcome *string
		var enc []byte
		if err := rows.Scan(&theme, &starts, &status, &companions, &created, &checked, &callID, &outcome, &enc); err != nil {
			return nil, nil, err
		}
		row := []string{theme, stamp(starts), status, fmt.Sprint(companions), stamp(created), "", "", ""}
		if checked != nil {
			row[5] = stamp(*checked)
		}
		if outcome != nil {
			row[6] = *outcome
		}
		if callID != nil && len(enc) > 0 {
			note, err := a.S.Keys.Open(enc, noteAAD(*callID))
			if err != nil {
				return nil, nil, err
			}
			row[7] = note
		}
		out = append(out, row)
	}
	return areaHeader, out, rows.Err()
}

func stamp(t time.Time) string { return t.In(china).Format("2006-01-02 15:04") }

// Erase blanks the notes of the member's follow-up calls and deletes their
// portal notices.
func (a Area) Erase(ctx context.Context, tx *db.Tx, memberID int64) error {
	if _, err := tx.Exec(ctx, "UPDATE event_calls SET note_enc = NULL WHERE member_id = ?", memberID); err != nil {
		return fmt.Errorf("erase call notes: %w", err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM event_member_notices WHERE member_id = ?", memberID); err != nil {
		return fmt.Errorf("erase event notices: %w", err)
	}
	return nil
}
