-- A registration made by staff through the API may carry the client's
-- Idempotency-Key: a retry with the key answers the registration it made
-- (even cancelled since), and the key names one member only.
-- +goose Up
ALTER TABLE event_registrations ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX event_registrations_idem ON event_registrations(event_id, idem_key) WHERE idem_key IS NOT NULL;

-- +goose Down
DROP INDEX event_registrations_idem;
ALTER TABLE event_registrations DROP COLUMN idem_key;
