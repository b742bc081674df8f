-- Each run of a periodic job (定时任务: session purges, the lead pool
-- return …), as the admin page lists them: when it started and ended, how
-- it went, how many things it handled, and whether staff started it by
-- hand. River runs the jobs; its own rows are deleted a day after they
-- finish, these are kept 30 days.
-- +goose Up
CREATE TABLE periodic_runs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    manual      BOOLEAN NOT NULL DEFAULT FALSE,
    handled     INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    worker      TEXT NOT NULL DEFAULT '',
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX periodic_runs_name ON periodic_runs(name, started_at);

-- +goose Down
DROP TABLE periodic_runs;
