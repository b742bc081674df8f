-- Staff handling of requests and complaints (诉求处理): departments per org
-- node with their staff, routing rules, due times per kind counted in
-- working hours, the workflow's new columns (waiting for the member,
-- first response, escalation, reopening, merging, satisfaction, PIPL
-- approval and copy file), replies and internal notes (sealed: members
-- write personal things), escalations, and staff notifications.
-- +goose Up
CREATE TABLE request_departments (
    id         INTEGER PRIMARY KEY,
    node_id    INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path  TEXT NOT NULL,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (node_id, code)
);
CREATE INDEX request_departments_path ON request_departments(node_path);

CREATE TABLE request_department_staff (
    department_id INTEGER NOT NULL REFERENCES request_departments(id),
    staff_id      INTEGER NOT NULL REFERENCES staff(id),
    PRIMARY KEY (department_id, staff_id)
);

-- A routing rule: requests of a kind (and subkind, '' any) of members at or
-- below the rule's node go to a department; the deepest node wins, then a
-- rule naming the subkind.
CREATE TABLE request_routes (
    id            INTEGER PRIMARY KEY,
    node_id       INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path     TEXT NOT NULL,
    kind          TEXT NOT NULL,
    subkind       TEXT NOT NULL DEFAULT '',
    department_id INTEGER NOT NULL REFERENCES request_departments(id),
    created_at    TIMESTAMP NOT NULL,
    UNIQUE (node_id, kind, subkind)
);

-- Due times per kind, in working hours; escalate_hours past a due time the
-- request goes one level further up.
CREATE TABLE request_sla (
    kind           TEXT PRIMARY KEY,
    respond_hours  INTEGER NOT NULL CHECK (respond_hours > 0),
    resolve_hours  INTEGER NOT NULL CHECK (resolve_hours > 0),
    escalate_hours INTEGER NOT NULL CHECK (escalate_hours > 0),
    updated_at     TIMESTAMP NOT NULL
);
INSERT INTO request_sla (kind, respond_hours, resolve_hours, escalate_hours, updated_at) VALUES
    ('complaint', 4, 40, 16, CURRENT_TIMESTAMP),
    ('privacy', 8, 120, 16, CURRENT_TIMESTAMP),
    ('correction', 8, 40, 16, CURRENT_TIMESTAMP),
    ('suggestion', 16, 80, 40, CURRENT_TIMESTAMP);

-- requests gains its workflow; SQLite cannot change a CHECK, so the table
-- is rebuilt (its children's references hold again at commit).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE requests_new (
    id             INTEGER PRIMARY KEY,
    no             TEXT UNIQUE,
    member_id      INTEGER NOT NULL REFERENCES members(id),
    node_path      TEXT NOT NULL,                -- the member's node, for scope checks
    project_path   TEXT NOT NULL DEFAULT '',     -- the project it is about, '' none: routing and property staff
    kind           TEXT NOT NULL CHECK (kind IN ('complaint', 'privacy', 'correction', 'suggestion')),
    subkind        TEXT NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('portal', 'phone', 'site', 'forum', 'email')),
    text           TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'in_progress', 'waiting', 'resolved', 'closed')),
    department_id  INTEGER REFERENCES request_departments(id),
    assignee_id    INTEGER REFERENCES staff(id),
    respond_due_at TIMESTAMP,
    due_at         TIMESTAMP,
    responded_at   TIMESTAMP,
    resolved_at    TIMESTAMP,
    paused_at      TIMESTAMP,                    -- waiting for the member since
    escalation     INTEGER NOT NULL DEFAULT 0,   -- 0, 1 the node's supervisor, 2 one level up
    reopened       INTEGER NOT NULL DEFAULT 0,
    merged_into    INTEGER REFERENCES requests(id),
    topic          TEXT NOT NULL DEFAULT '',     -- set by staff: the recurring topic (漏水, 停车 …)
    rating         INTEGER,                      -- satisfaction 1–5
    flagged        BOOLEAN NOT NULL DEFAULT FALSE, -- a rating of 1–2, for the supervisor
    approved_by    INTEGER REFERENCES staff(id), -- account deletion: the approving supervisor
    copy_file_id   INTEGER REFERENCES stored_files(id), -- data copy: the member's .xlsx
    version        INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    closed_at      TIMESTAMP
);
INSERT INTO requests_new (id, no, member_id, node_path, kind, subkind, channel, text, status, assignee_id, due_at,
    created_at, updated_at, closed_at)
SELECT id, no, member_id, node_path, kind, subkind, channel, text, status, assignee_id, due_at, created_at, updated_at, closed_at
FROM requests;
DROP TABLE requests;
ALTER TABLE requests_new RENAME TO requests;
CREATE INDEX requests_member ON requests(member_id, id);
CREATE INDEX requests_node_path ON requests(node_path);
CREATE INDEX requests_project_path ON requests(project_path);
CREATE INDEX requests_status ON requests(status, id);
CREATE INDEX requests_department ON requests(department_id, status);
CREATE INDEX requests_created ON requests(created_at);
CREATE UNIQUE INDEX requests_one_open_pipl ON requests(member_id, subkind)
    WHERE subkind IN ('data_copy', 'account_deletion') AND status NOT IN ('resolved', 'closed');

ALTER TABLE request_photos ADD COLUMN message_id INTEGER;

-- Replies to the member and internal notes, sealed.
CREATE TABLE request_messages (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES requests(id),
    author_kind  TEXT NOT NULL CHECK (author_kind IN ('staff', 'member', 'system')),
    author_id    INTEGER,
    internal     BOOLEAN NOT NULL DEFAULT FALSE,
    body_enc     BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX request_messages_request ON request_messages(request_id, id);

-- Each escalation once per request and level.
CREATE TABLE request_escalations (
    id         INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests(id),
    level      INTEGER NOT NULL,
    reason     TEXT NOT NULL CHECK (reason IN ('response', 'resolution')),
    to_staff   TEXT NOT NULL DEFAULT '',         -- the logins told
    at         TIMESTAMP NOT NULL,
    UNIQUE (request_id, level)
);

-- What staff are told (逾期升级 …), shown in the console.
CREATE TABLE staff_notifications (
    id          INTEGER PRIMARY KEY,
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    kind        TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   INTEGER NOT NULL,
    zh          TEXT NOT NULL,
    en          TEXT NOT NULL,
    href        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP
);
CREATE INDEX staff_notifications_staff ON staff_notifications(staff_id, read_at, id);

-- +goose Down
DROP TABLE staff_notifications;
DROP TABLE request_escalations;
DROP TABLE request_messages;
DROP TABLE request_routes;
DROP TABLE request_department_staff;
DROP TABLE request_sla;
