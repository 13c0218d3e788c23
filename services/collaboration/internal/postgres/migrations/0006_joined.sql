-- +goose Up
-- When each participant first opened the session's socket. matching-service
-- asks (joined_user_ids) to find a partner who never joined (a no-show).
ALTER TABLE sessions
    ADD COLUMN joined_a_at timestamptz,
    ADD COLUMN joined_b_at timestamptz;

-- +goose Down
ALTER TABLE sessions DROP COLUMN joined_b_at, DROP COLUMN joined_a_at;
