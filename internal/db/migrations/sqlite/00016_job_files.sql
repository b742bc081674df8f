-- Job input and output files (an uploaded import, its error report) hold
-- personal data: they move out of the jobs table into a file store whose
-- chunks (at most 256 KiB each) are sealed with the member-data key. A
-- file is pending until a job takes it; pending files are purged after a
-- day. The old plain columns are cleared: a job still waiting for its
-- upload fails and asks for it again, and old error reports are gone.
-- +goose Up
CREATE TABLE stored_files (
    id         INTEGER PRIMARY KEY,
    role       TEXT NOT NULL,
    size       INTEGER NOT NULL DEFAULT 0,
    chunks     INTEGER NOT NULL DEFAULT 0,
    pending    INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX stored_files_pending ON stored_files(pending, created_at);
CREATE TABLE stored_file_chunks (
    file_id INTEGER NOT NULL REFERENCES stored_files(id) ON DELETE CASCADE,
    n       INTEGER NOT NULL,
    data    BLOB NOT NULL,
    PRIMARY KEY (file_id, n)
);
ALTER TABLE jobs ADD COLUMN input_file INTEGER REFERENCES stored_files(id) ON DELETE SET NULL;
ALTER TABLE jobs ADD COLUMN output_file INTEGER REFERENCES stored_files(id) ON DELETE SET NULL;
CREATE INDEX jobs_output_file ON jobs(output_file) WHERE output_file IS NOT NULL;
-- Overwrite freed pages, so the cleared files leave no copy in the file.
PRAGMA secure_delete = ON;
UPDATE jobs SET status = 'failed', error = '升级后需要重新上传文件 / upload the file again after the upgrade', finished_at = created_at
    WHERE status IN ('queued', 'running') AND input IS NOT NULL;
UPDATE jobs SET input = NULL, output = NULL WHERE input IS NOT NULL OR output IS NOT NULL;

-- +goose Down
DROP INDEX jobs_output_file;
ALTER TABLE jobs DROP COLUMN output_file;
ALTER TABLE jobs DROP COLUMN input_file;
DROP TABLE stored_file_chunks;
DROP TABLE stored_files;
