package event

import (
	"context"
	"fmt"

	"estateclub/internal/db"
)

// MonthStat is one month of the charts: events held, attendance and
// satisfaction.
type MonthStat struct {
	Month      string   `json:"month"` // YYYY-MM, club time
	Events     int      `json:"events"`
	Registered int      `json:"registered"`
	Attended   int      `json:"attended"`
	WalkIns    int      `json:"walk_ins"`
	Rated      int      `json:"rated"`                // survey answers with a rating
	AvgRating  *float64 `json:"avg_rating,omitempty"` // 1–5, two decimals
}

// Monthly returns the twelve months of a year for the charts of
// attendance and satisfaction, over held and closed events within the scope.
func (s *Service) Monthly(ctx context.Context, year int, within *Scope) ([]MonthStat, error) {
	out := make([]MonthStat, 12)
	idx := map[string]int{}
	for i := range out {
		out[i].Month = fmt.Sprintf("%d-%02d", year, i+1)
		idx[out[i].Month] = i
	}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		w, args := within.where("e.node_path")
		args = append(args, startOfYear(year), startOfYear(year+1))
		month := tx.Month("e.starts_at")
		rows, err := tx.Query(ctx, `SELECT `+month+`, count(DISTINCT e.id),
			COALESCE(sum(CASE WHEN r.status = 'registered' AND NOT r.walk_in THEN 1 ELSE 0 END), 0),
			COALESCE(sum(CASE WHEN r.checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0),
			COALESCE(sum(CASE WHEN r.walk_in AND r.checked_in_at IS NOT NULL THEN 1 ELSE 0 END), 0)
			FROM events e LEFT JOIN event_registrations r ON r.event_id = e.id
			WHERE `+w+` AND e.status IN ('held', 'closed') AND e.starts_at >= ? AND e.starts_at < ? GROUP BY `+month, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var m MonthStat
			if err := rows.Scan(&m.Month, &m.Events, &m.Registered, &m.Attended, &m.WalkIns); err != nil {
				rows.Close()
				return err
			}
			if i, ok := idx[m.Month]; ok {
				out[i] = m
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+month+`, count(*), avg(a.value) FROM survey_answers a
			JOIN survey_questions q ON q.id = a.question_id AND q.kind = 'rating'
			JOIN survey_invites i ON i.id = a.invite_id AND i.subject = 'event'
			JOIN events e ON e.id = i.subject_id
			WHERE `+w+` AND e.starts_at >= ? AND e.starts_at < ? AND a.value IS NOT NULL GROUP BY `+month, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m string
			var n int
			var avg float64
			if err := rows.Scan(&m, &n, &avg); err != nil {
				return err
			}
			if i, ok := idx[m]; ok {
				a := float64(int(avg*100+0.5)) / 100
				out[i].Rated, out[i].AvgRating = n, &a
			}
		}
		return rows.Err()
	})
	return out, err
}
