-- Events (活动管理): the yearly plan of each org node (年度活动计划) and its
-- planned items, events from proposal (方案) through review (方案评审),
-- publication to a targeted audience, registration with a waiting list,
-- check-in and attendance points, follow-up calls (活动会员回访), actual
-- costs with sealed receipts, and the evaluation that puts a closed event in
-- the case library (活动案例库). Texts that may hold personal data (a call's
-- note, a receipt) are sealed.
-- +goose Up
CREATE TABLE event_plans (
    id         INTEGER PRIMARY KEY,
    node_id    INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path  TEXT NOT NULL,
    year       INTEGER NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (node_id, year)
);
CREATE INDEX event_plans_path ON event_plans(node_path, year);

-- A planned event of a yearly plan: its month, theme, type and budget.
CREATE TABLE event_plan_items (
    id         INTEGER PRIMARY KEY,
    plan_id    INTEGER NOT NULL REFERENCES event_plans(id),
    month      INTEGER NOT NULL CHECK (month BETWEEN 1 AND 12),
    theme      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('leisure', 'business', 'industry')),
    budget_fen INTEGER NOT NULL DEFAULT 0 CHECK (budget_fen >= 0),
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_plan_items_plan ON event_plan_items(plan_id, month);

CREATE TABLE events (
    id               INTEGER PRIMARY KEY,
    no               TEXT NOT NULL DEFAULT '',
    node_id          INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path        TEXT NOT NULL,
    plan_item_id     INTEGER REFERENCES event_plan_items(id),
    unplanned        BOOLEAN NOT NULL DEFAULT FALSE,
    kind             TEXT NOT NULL CHECK (kind IN ('leisure', 'business', 'industry')),
    organiser        TEXT NOT NULL CHECK (organiser IN ('host', 'cohost', 'merchant')),
    department       TEXT NOT NULL DEFAULT '',
    merchant         TEXT NOT NULL DEFAULT '',
    theme            TEXT NOT NULL,
    goals            TEXT NOT NULL DEFAULT '',
    starts_at        TIMESTAMP NOT NULL,
    ends_at          TIMESTAMP NOT NULL,
    deadline         TIMESTAMP NOT NULL,
    venue            TEXT NOT NULL DEFAULT '',
    address          TEXT NOT NULL DEFAULT '',
    capacity         INTEGER NOT NULL CHECK (capacity > 0),
    companions_max   INTEGER NOT NULL DEFAULT 0 CHECK (companions_max >= 0),
    year_limit       INTEGER NOT NULL DEFAULT 0 CHECK (year_limit >= 0),
    audience         TEXT NOT NULL DEFAULT '',
    agenda           TEXT NOT NULL DEFAULT '',
    staffing         TEXT NOT NULL DEFAULT '',
    resources        TEXT NOT NULL DEFAULT '',
    point_mode       TEXT NOT NULL DEFAULT 'none' CHECK (point_mode IN ('none', 'fixed', 'plan')),
    point_amount     INTEGER NOT NULL DEFAULT 0,
    target           TEXT NOT NULL DEFAULT '{}',  -- JSON: tiers, node ids, tags, owns a property
    status           TEXT NOT NULL CHECK (status IN ('draft', 'in_review', 'returned', 'approved', 'published',
                         'reg_closed', 'held', 'closed', 'cancelled')),
    proposer_id      INTEGER REFERENCES staff(id),
    approved_by      INTEGER REFERENCES staff(id),
    copied_from      INTEGER REFERENCES events(id),
    seats_taken      INTEGER NOT NULL DEFAULT 0,  -- seats of registered members and their companions
    next_seq         INTEGER NOT NULL DEFAULT 0,  -- arrival order of the last registration
    lessons          TEXT NOT NULL DEFAULT '',
    cancel_reason    TEXT NOT NULL DEFAULT '',
    survey_sent_at   TIMESTAMP,
    published_at     TIMESTAMP,
    closed_at        TIMESTAMP,
    version          INTEGER NOT NULL DEFAULT 1,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX events_path ON events(node_path, starts_at);
CREATE INDEX events_status ON events(status, starts_at);
CREATE INDEX events_starts ON events(starts_at);
CREATE UNIQUE INDEX events_plan_item ON events(plan_item_id) WHERE plan_item_id IS NOT NULL AND status <> 'cancelled';

-- Budget lines of a proposal, by the budget categories of DOMAIN.md.
CREATE TABLE event_budget_lines (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id),
    category   TEXT NOT NULL,
    item       TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0)
);
CREATE INDEX event_budget_lines_event ON event_budget_lines(event_id);

