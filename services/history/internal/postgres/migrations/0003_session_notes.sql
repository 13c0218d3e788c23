-- +goose Up
-- A participant's private notes on a session (a mock interviewer's notes
-- box): read and written by their author only.
CREATE TABLE session_notes (
    session_id uuid NOT NULL,
    user_id    uuid NOT NULL,
    notes      text NOT NULL CHECK (char_length(notes) <= 10000),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

-- +goose Down
DROP TABLE session_notes;
