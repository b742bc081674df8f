-- The admin names the four kinds of request (their workflow stays in code)
-- and keeps their subkinds: adds, renames, reorders and retires them. A
-- retired subkind is no longer offered but keeps its name for the requests
-- that have it; built-in subkinds (the PIPL ones) keep their code.
-- +goose Up
CREATE TABLE request_kind_labels (
    kind       TEXT PRIMARY KEY CHECK (kind IN ('complaint', 'privacy', 'correction', 'suggestion')),
    name_zh    TEXT NOT NULL CHECK (name_zh <> ''),
    name_en    TEXT NOT NULL CHECK (name_en <> ''),
    updated_at TIMESTAMP NOT NULL
);
INSERT INTO request_kind_labels (kind, name_zh, name_en, updated_at) VALUES
    ('complaint', '投诉', 'Complaint', CURRENT_TIMESTAMP),
    ('privacy', '保密', 'Privacy', CURRENT_TIMESTAMP),
    ('correction', '调整', 'Correction', CURRENT_TIMESTAMP),
    ('suggestion', '建议', 'Suggestion', CURRENT_TIMESTAMP);

CREATE TABLE request_subkinds (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL REFERENCES request_kind_labels(kind),
    code       TEXT NOT NULL CHECK (code <> ''),
    name_zh    TEXT NOT NULL CHECK (name_zh <> ''),
    name_en    TEXT NOT NULL CHECK (name_en <> ''),
    position   INTEGER NOT NULL,
    retired    BOOLEAN NOT NULL DEFAULT FALSE,
    built_in   BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (kind, code)
);
INSERT INTO request_subkinds (kind, code, name_zh, name_en, position, built_in, created_at, updated_at) VALUES
    ('complaint', 'property', '物业', 'Property', 1, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('complaint', 'service', '服务质量', 'Service quality', 2, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('complaint', 'other', '其他', 'Other', 3, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('privacy', 'data_storage', '资料保存', 'Data storage', 1, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('privacy', 'data_lent', '资料外借', 'Data lent out', 2, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('privacy', 'lost_password', '密码遗失', 'Lost password', 3, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('privacy', 'data_copy', '复制我的个人信息', 'A copy of my data', 4, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('privacy', 'account_deletion', '注销账户', 'Delete my account', 5, TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('correction', 'profile', '个人资料', 'Profile', 1, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('correction', 'points', '积分', 'Points', 2, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('correction', 'other', '其他', 'Other', 3, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('suggestion', 'events', '活动', 'Events', 1, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('suggestion', 'publications', '刊物', 'Publications', 2, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('suggestion', 'website', '网站', 'Website', 3, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('suggestion', 'property', '物业', 'Property', 4, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
    ('suggestion', 'other', '其他', 'Other', 5, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

-- +goose Down
DROP TABLE request_subkinds;
DROP TABLE request_kind_labels;
