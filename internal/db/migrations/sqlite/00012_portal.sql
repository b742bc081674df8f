-- The member portal (会员自助): text messages sent to members (with the
-- built-in outbox), one-time SMS sign-in codes and their rate limits, member
-- sessions, and members' requests and complaints (诉求) with photos and a
-- history that staff handling will extend.
-- +goose Up

-- A text message (短信) as sent, or as waiting in the outbox. The mobile is
-- only stored encrypted, with its blind index for lookups.
CREATE TABLE sms_messages (
    id         INTEGER PRIMARY KEY,
    mobile_enc BLOB NOT NULL,
    mobile_idx TEXT NOT NULL,
    purpose    TEXT NOT NULL,                 -- 'login_code', …
    text       TEXT NOT NULL,
    provider   TEXT NOT NULL,                 -- 'outbox', 'http'
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    error      TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    sent_at    TIMESTAMP
);
CREATE INDEX sms_messages_mobile ON sms_messages(mobile_idx, id);

-- A one-time sign-in code (验证码): only its keyed hash is kept.
CREATE TABLE member_login_codes (
    id         INTEGER PRIMARY KEY,
    mobile_idx TEXT NOT NULL,
    code_hash  TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    attempts   INTEGER NOT NULL DEFAULT 0,    -- wrong tries
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX member_login_codes_mobile ON member_login_codes(mobile_idx, created_at);
CREATE INDEX member_login_codes_ip ON member_login_codes(ip, created_at);

-- One row per rate-limited key ('mobile:<index>', 'ip:<address>'), locked
-- while a code is issued so that servers sharing the database count alike.
CREATE TABLE member_code_locks (
    key TEXT PRIMARY KEY
);

-- A member's signed-in browser in the portal, apart from staff sessions.
CREATE TABLE member_sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,        -- SHA-256 of the cookie value
    member_id    INTEGER REFERENCES members(id), -- NULL until the person joins
    mobile_enc   BLOB NOT NULL,
    mobile_idx   TEXT NOT NULL,
    csrf_token   TEXT NOT NULL,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX member_sessions_member ON member_sessions(member_id);
CREATE INDEX member_sessions_expires ON member_sessions(expires_at);

-- A request or complaint (诉求): from intake to closure.
CREATE TABLE requests (
    id          INTEGER PRIMARY KEY,
    no          TEXT UNIQUE,                  -- SQ20261123-000042, set right after insert
    member_id   INTEGER NOT NULL REFERENCES members(id),
    node_path   TEXT NOT NULL,                -- the member's node, for scope checks
    kind        TEXT NOT NULL CHECK (kind IN ('complaint', 'privacy', 'correction', 'suggestion')),
    subkind     TEXT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('portal', 'phone', 'site', 'forum')),
    text        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'assigned', 'in_progress', 'resolved', 'closed')),
    department  TEXT NOT NULL DEFAULT '',     -- the responsible department, once routed
    assignee_id INTEGER REFERENCES staff(id),
    due_at      TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    closed_at   TIMESTAMP
);
CREATE INDEX requests_member ON requests(member_id, id);
CREATE INDEX requests_node_path ON requests(node_path);
CREATE INDEX requests_status ON requests(status, id);
-- PIPL requests (a copy of my data, delete my account): one open of each per member.
CREATE UNIQUE INDEX requests_one_open_pipl ON requests(member_id, subkind)
    WHERE subkind IN ('data_copy', 'account_deletion') AND status NOT IN ('resolved', 'closed');

CREATE TABLE request_photos (
    id           INTEGER PRIMARY KEY,
    request_id   INTEGER NOT NULL REFERENCES requests(id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,               -- sniffed from the bytes, never taken from the client
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX request_photos_request ON request_photos(request_id);

-- The history (处理记录) of a request: submitted, assigned, replied, closed …
CREATE TABLE request_events (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES requests(id),
    at          TIMESTAMP NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX request_events_request ON request_events(request_id, id);

-- +goose Down
DROP TABLE request_events;
DROP TABLE request_photos;
DROP TABLE requests;
DROP TABLE member_sessions;
DROP TABLE member_code_locks;
DROP TABLE member_login_codes;
DROP TABLE sms_messages;
