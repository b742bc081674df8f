-- The plan effectiveness report (积分计划效用分析) reads the ledger through
-- a rollup: the member postings up to a high-water mark summed per club day
-- (China time), member's org node, region, kind, origin (the source of the
-- transaction, or of the one a reversal takes back), reversal or not, plan
-- and rule; the report adds what was posted after the mark, live. The
-- rollup is derived data: it is advanced from the postings (by the report
-- and by housekeeping, one server at a time under the mark's row lock) and
-- can be rebuilt from them at any time (estateclub points report-rebuild).
-- Posting writes nothing here.
-- +goose Up
CREATE TABLE point_report_days (
    day         TEXT NOT NULL CHECK (length(day) = 10), -- 'YYYY-MM-DD' in the club's zone
    node_path   TEXT NOT NULL,         -- the member's org path, for scope
    region_path TEXT NOT NULL,         -- the account's region
    kind        TEXT NOT NULL CHECK (kind IN ('upgrade', 'reward')),
    origin      TEXT NOT NULL,         -- COALESCE(reversed.source, source)
    reversal    BIGINT NOT NULL CHECK (reversal IN (0, 1)),
    plan_id     BIGINT NOT NULL DEFAULT 0, -- 0: none
    rule_id     BIGINT NOT NULL DEFAULT 0, -- 0: none
    postings    BIGINT NOT NULL,         -- member legs
    amount      BIGINT NOT NULL,         -- their signed sum
    members     BYTEA,                  -- awards only: the members awarded, a roaring bitmap
    PRIMARY KEY (day, node_path, region_path, kind, origin, reversal, plan_id, rule_id)
);

-- The mark: every member posting with an id up to posting_id is in
-- point_report_days; zone is the offset its days were cut in.
CREATE TABLE point_report_mark (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    posting_id BIGINT NOT NULL,
    zone       TEXT NOT NULL,
    updated_at TIMESTAMPTZ
);
INSERT INTO point_report_mark (id, posting_id, zone) VALUES (1, 0, '+08:00');

-- +goose Down
DROP TABLE point_report_mark;
DROP TABLE point_report_days;
