-- Sales-site reception and leads (客户及会员接待, 来人来电): leads with their
-- encrypted mobile (one lead per person per group), owners, statuses and
-- follow-ups, every change in the lead's history; visits and calls; the
-- project pool; protection claims; the daily paper-sheet reconciliation;
-- deals and the points they fire.
-- +goose Up

-- Lead settings (线索规则) per org node as JSON; a project uses the deepest
-- node on its path that has a row, else the built-in defaults.
CREATE TABLE lead_settings (
    node_id    INTEGER PRIMARY KEY REFERENCES org_nodes(id),
    config     TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Where each project's round-robin rotation (轮岗) stands.
CREATE TABLE lead_rotation (
    project_id    INTEGER PRIMARY KEY REFERENCES org_nodes(id),
    last_staff_id INTEGER REFERENCES staff(id),
    updated_at    TIMESTAMP NOT NULL
);

-- A lead (客户线索): a person who visited or called a project.
CREATE TABLE leads (
    id                 INTEGER PRIMARY KEY,
    group_id           INTEGER NOT NULL REFERENCES org_nodes(id), -- the group: one lead per mobile per group
    project_id         INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path          TEXT NOT NULL,                             -- the project's org path, for scope checks
    mobile_enc         BLOB NOT NULL,
    mobile_idx         TEXT NOT NULL,                             -- blind index, the same HMAC as members.mobile_idx
    mobile_last4_idx   TEXT NOT NULL,
    surname            TEXT NOT NULL DEFAULT '',
    name               TEXT NOT NULL DEFAULT '',
    gender             TEXT NOT NULL DEFAULT '',
    source             TEXT NOT NULL CHECK (source IN ('visit', 'call', 'import')), -- first contact: 来人, 来电
    media              TEXT NOT NULL DEFAULT '',                  -- 认知媒体
    lost_reason        TEXT NOT NULL DEFAULT '',                  -- 丢失原因
    status             TEXT NOT NULL CHECK (status IN ('none', 'c', 'b', 'a', 'deal')),
    fields             TEXT NOT NULL DEFAULT '{}',                -- JSON: the project's own fields
    owner_id           INTEGER REFERENCES staff(id),              -- NULL: awaiting assignment, or in the pool
    in_pool            BOOLEAN NOT NULL DEFAULT FALSE,            -- 公共池: any consultant may claim it
    assigned_at        TIMESTAMP,
    touched_at         TIMESTAMP NOT NULL,                        -- last assignment, visit or valid follow-up
    protected_until    TIMESTAMP,                                 -- 保护期: the owner keeps the lead until then
    referrer_member_id INTEGER REFERENCES members(id),            -- 老带新: the member who referred them
    member_id          INTEGER REFERENCES members(id),            -- the default member they became
    next_action        TEXT NOT NULL DEFAULT '',
    next_due           TEXT,                                      -- YYYY-MM-DD, China time
    status_at          TIMESTAMP NOT NULL,
    registered_by      TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    UNIQUE (group_id, mobile_idx),
    CHECK (NOT (in_pool AND owner_id IS NOT NULL))
);
CREATE INDEX leads_project ON leads(project_id, status);
CREATE INDEX leads_owner ON leads(owner_id, next_due);
CREATE INDEX leads_node_path ON leads(node_path);
CREATE INDEX leads_touched ON leads(touched_at) WHERE owner_id IS NOT NULL;

-- Every change of a lead: who, when, what (old → new) and why.
CREATE TABLE lead_history (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads(id),
    at          TIMESTAMP NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER,
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    old_value   TEXT NOT NULL DEFAULT '',
    new_value   TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX lead_history_lead ON lead_history(lead_id, id);
CREATE INDEX lead_history_actor ON lead_history(actor_id, action, at);

-- Each visit (来人) and call (来电), counted in reports and reconciled
-- against the paper sheets.
CREATE TABLE lead_contacts (
    id            INTEGER PRIMARY KEY,
    lead_id       INTEGER NOT NULL REFERENCES leads(id),
    project_id    INTEGER NOT NULL REFERENCES org_nodes(id),
    consultant_id INTEGER REFERENCES staff(id),
    kind          TEXT NOT NULL CHECK (kind IN ('visit', 'call')),
    first         BOOLEAN NOT NULL,                               -- the lead's first contact (新客) or a return (复访)
    media         TEXT NOT NULL DEFAULT '',
    day           TEXT NOT NULL,                                  -- YYYY-MM-DD, China time
    at            TIMESTAMP NOT NULL,
    recorded_by   TEXT NOT NULL
);
CREATE INDEX lead_contacts_day ON lead_contacts(project_id, day);
CREATE INDEX lead_contacts_lead ON lead_contacts(lead_id);

-- Follow-ups (跟进记录) with the stage's questionnaire answers.
CREATE TABLE lead_follow_ups (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads(id),
    staff_id    INTEGER REFERENCES staff(id),
    by_owner    BOOLEAN NOT NULL,                                 -- only the owner's follow-ups keep the lead
    status      TEXT NOT NULL,                                    -- the lead's status at the time
    channel     TEXT NOT NULL CHECK (channel IN ('phone', 'visit', 'wechat', 'sms', 'other')),
    content     TEXT NOT NULL,
    answers     TEXT NOT NULL DEFAULT '{}',                       -- JSON
    next_action TEXT NOT NULL DEFAULT '',
    next_due    TEXT,
    due_was     TEXT,                                             -- the due day this follow-up answered
    at          TIMESTAMP NOT NULL
);
CREATE INDEX lead_follow_ups_lead ON lead_follow_ups(lead_id, id);
CREATE INDEX lead_follow_ups_staff ON lead_follow_ups(staff_id, at);

-- Conflicting claims (撞单): another consultant says the customer is theirs.
CREATE TABLE lead_claims (
    id          INTEGER PRIMARY KEY,
    lead_id     INTEGER NOT NULL REFERENCES leads(id),
    claimant_id INTEGER NOT NULL REFERENCES staff(id),
    owner_id    INTEGER REFERENCES staff(id),                     -- the owner when claimed
    protected   BOOLEAN NOT NULL,                                 -- the owner's protection was running
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'granted', 'rejected')),
    decided_by  TEXT NOT NULL DEFAULT '',
    decided_at  TIMESTAMP,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX lead_claims_lead ON lead_claims(lead_id);
CREATE UNIQUE INDEX lead_claims_open ON lead_claims(lead_id, claimant_id) WHERE status = 'open';

-- The paper visit/call sheet counts (来访来电登记表) per consultant and day.
CREATE TABLE lead_sheets (
    project_id INTEGER NOT NULL REFERENCES org_nodes(id),
    day        TEXT NOT NULL,
    staff_id   INTEGER NOT NULL REFERENCES staff(id),
    visits     INTEGER NOT NULL CHECK (visits >= 0),
    calls      INTEGER NOT NULL CHECK (calls >= 0),
    entered_by TEXT NOT NULL,
    entered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, day, staff_id)
);

