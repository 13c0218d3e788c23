-- +goose Up
-- What one participant of a session said about the other. One row per
-- (session, author); the author may change it for 24 hours after
-- created_at (the store enforces the window in its upsert).
CREATE TABLE feedback (
    session_id      uuid NOT NULL,
    author_id       uuid NOT NULL,
    rated_id        uuid NOT NULL,
    problem_solving smallint NOT NULL CHECK (problem_solving BETWEEN 1 AND 5),
    communication   smallint NOT NULL CHECK (communication BETWEEN 1 AND 5),
    code_quality    smallint NOT NULL CHECK (code_quality BETWEEN 1 AND 5),
    comment         text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 1000),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (session_id, author_id),
    CONSTRAINT feedback_not_self CHECK (author_id <> rated_id)
);

-- Averages of what a user received.
CREATE INDEX feedback_rated_idx ON feedback (rated_id)
    INCLUDE (problem_solving, communication, code_quality);

-- +goose Down
DROP TABLE feedback;
