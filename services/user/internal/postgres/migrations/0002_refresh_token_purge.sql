-- Indexes for purging refresh tokens that can no longer be used (expired,
-- or revoked with their family). CONCURRENTLY: the table is written on
-- every sign-in and refresh, so the build must not block writes.
-- +goose NO TRANSACTION
-- +goose Up
CREATE INDEX CONCURRENTLY IF NOT EXISTS refresh_tokens_expires_at ON refresh_tokens (expires_at);
CREATE INDEX CONCURRENTLY IF NOT EXISTS refresh_tokens_revoked_at ON refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_revoked_at;
DROP INDEX CONCURRENTLY IF EXISTS refresh_tokens_expires_at;
