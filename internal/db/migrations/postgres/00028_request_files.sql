-- A request's photos become its files (附件): photos (JPEG, PNG, WebP) and
-- PDFs, up to five on the request itself and on each reply or internal note
-- (message_id). Existing rows keep their ids, so their seals still open.
-- +goose Up
ALTER TABLE request_photos RENAME TO request_files;
DROP INDEX request_photos_request;
CREATE INDEX request_files_request ON request_files(request_id, message_id);

-- +goose Down
DROP INDEX request_files_request;
ALTER TABLE request_files RENAME TO request_photos;
CREATE INDEX request_photos_request ON request_photos(request_id);
