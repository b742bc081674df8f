-- Point plans (积分计划) with their rules (积分规则), the qualifying events
-- (积分事件) that earn points under them and the awards they made, award
-- batches (批量发放), and point adjustments (积分调整) awaiting a supervisor.
-- +goose Up

-- A plan belongs to an org node and awards the members who joined at or
-- below it. A specialist drafts it, the group supervisor approves it; only
-- approved plans award, within their validity.
CREATE TABLE point_plans (
    id             INTEGER PRIMARY KEY,
    node_id        INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path      TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('yearly', 'adhoc')), -- 年度 / 非常规
    name           TEXT NOT NULL CHECK (name <> ''),
    year           INTEGER,       -- yearly plans: the calendar year
    valid_from     TEXT NOT NULL, -- YYYY-MM-DD, China calendar days, both inclusive
    valid_to       TEXT NOT NULL,
    budget_upgrade INTEGER NOT NULL DEFAULT 0 CHECK (budget_upgrade BETWEEN 0 AND 1000000000000),
    budget_reward  INTEGER NOT NULL DEFAULT 0 CHECK (budget_reward BETWEEN 0 AND 1000000000000),
    note           TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'approved', 'cancelled')),
    created_by     TEXT NOT NULL, -- the drafter's login
    changed_by     TEXT NOT NULL, -- who last wrote its content: the drafter, an editor, a change's proposer
    submitted_by   TEXT,
    submitted_at   TIMESTAMP,
    approved_by    TEXT,
    approved_at    TIMESTAMP,
    return_note    TEXT NOT NULL DEFAULT '', -- why the supervisor sent it back
    cancelled_by   TEXT,
    cancelled_at   TIMESTAMP,
    cancel_reason  TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    CHECK (valid_from <= valid_to),
    CHECK ((kind = 'yearly') = (year IS NOT NULL)),
    -- 四眼原则: whoever wrote the plan's content never approves it.
    CHECK (approved_by IS NULL OR approved_by <> changed_by),
    CHECK (status <> 'approved' OR approved_by IS NOT NULL),
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);
CREATE INDEX point_plans_node_path ON point_plans(node_path);
CREATE INDEX point_plans_status ON point_plans(status, valid_from);
-- One approved yearly plan per node and year (drafts may compete).
CREATE UNIQUE INDEX point_plans_yearly ON point_plans(node_id, year) WHERE kind = 'yearly' AND status = 'approved';

-- A rule says which event earns how many points of which kind, capped per
-- member and period, within its validity (the plan's when not set).
CREATE TABLE point_rules (
    id         INTEGER PRIMARY KEY,
    plan_id    INTEGER NOT NULL REFERENCES point_plans(id),
    category   TEXT NOT NULL CHECK (category IN ('member', 'marketing', 'brand', 'sales', 'research', 'other')),
    event_type TEXT NOT NULL CHECK (event_type IN ('joined', 'birthday', 'profile_completed', 'site_visit', 'referral_visit',
        'referral_purchase', 'on_time_payment', 'contract_signed', 'survey', 'event_attendance', 'article_published',
        'merchant_purchase', 'other')),
    kind       TEXT NOT NULL CHECK (kind IN ('upgrade', 'reward')),
    amount     INTEGER NOT NULL CHECK (amount BETWEEN 1 AND 100000000),
    cap_period TEXT NOT NULL DEFAULT 'none' CHECK (cap_period IN ('none', 'day', 'month', 'year', 'plan')),
    cap_count  INTEGER NOT NULL DEFAULT 0 CHECK (cap_count >= 0),  -- awards per member and period; 0: no limit
    cap_points INTEGER NOT NULL DEFAULT 0 CHECK (cap_points >= 0),  -- points per member and period; 0: no limit
    valid_from TEXT, -- YYYY-MM-DD
    valid_to   TEXT,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((cap_period = 'none') = (cap_count = 0 AND cap_points = 0)),
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to)
);
CREATE INDEX point_rules_plan ON point_rules(plan_id);
CREATE INDEX point_rules_event_type ON point_rules(event_type, plan_id);

-- A change (计划调整) to an approved plan: proposed as a whole, applied only
-- when another person approves it; the plan goes on awarding meanwhile.
CREATE TABLE point_plan_changes (
    id            INTEGER PRIMARY KEY,
    plan_id       INTEGER NOT NULL REFERENCES point_plans(id),
    revision      TEXT NOT NULL, -- JSON: plan fields, rules to add, rules to change
    reason        TEXT NOT NULL CHECK (reason <> ''),
    status        TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    proposed_by   TEXT NOT NULL,
    proposed_at   TIMESTAMP NOT NULL,
    decided_by    TEXT,
    decided_at    TIMESTAMP,
    decision_note TEXT NOT NULL DEFAULT '',
    CHECK ((status = 'pending') = (decided_by IS NULL)),
    CHECK (status <> 'approved' OR decided_by <> proposed_by)
);
CREATE INDEX point_plan_changes_plan ON point_plan_changes(plan_id);
CREATE UNIQUE INDEX point_plan_changes_pending ON point_plan_changes(plan_id) WHERE status = 'pending';

