-- A request's photos become its files (附件): photos (JPEG, PNG, WebP) and
-- PDFs, up to five on the request itself and on each reply or internal note
-- (message_id). Existing rows keep their ids, so their seals still open.
-- A file's name is personal data too ("张三身份证.pdf"): it is sealed in
-- name_enc and the clear name column stays empty; names written before are
-- sealed by the periodic job request.seal_legacy, which then empties name.
-- +goose Up
ALTER TABLE request_photos RENAME TO request_files;
DROP INDEX request_photos_request;
CREATE INDEX request_files_request ON request_files(request_id, message_id);
ALTER TABLE request_files ADD COLUMN name_enc BYTEA;

-- +goose Down
ALTER TABLE request_files DROP COLUMN name_enc;
DROP INDEX request_files_request;
ALTER TABLE request_files RENAME TO request_photos;
CREATE INDEX request_photos_request ON request_photos(request_id);
