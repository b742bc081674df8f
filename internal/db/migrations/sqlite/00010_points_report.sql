-- A member's statement (积分明细) picks its page of postings from the
-- account index alone. SQLite keeps each row's id (its rowid) in every
-- index already, so point_postings_account (account_id, created_at)
-- covers it as it is; PostgreSQL's 00010 adds the id to its index. Kept so
-- that both dialects number their migrations alike.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
