-- Foundation: org tree, staff, roles, sessions, tokens, login throttling, audit log.
-- +goose Up
CREATE TABLE org_nodes (
    id         INTEGER PRIMARY KEY,
    parent_id  INTEGER REFERENCES org_nodes(id),
    kind       TEXT NOT NULL CHECK (kind IN ('group', 'region', 'city', 'project')),
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    path       TEXT NOT NULL UNIQUE, -- '/1/4/9/': ancestors' ids, for scope checks
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX org_nodes_parent ON org_nodes(parent_id);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE staff (
    id                  INTEGER PRIMARY KEY,
    login               TEXT NOT NULL UNIQUE,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL DEFAULT '',
    node_id             INTEGER NOT NULL REFERENCES org_nodes(id),
    password_hash       TEXT NOT NULL,
    locale              TEXT NOT NULL DEFAULT 'zh-CN',
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    password_changed_at TIMESTAMP NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX staff_node ON staff(node_id);

CREATE TABLE staff_roles (
    id         INTEGER PRIMARY KEY,
    staff_id   INTEGER NOT NULL REFERENCES staff(id),
    role       TEXT NOT NULL,
    node_id    INTEGER NOT NULL REFERENCES org_nodes(id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (staff_id, role, node_id)
);

CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY,
    staff_id     INTEGER NOT NULL REFERENCES staff(id),
    csrf_token   TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_staff ON sessions(staff_id);
CREATE INDEX sessions_expires ON sessions(expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    staff_id     INTEGER NOT NULL REFERENCES staff(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_tokens_staff ON api_tokens(staff_id);

CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY, -- 'login:<login>' or 'ip:<address>'
    failures        INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          TIMESTAMP NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER,
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL DEFAULT '',
    node_path   TEXT NOT NULL DEFAULT '', -- org scope of the object, for scoped reading
    summary     TEXT NOT NULL DEFAULT '',
    before_data TEXT NOT NULL DEFAULT '',
    after_data  TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);

-- The audit log is append-only: no statement may change or remove an entry.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- Every database starts with the group's root node; staff rename it.
INSERT INTO org_nodes (parent_id, kind, code, name, path, created_at, updated_at)
VALUES (NULL, 'group', 'GROUP', '集团', '/', strftime('%Y-%m-%d %H:%M:%f000', 'now'), strftime('%Y-%m-%d %H:%M:%f000', 'now'));
UPDATE org_nodes SET path = '/' || id || '/' WHERE kind = 'group';

-- +goose Down
DROP TABLE audit_log;
DROP TABLE login_throttle;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE staff_roles;
DROP TABLE staff;
DROP TABLE settings;
DROP TABLE org_nodes;
