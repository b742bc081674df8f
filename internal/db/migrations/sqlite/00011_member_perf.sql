-- Faster member imports and searches (issue 3).
--
-- Search tokens belong to names, not to members: a name's tokens (every
-- piece of it, and its pinyin and initials from each syllable on) are
-- stored once however many members bear it, and a search finds members
-- through their name (index members_name). An import of a million members
-- writes a few tokens per new name instead of a dozen per member.
--
-- Tags are indexed by (tag, member_id), so a tag filter walks the tag's
-- members newest first and stops at the page, instead of probing every
-- member.
--
-- The name index carries the org path, so a name or pinyin search checks
-- the caller's scope in the index instead of reading each member's row.
-- +goose Up
CREATE TABLE name_tokens (
    token TEXT NOT NULL,
    name  TEXT NOT NULL, -- a members.name; kept when no member bears it any more (it then finds nobody)
    PRIMARY KEY (token, name)
) WITHOUT ROWID;
INSERT INTO name_tokens (token, name)
SELECT DISTINCT t.token, m.name FROM member_tokens t JOIN members m ON m.id = t.member_id;
DROP TABLE member_tokens;

CREATE INDEX member_tags_tag_member ON member_tags(tag, member_id);
DROP INDEX member_tags_tag;

DROP INDEX members_name;
CREATE INDEX members_name ON members(name, node_path);

-- +goose Down
DROP INDEX members_name;
CREATE INDEX members_name ON members(name);
CREATE INDEX member_tags_tag ON member_tags(tag);
DROP INDEX member_tags_tag_member;

CREATE TABLE member_tokens (
    token     TEXT NOT NULL,
    member_id INTEGER NOT NULL,
    PRIMARY KEY (token, member_id)
) WITHOUT ROWID;
INSERT INTO member_tokens (token, member_id)
SELECT nt.token, m.id FROM name_tokens nt JOIN members m ON m.name = nt.name;
DROP TABLE name_tokens;
