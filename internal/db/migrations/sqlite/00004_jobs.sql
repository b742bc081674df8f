-- Background jobs (imports, exports …) that any server may run, with
-- progress kept in the database so every server shows it.
-- +goose Up
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    params       TEXT NOT NULL DEFAULT '{}',
    node_path    TEXT NOT NULL DEFAULT '',
    created_by   INTEGER REFERENCES staff(id),
    file_name    TEXT NOT NULL DEFAULT '',
    input        BLOB,
    done         INTEGER NOT NULL DEFAULT 0,
    total        INTEGER NOT NULL DEFAULT 0,
    result       TEXT NOT NULL DEFAULT '',
    output_name  TEXT NOT NULL DEFAULT '',
    output       BLOB,
    error        TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    worker       TEXT NOT NULL DEFAULT '',
    heartbeat_at TIMESTAMP,
    created_at   TIMESTAMP NOT NULL,
    started_at   TIMESTAMP,
    finished_at  TIMESTAMP
);
CREATE INDEX jobs_status ON jobs(status, id);
CREATE INDEX jobs_creator ON jobs(created_by, id);

-- +goose Down
DROP TABLE jobs;
