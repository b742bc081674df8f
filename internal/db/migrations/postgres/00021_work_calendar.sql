-- The working-day calendar (工作日历): the group-wide exceptions to "Monday
-- to Friday": public holidays (节假日, a weekday off, or a weekend day named
-- for the holiday period it falls in) and adjusted working days (调休上班, a
-- Saturday or Sunday that is worked). Due times of requests are counted in
-- working hours on it. The working hours of a day live in settings
-- ("calendar.hours"); "calendar.version" counts the edits, so that each
-- server reloads its cached calendar after any server's edit.
-- +goose Up
CREATE TABLE work_calendar (
    day        TEXT PRIMARY KEY CHECK (length(day) = 10), -- 'YYYY-MM-DD', China time
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL,
    updated_by TEXT NOT NULL, -- the login of who set it
    updated_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE work_calendar;
