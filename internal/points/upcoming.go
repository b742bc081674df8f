package points

import (
	"context"
	"fmt"
	"time"

	"estateclub/internal/db"
)

// UpcomingExpiry is what of a member's reward points in one region expires
// (即将过期) at one year-end unless spent first, the oldest points being
// spent first.
type UpcomingExpiry struct {
	Region     string    `json:"region"`
	RegionName string    `json:"region_name"`
	Year       int       `json:"year"`       // the year-end
	ExpiresAt  time.Time `json:"expires_at"` // its cut-off
	Points     int64     `json:"points"`
	// Overdue points were due at a year-end that has passed and has not
	// been run yet: they go at its run.
	Overdue bool `json:"overdue,omitempty"`
}

// UpcomingExpiries lists, by region, the member's reward points that expire
// at the next two year-ends (and at the last one, while it has not been
// run), each amount on top of the earlier ones; a member and staff see the
// same figures. Nothing when points never expire.
func (s *Service) UpcomingExpiries(ctx context.Context, memberID int64) ([]UpcomingExpiry, error) {
	out := []UpcomingExpiry{}
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		if err := memberExists(ctx, tx, memberID); err != nil {
			return err
		}
		years, err := pointSetting(ctx, tx, expiryYearsKey, DefaultExpiryYears)
		if err != nil || years == 0 {
			return err
		}
		year := tx.Now.In(chinaTime).Year()
		periods := []ExpiryPeriod{ExpiryPeriodOf(year-1, years), ExpiryPeriodOf(year, years), ExpiryPeriodOf(year+1, years)}
		args := []any{}
		for _, p := range periods {
			args = append(args, p.EarnedBefore, p.EarnedBefore)
		}
		rows, err := tx.Query(ctx, `SELECT a.region_path, COALESCE(n.name, ''), a.balance, `+creditsBefore+`, `+creditsBefore+`, `+creditsBefore+`, `+debitsAll+
			postingsWithOrigin+` JOIN point_accounts a ON a.id = p.account_id LEFT JOIN org_nodes n ON n.path = a.region_path
			WHERE a.member_id = ? AND a.kind = 'reward' AND a.balance > 0
			GROUP BY a.region_path, n.name, a.balance ORDER BY a.region_path`, append(args, memberID)...)
		if err != nil {
			return err
		}
		type account struct {
			region, name    string
			balance, debits int64
			credits         [3]int64
		}
		var accounts []account
		for rows.Next() {
			var a account
			if err := rows.Scan(&a.region, &a.name, &a.balance, &a.credits[0], &a.credits[1], &a.credits[2], &a.debits); err != nil {
				rows.Close()
				return err
			}
			accounts = append(accounts, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, a := range accounts {
			var so int64 // points listed so far
			for i, p := range periods {
				cum := expiring(a.credits[i], a.debits, a.balance)
				if i == 0 {
					run, err := tx.Count(ctx, "SELECT count(*) FROM point_idempotency WHERE key = ?", expiryKey(p.Year, memberID, a.region))
					if err != nil {
						return err
					}
					if run > 0 {
						continue // anything left of it goes at the next year-end
					}
				}
				if cum > so {
					out = append(out, UpcomingExpiry{Region: a.region, RegionName: a.name, Year: p.Year, ExpiresAt: p.Cutoff,
						Points: cum - so, Overdue: i == 0})
					so = cum
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("upcoming expiries: %w", err)
	}
	return out, nil
}
