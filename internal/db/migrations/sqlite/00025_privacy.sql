-- PIPL copies and deletions (个人信息副本与删除): the copies of a member's
-- data made for the member, and an audit log whose entries about an erased
-- member may lose their before/after payloads — nothing else of an entry
-- may change, and no entry may go.
-- +goose Up

-- A copy (个人信息副本) of a member's data: an .xlsx in the file store,
-- sealed like every file there. Deleted with the member's personal data.
CREATE TABLE privacy_copies (
    file_id    INTEGER PRIMARY KEY REFERENCES stored_files(id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL REFERENCES members(id),
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX privacy_copies_member ON privacy_copies(member_id);

-- An update may only empty before_data and after_data.
DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
WHEN NOT (NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor_kind IS OLD.actor_kind AND NEW.actor_id IS OLD.actor_id
    AND NEW.actor_login IS OLD.actor_login AND NEW.action IS OLD.action AND NEW.object_type IS OLD.object_type
    AND NEW.object_id IS OLD.object_id AND NEW.node_path IS OLD.node_path AND NEW.summary IS OLD.summary
    AND NEW.ip IS OLD.ip AND NEW.request_id IS OLD.request_id
    AND (NEW.before_data IS OLD.before_data OR NEW.before_data = '')
    AND (NEW.after_data IS OLD.after_data OR NEW.after_data = ''))
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_update;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
DROP TABLE privacy_copies;
