-- A tag filter within an org scope (the golfers of one city) counted its
-- matches by probing each tag holder's member row for the org path. The
-- path rides along in member_tags (a member's node never changes).
-- +goose Up
ALTER TABLE member_tags ADD COLUMN node_path TEXT NOT NULL DEFAULT '';
UPDATE member_tags SET node_path = (SELECT m.node_path FROM members m WHERE m.id = member_tags.member_id);
CREATE INDEX member_tags_tag_path ON member_tags (tag, node_path, member_id);

-- +goose Down
DROP INDEX member_tags_tag_path;
ALTER TABLE member_tags DROP COLUMN node_path;