-- A batch of awards (批量发放): an event's attendees or an uploaded sheet,
-- all posted in one transaction or none.
CREATE TABLE point_award_batches (
    id             INTEGER PRIMARY KEY,
    event_type     TEXT NOT NULL,
    ref            TEXT NOT NULL DEFAULT '',
    source         TEXT NOT NULL CHECK (source IN ('list', 'xlsx')),
    file_name      TEXT NOT NULL DEFAULT '',
    row_count      INTEGER NOT NULL DEFAULT 0,
    events         INTEGER NOT NULL DEFAULT 0, -- events recorded by this batch
    replayed       INTEGER NOT NULL DEFAULT 0, -- rows whose event was recorded before
    awards         INTEGER NOT NULL DEFAULT 0, -- ledger transactions posted
    points_upgrade INTEGER NOT NULL DEFAULT 0,
    points_reward  INTEGER NOT NULL DEFAULT 0,
    actor_kind     TEXT NOT NULL,
    actor_login    TEXT NOT NULL,
    request_id     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL
);

-- A qualifying event (积分事件) of a member: recorded once per (member,
-- type, ref), whatever the retries; its awards link it to the ledger.
CREATE TABLE point_events (
    id          INTEGER PRIMARY KEY,
    key         TEXT NOT NULL UNIQUE, -- 'member:type:ref'
    member_id   INTEGER NOT NULL REFERENCES members(id),
    event_type  TEXT NOT NULL,
    ref         TEXT NOT NULL DEFAULT '', -- event id, contract number, survey …
    occurred_at TIMESTAMP NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    batch_id    INTEGER REFERENCES point_award_batches(id),
    actor_kind  TEXT NOT NULL,
    actor_login TEXT NOT NULL,
    request_id  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX point_events_member ON point_events(member_id, occurred_at);
CREATE INDEX point_events_batch ON point_events(batch_id) WHERE batch_id IS NOT NULL;

-- What a rule gave for an event: one ledger transaction each. Caps count
-- these rows per rule, member and period.
CREATE TABLE point_awards (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES point_events(id),
    rule_id        INTEGER NOT NULL REFERENCES point_rules(id),
    plan_id        INTEGER NOT NULL, -- copies of the rule's plan and the event's member for the
    member_id      INTEGER NOT NULL, -- cap and usage queries: rule_id and event_id are the references
    kind           TEXT NOT NULL CHECK (kind IN ('upgrade', 'reward')),
    amount         INTEGER NOT NULL CHECK (amount > 0),
    capped         BOOLEAN NOT NULL DEFAULT FALSE, -- cut down to what the cap left
    occurred_at    TIMESTAMP NOT NULL,
    transaction_id INTEGER NOT NULL UNIQUE REFERENCES point_transactions(id),
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (event_id, rule_id)
);
CREATE INDEX point_awards_cap ON point_awards(rule_id, member_id, occurred_at);

-- +goose StatementBegin
CREATE TRIGGER point_events_no_update BEFORE UPDATE ON point_events
BEGIN
    SELECT RAISE(ABORT, 'point_events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_events_no_delete BEFORE DELETE ON point_events
BEGIN
    SELECT RAISE(ABORT, 'point_events is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_awards_no_update BEFORE UPDATE ON point_awards
BEGIN
    SELECT RAISE(ABORT, 'point_awards is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_awards_no_delete BEFORE DELETE ON point_awards
BEGIN
    SELECT RAISE(ABORT, 'point_awards is append-only');
END;
-- +goose StatementEnd

-- An adjustment (积分调整): a specialist proposes it, another person
-- decides; only an approved one posts, and it names its transaction.
CREATE TABLE point_adjustments (
    id             INTEGER PRIMARY KEY,
    member_id      INTEGER NOT NULL REFERENCES members(id),
    node_path      TEXT NOT NULL, -- the member's, for scope
    kind           TEXT NOT NULL CHECK (kind IN ('upgrade', 'reward')),
    region_path    TEXT NOT NULL DEFAULT '', -- '': the region the member joined in
    amount         INTEGER NOT NULL CHECK (amount <> 0 AND amount BETWEEN -100000000 AND 100000000),
    reason         TEXT NOT NULL CHECK (reason <> ''),
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    proposed_by    TEXT NOT NULL,
    proposed_at    TIMESTAMP NOT NULL,
    decided_by     TEXT,
    decided_at     TIMESTAMP,
    decision_note  TEXT NOT NULL DEFAULT '',
    transaction_id INTEGER UNIQUE REFERENCES point_transactions(id),
    CHECK ((status = 'pending') = (decided_by IS NULL)),
    CHECK (status <> 'approved' OR decided_by <> proposed_by),
    CHECK ((status = 'approved') = (transaction_id IS NOT NULL))
);
CREATE INDEX point_adjustments_status ON point_adjustments(status, proposed_at);
CREATE INDEX point_adjustments_member ON point_adjustments(member_id);
CREATE INDEX point_adjustments_node_path ON point_adjustments(node_path);

-- +goose Down
DROP TABLE point_adjustments;
DROP TABLE point_awards;
DROP TABLE point_events;
DROP TABLE point_award_batches;
DROP TABLE point_plan_changes;
DROP TABLE point_rules;
DROP TABLE point_plans;