-- A signed-off day (日清): its sheets and contacts are locked.
CREATE TABLE lead_signoffs (
    project_id INTEGER NOT NULL REFERENCES org_nodes(id),
    day        TEXT NOT NULL,
    signed_by  TEXT NOT NULL,
    signed_at  TIMESTAMP NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    summary    TEXT NOT NULL,                                     -- JSON: the reconciliation as signed
    PRIMARY KEY (project_id, day)
);

-- Deals (成交): a subscription (认购) or contract (签约) for a unit.
CREATE TABLE lead_deals (
    id         INTEGER PRIMARY KEY,
    lead_id    INTEGER NOT NULL REFERENCES leads(id),
    project_id INTEGER NOT NULL REFERENCES org_nodes(id),
    building   TEXT NOT NULL,
    unit       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('subscription', 'contract')),
    deal_date  TEXT NOT NULL,
    staff_id   INTEGER REFERENCES staff(id),
    member_id  INTEGER REFERENCES members(id),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (project_id, building, unit, kind)
);
CREATE INDEX lead_deals_lead ON lead_deals(lead_id);

-- The points events a deal fires, posted through the points service with
-- an idempotent ref; 'waiting' ones are posted again later.
CREATE TABLE lead_deal_points (
    deal_id    INTEGER NOT NULL REFERENCES lead_deals(id),
    event_type TEXT NOT NULL,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    ref        TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('waiting', 'posted')),
    event_id   INTEGER,
    error      TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (deal_id, event_type)
);

-- +goose Down
DROP TABLE lead_deal_points;
DROP TABLE lead_deals;
DROP TABLE lead_signoffs;
DROP TABLE lead_sheets;
DROP TABLE lead_claims;
DROP TABLE lead_follow_ups;
DROP TABLE lead_contacts;
DROP TABLE lead_history;
DROP TABLE leads;
DROP TABLE lead_rotation;
DROP TABLE lead_settings;
