package calendar

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// The settings keys of the calendar: the working hours as JSON, and the
// count of edits, which every edit raises in its transaction (taking the
// row's lock first, so that edits of the calendar follow one another).
const (
	hoursKey   = "calendar.hours"
	versionKey = "calendar.version"
)

// groupPath is the org scope of the calendar in the audit log: the group.
const groupPath = "/1/"

// Service keeps the calendar. It caches the last snapshot it loaded and
// loads again when the calendar's edit count has moved (an edit here or
// on another server).
type Service struct {
	DB *db.DB

	mu     sync.Mutex
	cached *Calendar
}

// Load is the calendar as it stands: the cached snapshot unless it was
// edited since (one small query to tell).
func (s *Service) Load(ctx context.Context) (*Calendar, error) {
	var ver int64
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) { ver, err = version(ctx, tx); return err })
	if err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	s.mu.Lock()
	c := s.cached
	s.mu.Unlock()
	if c != nil && c.version == ver {
		return c, nil
	}
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		if ver, err = version(ctx, tx); err != nil {
			return err
		}
		days, err := listDays(ctx, tx, "", "")
		if err != nil {
			return err
		}
		h, err := hours(ctx, tx)
		if err != nil {
			return err
		}
		c = newCalendar(days, h, ver)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load calendar: %w", err)
	}
	s.mu.Lock()
	if s.cached == nil || s.cached.version <= c.version {
		s.cached = c
	}
	s.mu.Unlock()
	return c, nil
}

// forget drops the cached snapshot after an edit.
func (s *Service) forget() {
	s.mu.Lock()
	s.cached = nil
	s.mu.Unlock()
}

func version(ctx context.Context, tx *db.Tx) (int64, error) {
	var v string
	err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", versionKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(v, 10, 64)
}

