-- Balances are updated in place all day: leaving a fifth of each page of
-- point_accounts free lets PostgreSQL update a balance without touching the
-- table's three indexes (a heap-only tuple), which a batch award to 10,000
-- members does 10,000 times in one statement. Pages written from now on keep
-- the room; existing ones gain it as they are rewritten.
-- +goose Up
ALTER TABLE point_accounts SET (fillfactor = 80);

-- +goose Down
ALTER TABLE point_accounts RESET (fillfactor);
