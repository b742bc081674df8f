-- PostgreSQL only (page fill factor for in-place balance updates); SQLite
-- has no such setting. Kept so both engines share one migration history.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
