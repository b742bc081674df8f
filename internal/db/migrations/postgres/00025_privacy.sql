-- PIPL copies and deletions (个人信息副本与删除): the copies of a member's
-- data made for the member, and an audit log whose entries about an erased
-- member may lose their before/after payloads — nothing else of an entry
-- may change, and no entry may go.
-- +goose Up

-- A copy (个人信息副本) of a member's data: an .xlsx in the file store,
-- sealed like every file there. Deleted with the member's personal data.
CREATE TABLE privacy_copies (
    file_id    BIGINT PRIMARY KEY REFERENCES stored_files(id) ON DELETE CASCADE,
    member_id  BIGINT NOT NULL REFERENCES members(id),
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX privacy_copies_member ON privacy_copies(member_id);

-- An update may only empty before_data and after_data.
-- +goose StatementBegin
CREATE FUNCTION audit_log_erase_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND (NEW.id, NEW.at, NEW.actor_kind, NEW.actor_id, NEW.actor_login, NEW.action, NEW.object_type, NEW.object_id,
             NEW.node_path, NEW.summary, NEW.ip, NEW.request_id)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.at, OLD.actor_kind, OLD.actor_id, OLD.actor_login, OLD.action, OLD.object_type, OLD.object_id,
             OLD.node_path, OLD.summary, OLD.ip, OLD.request_id)
        AND (NEW.before_data = OLD.before_data OR NEW.before_data = '')
        AND (NEW.after_data = OLD.after_data OR NEW.after_data = '') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP TRIGGER audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_erase_only();

-- +goose Down
DROP TRIGGER audit_log_no_change ON audit_log;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
DROP FUNCTION audit_log_erase_only();
DROP TABLE privacy_copies;
