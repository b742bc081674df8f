-- A job may carry the idempotency key of the request that queued it: a
-- retried form post (a double click, a reload of the confirmation) finds
-- the job the first post queued instead of queuing the same work twice.
-- +goose Up
ALTER TABLE jobs ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX jobs_idem_key ON jobs(idem_key);

-- +goose Down
DROP INDEX jobs_idem_key;
ALTER TABLE jobs DROP COLUMN idem_key;
