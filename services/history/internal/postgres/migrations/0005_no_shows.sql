-- +goose Up
-- A participant who never joined the session of their match (matching-
-- service decides). Counted once per session and user; shown only to the
-- user (GET /stats, no_shows).
CREATE TABLE no_shows (
    session_id uuid NOT NULL,
    user_id    uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, session_id)
);

-- +goose Down
DROP TABLE no_shows;
