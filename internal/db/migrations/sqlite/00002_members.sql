-- Members (会员): default members, applications and review, profiles with
-- encrypted personal data, change history, tiers.
-- +goose Up
CREATE TABLE tiers (
    code              TEXT PRIMARY KEY, -- regular 普籍, silver 银籍, gold 金籍, platinum 白金
    rank              INTEGER NOT NULL UNIQUE,
    name_zh           TEXT NOT NULL,
    name_en           TEXT NOT NULL,
    threshold         INTEGER NOT NULL, -- upgrade points that reach the tier
    requires_approval BOOLEAN NOT NULL,
    benefits          TEXT NOT NULL DEFAULT '',
    updated_at        TIMESTAMP NOT NULL
);
INSERT INTO tiers (code, rank, name_zh, name_en, threshold, requires_approval, benefits, updated_at) VALUES
 ('regular', 0, '普籍', 'Regular', 0, FALSE, '会员活动报名；联盟商家基础折扣', strftime('%Y-%m-%d %H:%M:%f000', 'now')),
 ('silver', 1, '银籍', 'Silver', 1000, FALSE, '联盟商家 95 折；生日礼品；活动优先报名', strftime('%Y-%m-%d %H:%M:%f000', 'now')),
 ('gold', 2, '金籍', 'Gold', 5000, FALSE, '联盟商家 9 折；生日礼品；活动优先报名；专属客服', strftime('%Y-%m-%d %H:%M:%f000', 'now')),
 ('platinum', 3, '白金', 'Platinum', 20000, TRUE, '联盟商家 85 折；尊享生日礼；活动优先席位；专属客服与绿色通道', strftime('%Y-%m-%d %H:%M:%f000', 'now'));

CREATE TABLE members (
    id               INTEGER PRIMARY KEY,
    member_no        TEXT UNIQUE,              -- assigned on approval
    node_id          INTEGER NOT NULL REFERENCES org_nodes(id), -- where the member joined
    node_path        TEXT NOT NULL,            -- that node's org path, for scope checks
    status           TEXT NOT NULL CHECK (status IN ('default', 'pending', 'returned', 'active', 'closed')),
    tier             TEXT NOT NULL DEFAULT 'regular' REFERENCES tiers(code),
    name             TEXT NOT NULL DEFAULT '',
    name_pinyin      TEXT NOT NULL DEFAULT '', -- '|zhangsan|' (every reading of polyphonic characters)
    name_initials    TEXT NOT NULL DEFAULT '', -- '|zs|'
    gender           TEXT NOT NULL DEFAULT '',
    mobile_enc       BLOB NOT NULL,
    mobile_idx       TEXT NOT NULL UNIQUE,     -- HMAC of the normalised mobile: one member per person
    mobile_last4_idx TEXT NOT NULL,
    id_enc           BLOB,
    id_idx           TEXT UNIQUE,
    address_enc      BLOB,
    birthday         TEXT,                     -- YYYY-MM-DD
    email            TEXT NOT NULL DEFAULT '',
    wechat           TEXT NOT NULL DEFAULT '',
    occupation       TEXT NOT NULL DEFAULT '',
    family           TEXT NOT NULL DEFAULT '[]', -- JSON
    consent_sms      BOOLEAN NOT NULL DEFAULT FALSE,
    consent_email    BOOLEAN NOT NULL DEFAULT FALSE,
    consent_post     BOOLEAN NOT NULL DEFAULT FALSE,
    consent_at       TIMESTAMP,
    consent_how      TEXT NOT NULL DEFAULT '',
    channel          TEXT NOT NULL,
    recruiter_id     INTEGER REFERENCES staff(id),
    return_reason    TEXT NOT NULL DEFAULT '',
    joined_at        TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX members_node_path ON members(node_path);
CREATE INDEX members_last4 ON members(mobile_last4_idx);
CREATE INDEX members_status ON members(status, created_at);
CREATE INDEX members_name ON members(name);

CREATE TABLE member_tags (
    member_id INTEGER NOT NULL REFERENCES members(id),
    tag       TEXT NOT NULL,
    PRIMARY KEY (member_id, tag)
);
CREATE INDEX member_tags_tag ON member_tags(tag);

CREATE TABLE member_properties (
    id            INTEGER PRIMARY KEY,
    member_id     INTEGER NOT NULL REFERENCES members(id),
    project_id    INTEGER NOT NULL REFERENCES org_nodes(id),
    building      TEXT NOT NULL DEFAULT '',
    unit          TEXT NOT NULL DEFAULT '',
    contract_date TEXT,
    payment_date  TEXT,
    handover_date TEXT,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX member_properties_member ON member_properties(member_id);

CREATE TABLE member_applications (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    channel      TEXT NOT NULL,
    recruiter_id INTEGER REFERENCES staff(id),
    node_id      INTEGER NOT NULL REFERENCES org_nodes(id),
    status       TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'returned', 'merged')),
    reason       TEXT NOT NULL DEFAULT '',
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    reviewed_by  INTEGER REFERENCES staff(id),
    reviewed_at  TIMESTAMP
);
CREATE INDEX member_applications_member ON member_applications(member_id);
CREATE INDEX member_applications_status ON member_applications(status, submitted_at);

-- Every change of a member: who, when, old → new (personal data masked).
CREATE TABLE member_changes (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members(id),
    at          TIMESTAMP NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_login TEXT NOT NULL,
    source      TEXT NOT NULL, -- staff, self, application, import, system
    field       TEXT NOT NULL,
    old_value   TEXT NOT NULL DEFAULT '',
    new_value   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX member_changes_member ON member_changes(member_id, id);

CREATE TABLE tier_changes (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members(id),
    from_tier    TEXT NOT NULL,
    to_tier      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'automatic')),
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMP NOT NULL,
    decided_by   TEXT NOT NULL DEFAULT '',
    decided_at   TIMESTAMP,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tier_changes_member ON tier_changes(member_id, id);
CREATE INDEX tier_changes_status ON tier_changes(status);

-- +goose Down
DROP TABLE tier_changes;
DROP TABLE member_changes;
DROP TABLE member_applications;
DROP TABLE member_properties;
DROP TABLE member_tags;
DROP TABLE members;
DROP TABLE tiers;
