-- Redemption (奖励兑换): a catalogue of gifts, merchant vouchers and services
-- per org node, and the orders that hold a member's reward points from the
-- application to fulfilment, or return them when rejected or cancelled.
-- +goose Up

-- A catalogue item (兑换商品): its point price, stock and limits.
CREATE TABLE redeem_items (
    id           INTEGER PRIMARY KEY,
    node_id      INTEGER NOT NULL REFERENCES org_nodes(id), -- who offers it: the group, a region, a city, a project
    node_path    TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('gift', 'voucher', 'service')), -- 礼品, 商家优惠券, 服务
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    price        INTEGER NOT NULL CHECK (price > 0),        -- reward points per unit
    stock        INTEGER CHECK (stock >= 0),                -- units left; NULL: unlimited
    member_limit INTEGER CHECK (member_limit > 0),         -- units per member; NULL: no limit
    valid_from   TIMESTAMP,
    valid_to     TIMESTAMP,                              -- exclusive
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_to > valid_from)
);
CREATE INDEX redeem_items_node_path ON redeem_items(node_path);

-- An order (兑换申请): applied → approved → fulfilled, or rejected /
-- cancelled with its points returned.
CREATE TABLE redeem_orders (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES redeem_items(id),
    member_id       INTEGER NOT NULL REFERENCES members(id),
    node_path       TEXT NOT NULL,                          -- the item's node, for scope checks
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    points          INTEGER NOT NULL CHECK (points > 0),
    status          TEXT NOT NULL CHECK (status IN ('applied', 'approved', 'fulfilled', 'rejected', 'cancelled')),
    note            TEXT NOT NULL DEFAULT '',              -- the applicant's note (address, size …)
    idempotency_key TEXT NOT NULL,                          -- a double tap orders once
    request_hash    BLOB NOT NULL,
    applied_kind    TEXT NOT NULL,                          -- staff (on the member's behalf) or member
    applied_id      INTEGER,
    applied_by      TEXT NOT NULL,
    auto_approved   BOOLEAN NOT NULL DEFAULT FALSE,
    approved_by     TEXT NOT NULL DEFAULT '',
    approved_at     TIMESTAMP,
    fulfilment      TEXT CHECK (fulfilment IN ('picked_up', 'posted', 'voucher')),
    tracking_no     TEXT NOT NULL DEFAULT '',
    voucher_code    TEXT UNIQUE,                            -- issued once, never twice
    fulfilled_by    TEXT NOT NULL DEFAULT '',
    fulfilled_at    TIMESTAMP,
    closed_by       TEXT NOT NULL DEFAULT '',               -- who rejected or cancelled it
    closed_at       TIMESTAMP,
    close_reason    TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (member_id, idempotency_key),
    CHECK ((status = 'fulfilled') = (fulfilment IS NOT NULL)),
    CHECK ((fulfilment = 'voucher') = (voucher_code IS NOT NULL))
);
CREATE INDEX redeem_orders_member_item ON redeem_orders(member_id, item_id);
CREATE INDEX redeem_orders_item ON redeem_orders(item_id);
CREATE INDEX redeem_orders_status ON redeem_orders(status, id);
CREATE INDEX redeem_orders_node_path ON redeem_orders(node_path);

-- The points an order holds: a redemption transaction of the ledger per
-- region drawn from (one, unless the group lets points be spent in every
-- region), and the reversal that returned it.
CREATE TABLE redeem_holds (
    order_id               INTEGER NOT NULL REFERENCES redeem_orders(id),
    region_path            TEXT NOT NULL,
    points                 INTEGER NOT NULL CHECK (points > 0),
    transaction_id         INTEGER NOT NULL UNIQUE REFERENCES point_transactions(id),
    release_transaction_id INTEGER UNIQUE REFERENCES point_transactions(id),
    PRIMARY KEY (order_id, region_path)
);

-- +goose Down
DROP TABLE redeem_holds;
DROP TABLE redeem_orders;
DROP TABLE redeem_items;
