-- +goose Up
-- The question of each phase of a mock interview: the session's, then the
-- one chosen for the second phase ('' until chosen).
ALTER TABLE interviews
    ADD COLUMN first_question text NOT NULL DEFAULT '',
    ADD COLUMN second_question text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE interviews DROP COLUMN second_question, DROP COLUMN first_question;
