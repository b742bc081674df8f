-- The survey engine (问卷): questionnaires with ordered questions, invites of
-- members (about one request or event, or plain), and their answers. A
-- free-text answer is sealed (it may hold personal data); the SMS link's
-- token is kept only as its hash.
-- +goose Up
CREATE TABLE surveys (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    intro      TEXT NOT NULL DEFAULT '',
    node_id    INTEGER NOT NULL REFERENCES org_nodes(id),
    node_path  TEXT NOT NULL,                 -- the scope: staff within it see the survey
    purpose    TEXT NOT NULL CHECK (purpose IN ('general', 'request', 'event', 'merchant')),
    status     TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    system_for TEXT UNIQUE,                   -- the built-in survey of a purpose; NULL for others
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    opened_at  TIMESTAMP,
    closed_at  TIMESTAMP
);
CREATE INDEX surveys_path ON surveys(node_path, id);

-- A question, in order; options (JSON array) for the choice kinds.
CREATE TABLE survey_questions (
    id        INTEGER PRIMARY KEY,
    survey_id INTEGER NOT NULL REFERENCES surveys(id),
    pos       INTEGER NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('single', 'multi', 'rating', 'nps', 'text')),
    text      TEXT NOT NULL,
    text_en   TEXT NOT NULL DEFAULT '',
    required  BOOLEAN NOT NULL,
    options   TEXT NOT NULL DEFAULT '[]',
    UNIQUE (survey_id, pos)
);

-- An invite (邀请) of a member to a survey, about a subject or not. The
-- member is cut (NULL) when the member's data is erased; the counts stay.
CREATE TABLE survey_invites (
    id            INTEGER PRIMARY KEY,
    survey_id     INTEGER NOT NULL REFERENCES surveys(id),
    member_id     INTEGER REFERENCES members(id),
    subject       TEXT NOT NULL DEFAULT '',   -- '', 'request', 'event' …
    subject_id    INTEGER NOT NULL DEFAULT 0,
    node_path     TEXT NOT NULL,              -- the member's node when invited
    token_hash    TEXT UNIQUE,                -- SHA-256 of the SMS link's token
    token_expires TIMESTAMP,
    texted_at     TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    answered_at   TIMESTAMP,
    UNIQUE (survey_id, member_id, subject, subject_id)
);
CREATE INDEX survey_invites_member ON survey_invites(member_id, id);
CREATE INDEX survey_invites_subject ON survey_invites(subject, subject_id);

-- One answer to one question of an answered invite: value for rating and
-- nps, choices (JSON array of option indexes) for single and multi, the
-- text sealed.
CREATE TABLE survey_answers (
    id          INTEGER PRIMARY KEY,
    invite_id   INTEGER NOT NULL REFERENCES survey_invites(id),
    question_id INTEGER NOT NULL REFERENCES survey_questions(id),
    value       INTEGER,
    choices     TEXT NOT NULL DEFAULT '[]',
    text_enc    BLOB,
    UNIQUE (invite_id, question_id)
);
CREATE INDEX survey_answers_question ON survey_answers(question_id);

-- +goose Down
DROP TABLE survey_answers;
DROP TABLE survey_invites;
DROP TABLE survey_questions;
DROP TABLE surveys;