-- Every review round: approved or returned with comments.
CREATE TABLE event_reviews (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id),
    round       INTEGER NOT NULL,
    reviewer_id INTEGER NOT NULL REFERENCES staff(id),
    decision    TEXT NOT NULL CHECK (decision IN ('approved', 'returned')),
    comments    TEXT NOT NULL DEFAULT '',
    at          TIMESTAMP NOT NULL,
    UNIQUE (event_id, round)
);

CREATE TABLE event_history (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events(id),
    at          TIMESTAMP NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_login TEXT NOT NULL,
    action      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX event_history_event ON event_history(event_id, id);

-- A member's registration: registered or waiting (in arrival order, seq),
-- or cancelled; a walk-in is checked in without having registered.
CREATE TABLE event_registrations (
    id             INTEGER PRIMARY KEY,
    event_id       INTEGER NOT NULL REFERENCES events(id),
    member_id      INTEGER NOT NULL REFERENCES members(id),
    node_path      TEXT NOT NULL,                  -- the member's, for scope checks
    seq            INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('registered', 'waiting', 'cancelled')),
    companions     INTEGER NOT NULL DEFAULT 0,
    channel        TEXT NOT NULL CHECK (channel IN ('portal', 'staff', 'walk_in')),
    by_staff_id    INTEGER REFERENCES staff(id),
    walk_in        BOOLEAN NOT NULL DEFAULT FALSE,
    checked_in_at  TIMESTAMP,
    checkin_method TEXT NOT NULL DEFAULT '',
    checked_in_by  INTEGER REFERENCES staff(id),
    points_status  TEXT NOT NULL DEFAULT '' CHECK (points_status IN ('', 'pending', 'posted', 'failed', 'none')),
    points_error   TEXT NOT NULL DEFAULT '',
    promoted_at    TIMESTAMP,
    cancelled_at   TIMESTAMP,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (event_id, member_id)
);
CREATE INDEX event_registrations_queue ON event_registrations(event_id, status, seq);
CREATE INDEX event_registrations_member ON event_registrations(member_id, event_id);
CREATE INDEX event_registrations_points ON event_registrations(points_status) WHERE points_status IN ('pending', 'failed');

-- Follow-up calls (活动会员回访) to the attendees, split among staff.
CREATE TABLE event_calls (
    id         INTEGER PRIMARY KEY,
    event_id   INTEGER NOT NULL REFERENCES events(id),
    member_id  INTEGER NOT NULL REFERENCES members(id),
    node_path  TEXT NOT NULL,
    staff_id   INTEGER NOT NULL REFERENCES staff(id),
    outcome    TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'reached', 'no_answer', 'wrong_number', 'declined')),
    note_enc   BLOB,
    called_at  TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (event_id, member_id)
);
CREATE INDEX event_calls_staff ON event_calls(staff_id, event_id);

-- Actual costs, each with its receipt (a photo or a PDF) sealed.
CREATE TABLE event_costs (
    id           INTEGER PRIMARY KEY,
    event_id     INTEGER NOT NULL REFERENCES events(id),
    category     TEXT NOT NULL,
    item         TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen >= 0),
    receipt_name TEXT NOT NULL DEFAULT '',
    receipt_type TEXT NOT NULL DEFAULT '',
    receipt_size INTEGER NOT NULL DEFAULT 0,
    receipt_enc  BLOB,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX event_costs_event ON event_costs(event_id);

-- Text messages sent about an event, once per member and purpose.
CREATE TABLE event_texts (
    event_id   INTEGER NOT NULL REFERENCES events(id),
    member_id  INTEGER NOT NULL REFERENCES members(id),
    purpose    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (event_id, member_id, purpose)
);

-- Notices shown to a member in the portal (a seat freed for them …).
CREATE TABLE event_member_notices (
    id         INTEGER PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    event_id   INTEGER NOT NULL REFERENCES events(id),
    kind       TEXT NOT NULL,
    zh         TEXT NOT NULL,
    en         TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX event_member_notices_member ON event_member_notices(member_id, id);

-- +goose Down
DROP TABLE event_member_notices;
DROP TABLE event_texts;
DROP TABLE event_costs;
DROP TABLE event_calls;
DROP TABLE event_registrations;
DROP TABLE event_history;
DROP TABLE event_reviews;
DROP TABLE event_budget_lines;
DROP TABLE events;
DROP TABLE event_plan_items;
DROP TABLE event_plans;
