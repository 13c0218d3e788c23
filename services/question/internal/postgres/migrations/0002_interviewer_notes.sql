-- +goose Up
-- What the interviewer of a mock interview should ask or look for (issue 21).
-- Shown to admins and internal callers only, never in a user's read.
ALTER TABLE questions ADD COLUMN interviewer_notes jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(interviewer_notes) = 'array');

-- +goose Down
ALTER TABLE questions DROP COLUMN interviewer_notes;
