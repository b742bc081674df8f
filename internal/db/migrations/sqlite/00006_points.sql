-- Points ledger (积分账本): upgrade points (升级积分) and reward points (奖励积分)
-- kept in accounts per member, kind and region; every change is an
-- immutable double-entry transaction whose postings sum to zero per kind.
-- +goose Up

-- An account holds one kind of points in one region (事业部). A member
-- account belongs to a member; a club account (issued:plan:7, redeemed,
-- expired, adjustments …) is split into shards picked by member id, so that
-- concurrent postings against one plan do not all update one row.
CREATE TABLE point_accounts (
    id          INTEGER PRIMARY KEY,
    address     TEXT NOT NULL,    -- 'member:42' or a club purpose: 'issued:plan:7', 'redeemed' …
    member_id   INTEGER REFERENCES members(id), -- member accounts only
    kind        TEXT NOT NULL CHECK (kind IN ('upgrade', 'reward')),
    region_path TEXT NOT NULL,    -- org path of the region, '/1/4/'
    shard       INTEGER NOT NULL DEFAULT 0 CHECK (shard >= 0),
    balance     INTEGER NOT NULL DEFAULT 0, -- always the sum of the account's postings
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (address, kind, region_path, shard),
    CHECK ((member_id IS NULL) = (address NOT LIKE 'member:%')),
    -- A member's balance never goes below zero; club balances are signed.
    CHECK (member_id IS NULL OR (shard = 0 AND balance >= 0))
);
CREATE INDEX point_accounts_member ON point_accounts(member_id);

-- A transaction (记账) is one change: why, from where, by whom, when.
CREATE TABLE point_transactions (
    id          INTEGER PRIMARY KEY,
    source      TEXT NOT NULL CHECK (source IN ('rule', 'plan', 'event', 'redemption', 'adjustment', 'expiry', 'reversal')),
    reason      TEXT NOT NULL,
    plan_id     INTEGER,          -- 积分计划 that issued the points (plans arrive with the next migration)
    rule_id     INTEGER,          -- 积分规则 of that plan
    ref         TEXT NOT NULL DEFAULT '', -- the event, redemption … behind it
    reverses_id INTEGER UNIQUE REFERENCES point_transactions(id), -- a transaction is reversed at most once
    actor_kind  TEXT NOT NULL,
    actor_id    INTEGER,
    actor_login TEXT NOT NULL,
    request_id  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX point_transactions_plan ON point_transactions(plan_id) WHERE plan_id IS NOT NULL;

-- The legs of a transaction: signed amounts, with the account's balance
-- after the leg, summing to zero per kind within a transaction.
CREATE TABLE point_postings (
    id             INTEGER PRIMARY KEY,
    transaction_id INTEGER NOT NULL REFERENCES point_transactions(id),
    account_id     INTEGER NOT NULL REFERENCES point_accounts(id),
    amount         INTEGER NOT NULL CHECK (amount <> 0),
    balance_after  INTEGER NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX point_postings_account ON point_postings(account_id, created_at);
CREATE INDEX point_postings_transaction ON point_postings(transaction_id);

-- Every transaction has its idempotency key (幂等键): the same key with the
-- same request (by its SHA-256) returns that transaction; with another
-- request it is refused.
CREATE TABLE point_idempotency (
    key            TEXT PRIMARY KEY,
    request_hash   BLOB NOT NULL,
    transaction_id INTEGER NOT NULL UNIQUE REFERENCES point_transactions(id),
    created_at     TIMESTAMP NOT NULL
);

-- The ledger only grows: transactions, postings and keys are never changed
-- or removed (a mistake is reversed by a new transaction), and an account
-- keeps its identity; only its balance moves.
-- +goose StatementBegin
CREATE TRIGGER point_transactions_no_update BEFORE UPDATE ON point_transactions
BEGIN
    SELECT RAISE(ABORT, 'point_transactions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_transactions_no_delete BEFORE DELETE ON point_transactions
BEGIN
    SELECT RAISE(ABORT, 'point_transactions is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_postings_no_update BEFORE UPDATE ON point_postings
BEGIN
    SELECT RAISE(ABORT, 'point_postings is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_postings_no_delete BEFORE DELETE ON point_postings
BEGIN
    SELECT RAISE(ABORT, 'point_postings is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_idempotency_no_update BEFORE UPDATE ON point_idempotency
BEGIN
    SELECT RAISE(ABORT, 'point_idempotency is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_idempotency_no_delete BEFORE DELETE ON point_idempotency
BEGIN
    SELECT RAISE(ABORT, 'point_idempotency is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_accounts_fixed BEFORE UPDATE OF id, address, member_id, kind, region_path, shard ON point_accounts
BEGIN
    SELECT RAISE(ABORT, 'a point account keeps its identity');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER point_accounts_no_delete BEFORE DELETE ON point_accounts
BEGIN
    SELECT RAISE(ABORT, 'point accounts are never removed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE point_idempotency;
DROP TABLE point_postings;
DROP TABLE point_transactions;
DROP TABLE point_accounts;
