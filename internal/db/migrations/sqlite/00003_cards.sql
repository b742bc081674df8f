-- Membership cards (会员卡): designs, production batches (制卡批次) with
-- their numbers, stock per city company (库存), issue and delivery, loss
-- (挂失) and reissue (补办).
-- +goose Up
CREATE TABLE card_designs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    tier        TEXT REFERENCES tiers(code), -- NULL: a design for any tier
    description TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- The last sequence handed out per number prefix. A batch locks its row, so
-- concurrent batches never share a number.
CREATE TABLE card_sequences (
    prefix     TEXT PRIMARY KEY,
    last_seq   INTEGER NOT NULL CHECK (last_seq BETWEEN 0 AND 999999999),
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE card_batches (
    id          INTEGER PRIMARY KEY,
    design_id   INTEGER NOT NULL REFERENCES card_designs(id),
    node_id     INTEGER NOT NULL REFERENCES org_nodes(id), -- the city company that receives the stock
    node_path   TEXT NOT NULL,
    prefix      TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 100000),
    first_seq   INTEGER NOT NULL CHECK (first_seq >= 1),
    last_seq    INTEGER NOT NULL,
    ordered_on  TEXT,                                      -- YYYY-MM-DD
    produced_on TEXT,
    received_on TEXT,
    cost_fen    INTEGER NOT NULL DEFAULT 0 CHECK (cost_fen >= 0), -- for the card budget
    note        TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,                             -- login of who recorded the batch
    created_at  TIMESTAMP NOT NULL,
    CHECK (last_seq = first_seq + quantity - 1)
);
CREATE INDEX card_batches_node_path ON card_batches(node_path);

CREATE TABLE cards (
    id              INTEGER PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    seq             INTEGER NOT NULL,
    batch_id        INTEGER NOT NULL REFERENCES card_batches(id),
    design_id       INTEGER NOT NULL REFERENCES card_designs(id),
    node_id         INTEGER NOT NULL REFERENCES org_nodes(id), -- stock location: a city company
    node_path       TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('in_stock', 'issued', 'blocked', 'void')),
    member_id       INTEGER REFERENCES members(id),
    issued_at       TIMESTAMP,
    delivery_method TEXT CHECK (delivery_method IN ('on_site', 'post', 'hand')),
    delivery_status TEXT CHECK (delivery_status IN ('pending', 'sent', 'delivered', 'returned')),
    tracking_no     TEXT NOT NULL DEFAULT '',
    delivered_at    TIMESTAMP,
    blocked_at      TIMESTAMP,
    block_reason    TEXT NOT NULL DEFAULT '',
    replaced_by     INTEGER REFERENCES cards(id),
    reissue_fee_fen INTEGER NOT NULL DEFAULT 0 CHECK (reissue_fee_fen >= 0),
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    -- Issued and blocked cards belong to a member; stock and void cards to nobody.
    CHECK ((member_id IS NULL) = (status IN ('in_stock', 'void')))
);
CREATE INDEX cards_stock ON cards(node_id, status, seq);
CREATE INDEX cards_batch ON cards(batch_id);
CREATE INDEX cards_member ON cards(member_id);
CREATE INDEX cards_replaced_by ON cards(replaced_by);
CREATE INDEX cards_node_path ON cards(node_path);
-- A member holds at most one usable card, even under concurrent issues.
CREATE UNIQUE INDEX cards_one_issued_per_member ON cards(member_id) WHERE status = 'issued';

-- +goose Down
DROP TABLE cards;
DROP TABLE card_batches;
DROP TABLE card_sequences;
DROP TABLE card_designs;
