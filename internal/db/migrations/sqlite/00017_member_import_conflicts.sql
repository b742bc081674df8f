-- Import conflicts (导入冲突): an import row whose mobile belongs to a member
-- but whose name, gender, ID number or birthday disagrees leaves the member
-- as is; the row's values wait here, sealed with the member-data key, for a
-- supervisor to apply or dismiss.
-- +goose Up
CREATE TABLE member_import_conflicts (
    id            INTEGER PRIMARY KEY,
    job_id        INTEGER,                  -- the console/API import job; NULL for the command line
    file          TEXT NOT NULL DEFAULT '', -- the imported file's name
    row_num       INTEGER NOT NULL DEFAULT 0, -- the row in that file
    member_id     INTEGER NOT NULL REFERENCES members(id),
    node_path     TEXT NOT NULL,            -- the member's org path, for scope checks
    fields        TEXT NOT NULL,            -- the fields that differ: 'name,gender'
    diffs         TEXT NOT NULL,            -- JSON [{field, old, new}], names and ID numbers masked
    incoming_enc  BLOB NOT NULL,            -- the row's values of those fields, sealed
    digest        TEXT NOT NULL,            -- HMAC of the member and the values: one pending conflict each
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'dismissed')),
    decided_by    INTEGER REFERENCES staff(id),
    decided_login TEXT NOT NULL DEFAULT '',
    decided_at    TIMESTAMP,
    created_at    TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX member_import_conflicts_pending ON member_import_conflicts(member_id, digest) WHERE status = 'pending';
CREATE INDEX member_import_conflicts_job ON member_import_conflicts(job_id, status, id);
CREATE INDEX member_import_conflicts_status ON member_import_conflicts(status, node_path, id);

-- +goose Down
DROP TABLE member_import_conflicts;
