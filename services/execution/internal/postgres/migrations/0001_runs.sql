-- +goose Up
-- One row per run of a user's code. cases holds what the API shows: hidden
-- cases only as {index, hidden, passed}, so hidden test data is never
-- stored here either.
CREATE TABLE runs (
    id                  uuid             PRIMARY KEY,
    user_id             uuid             NOT NULL,
    username            text             NOT NULL,
    session_id          uuid,
    question_id         uuid             NOT NULL,
    language            text             NOT NULL,
    mode                text             NOT NULL CHECK (mode IN ('run', 'submit')),
    verdict             text             NOT NULL,
    message             text             NOT NULL,
    created_at          timestamptz      NOT NULL,
    time_ms             double precision NOT NULL,
    memory_bytes        bigint           NOT NULL,
    cases               jsonb            NOT NULL,
    first_failed_hidden integer,
    error               jsonb
);
CREATE INDEX runs_session_created ON runs (session_id, created_at DESC) WHERE session_id IS NOT NULL;
CREATE INDEX runs_user_created ON runs (user_id, created_at DESC);

-- +goose Down
DROP TABLE runs;
