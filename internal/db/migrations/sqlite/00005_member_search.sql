-- Search tokens of members' names: every piece of the Chinese name (n:),
-- and each pinyin reading (p:) and its initials (i:) from every syllable on,
-- so that name and pinyin searches are index look-ups, not scans.
-- +goose Up
CREATE TABLE member_tokens (
    token     TEXT NOT NULL,
    member_id INTEGER NOT NULL, -- derived from members.name, rebuilt with it: no foreign key to check per token
    PRIMARY KEY (token, member_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE member_tokens;