// bump raises the edit count; it is the first write of every edit, so
// that concurrent edits wait for one another on its row.
func bump(ctx context.Context, tx *db.Tx) error {
	_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, '1', ?)
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT), updated_at = excluded.updated_at`,
		versionKey, tx.Now)
	return err
}

// listDays reads the exceptions from one date (inclusive) to another
// (exclusive); "" leaves a side open.
func listDays(ctx context.Context, tx *db.Tx, from, to string) ([]Day, error) {
	q := "SELECT day, kind, name, updated_by, updated_at FROM work_calendar WHERE 1 = 1"
	var args []any
	if from != "" {
		q += " AND day >= ?"
		args = append(args, from)
	}
	if to != "" {
		q += " AND day < ?"
		args = append(args, to)
	}
	rows, err := tx.Query(ctx, q+" ORDER BY day", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Day
	for rows.Next() {
		var d Day
		if err := rows.Scan(&d.Date, &d.Kind, &d.Name, &d.UpdatedBy, &d.UpdatedAt); err != nil {
			return nil, err
		}
		d.UpdatedAt = d.UpdatedAt.In(China)
		out = append(out, d)
	}
	return out, rows.Err()
}

func yearRange(year int) (string, string) {
	return fmt.Sprintf("%04d-01-01", year), fmt.Sprintf("%04d-01-01", year+1)
}

// Days is the exceptions of a year, by date.
func (s *Service) Days(ctx context.Context, year int) ([]Day, error) {
	if err := CheckYear(year); err != nil {
		return nil, err
	}
	var out []Day
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		from, to := yearRange(year)
		out, err = listDays(ctx, tx, from, to)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("calendar days of %d: %w", year, err)
	}
	return out, nil
}

// Years is the years that have exceptions, in order.
func (s *Service) Years(ctx context.Context) ([]int, error) {
	var out []int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT DISTINCT substr(day, 1, 4) FROM work_calendar ORDER BY 1")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var y string
			if err := rows.Scan(&y); err != nil {
				return err
			}
			n, _ := strconv.Atoi(y)
			out = append(out, n)
		}
		return rows.Err()
	})
	return out, err
}

// SetDays adds or changes exceptions: all of them, or none if any is
// wrong. Days that already read so are left as they are.
func (s *Service) SetDays(ctx context.Context, days []Day) error {
	where := place(listed)
	if len(days) == 1 {
		where = single
	}
	return s.setDays(ctx, days, where)
}

func (s *Service) setDays(ctx context.Context, days []Day, where place) error {
	days, err := checkDays(days, where)
	if err != nil {
		return err
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx); err != nil {
			return err
		}
		return apply(ctx, tx, days, nil)
	})
	s.forget()
	if err != nil {
		return fmt.Errorf("set calendar days: %w", err)
	}
	return nil
}

// ReplaceYear makes the exceptions of year exactly days: those not listed
// are deleted. All or nothing.
func (s *Service) ReplaceYear(ctx context.Context, year int, days []Day) error {
	if err := CheckYear(year); err != nil {
		return err
	}
	var err error
	if len(days) > 0 {
		if days, err = checkDays(days, listed); err != nil {
			return err
		}
	}
	prefix := fmt.Sprintf("%04d-", year)
	keep := make(map[string]bool, len(days))
	for i, d := range days {
		if !strings.HasPrefix(d.Date, prefix) {
			return apperr.Field("date", fmt.Sprintf("第 %d 条：%s 不在 %d 年", i+1, d.Date, year),
				fmt.Sprintf("entry %d: %s is not in %d", i+1, d.Date, year))
		}
		keep[d.Date] = true
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx); err != nil {
			return err
		}
		from, to := yearRange(year)
		old, err := listDays(ctx, tx, from, to)
		if err != nil {
			return err
		}
		var drop []Day
		for _, d := range old {
			if !keep[d.Date] {
				drop = append(drop, d)
			}
		}
		return apply(ctx, tx, days, drop)
	})
	s.forget()
	if err != nil {
		return fmt.Errorf("replace calendar of %d: %w", year, err)
	}
	return nil
}

// entry is a day as the audit log keeps it.
type entry struct {
	Date string `json:"date"`
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
}

// apply writes days and deletes drop in tx, and records what changed.
func apply(ctx context.Context, tx *db.Tx, days, drop []Day) error {
	var before, after []entry
	var dates []string
	for _, d := range days {
		var old entry
		err := tx.QueryRow(ctx, "SELECT day, kind, name FROM work_calendar WHERE day = ?"+tx.ForUpdate(), d.Date).Scan(&old.Date, &old.Kind, &old.Name)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case old.Kind == d.Kind && old.Name == d.Name:
			continue
		default:
			before = append(before, old)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO work_calendar (day, kind, name, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
			d.Date, d.Kind, d.Name, tx.Actor.Login, tx.Now); err != nil {
			return err
		}
		after = append(after, entry{d.Date, d.Kind, d.Name})
		dates = append(dates, d.Date)
	}
	for _, d := range drop {
		if _, err := tx.Exec(ctx, "DELETE FROM work_calendar WHERE day = ?", d.Date); err != nil {
			return err
		}
		before = append(before, entry{d.Date, d.Kind, d.Name})
		dates = append(dates, d.Date)
	}
	if len(dates) == 0 {
		return nil
	}
	summary := fmt.Sprintf("工作日历：设置 %d 天", len(after))
	if len(drop) > 0 {
		summary += fmt.Sprintf("，删除 %d 天", len(drop))
	}
	return audit.Record(ctx, tx, audit.Change{Action: "calendar.set_days", ObjectType: "calendar", ObjectID: years(dates),
		NodePath: groupPath, Summary: summary + "（" + abbreviate(dates, 8) + "）", Before: before, After: after})
}

// years is the distinct years of dates, joined: "2026" or "2026,2027".
func years(dates []string) string {
	var out []string
	for _, d := range dates {
		y := d[:4]
		if !slices.Contains(out, y) {
			out = append(out, y)
		}
	}
	return strings.Join(out, ",")
}

// abbreviate lists at most n dates, then how many more.
func abbreviate(dates []string, n int) string {
	if len(dates) <= n {
		return strings.Join(dates, "、")
	}
	return strings.Join(dates[:n], "、") + fmt.Sprintf(" 等 %d 天", len(dates))
}

// DeleteDay removes an exception: the day goes back to what its weekday
// makes it.
func (s *Service) DeleteDay(ctx context.Context, date string) error {
	date, err := checkDate(date)
	if err != nil {
		return err
	}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx); err != nil {
			return err
		}
		var old entry
		err := tx.QueryRow(ctx, "SELECT day, kind, name FROM work_calendar WHERE day = ?"+tx.ForUpdate(), date).Scan(&old.Date, &old.Kind, &old.Name)
		if errors.Is(err, sql.ErrNoRows) {
			return &apperr.Error{Code: apperr.NotFound, Field: "date", ZH: "工作日历中没有 " + date, EN: date + " is not in the calendar"}
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM work_calendar WHERE day = ?", date); err != nil {
			return err
		}
		zh, _ := KindWords(old.Kind)
		return audit.Record(ctx, tx, audit.Change{Action: "calendar.delete_day", ObjectType: "calendar", ObjectID: date, NodePath: groupPath,
			Summary: fmt.Sprintf("工作日历：删除 %s（%s，%s）", date, old.Name, zh), Before: old})
	})
	s.forget()
	if err != nil {
		return fmt.Errorf("delete calendar day: %w", err)
	}
	return nil
}

// Hours is the working hours of a working day.
func (s *Service) Hours(ctx context.Context) (Hours, error) {
	var h Hours
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) { h, err = hours(ctx, tx); return err })
	return h, err
}

func hours(ctx context.Context, tx *db.Tx) (Hours, error) {
	var v string
	err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", hoursKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultHours, nil
	}
	if err != nil {
		return Hours{}, err
	}
	var h Hours
	if err := json.Unmarshal([]byte(v), &h); err != nil || h.Validate() != nil {
		return Hours{}, fmt.Errorf("setting %s holds %q: not valid working hours", hoursKey, v)
	}
	return h.normal(), nil
}

// SetHours changes the working hours (start < lunch start <= lunch end <
// end); due times already set stay as they are.
func (s *Service) SetHours(ctx context.Context, h Hours) error {
	if err := h.Validate(); err != nil {
		return err
	}
	h = h.normal()
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		if err := bump(ctx, tx); err != nil {
			return err
		}
		old, err := hours(ctx, tx)
		if err != nil || old == h {
			return err
		}
		v, _ := json.Marshal(h)
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, hoursKey, string(v), tx.Now); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "calendar.set_hours", ObjectType: "setting", ObjectID: hoursKey, NodePath: groupPath,
			Summary: "工作时间 " + old.String() + " → " + h.String(), Before: old, After: h})
	})
	s.forget()
	if err != nil {
		return fmt.Errorf("set working hours: %w", err)
	}
	return nil
}

// String is the hours as "09:00–12:00, 13:00–18:00".
func (h Hours) String() string {
	if h.LunchStart == h.LunchEnd {
		return h.Start + "–" + h.End
	}
	return h.Start + "–" + h.LunchStart + ", " + h.LunchEnd + "–" + h.End
}
