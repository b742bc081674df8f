-- A request's text and photos may hold personal data (an address, a
-- neighbour's name, a face): both are sealed from now on. Rows written
-- before are sealed by the periodic job request.seal_legacy, which then
-- empties the clear column.
-- +goose Up
ALTER TABLE requests ADD COLUMN text_enc BLOB;
ALTER TABLE request_photos ADD COLUMN sealed BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE request_photos DROP COLUMN sealed;
ALTER TABLE requests DROP COLUMN text_enc;
