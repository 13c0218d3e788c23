-- +goose Up
-- The mode of a session ("practise": two people solve one question;
-- "mock": a mock interview) and, for a mock interview, who starts as the
-- interviewer. Sessions from before modes are practise sessions.
ALTER TABLE sessions
    ADD COLUMN mode text NOT NULL DEFAULT 'practise',
    ADD COLUMN interviewer_id uuid,
    ADD CONSTRAINT sessions_mode_check CHECK (mode IN ('practise', 'mock')),
    ADD CONSTRAINT sessions_interviewer_check CHECK (
        (mode = 'practise' AND interviewer_id IS NULL) OR
        (mode = 'mock' AND interviewer_id IN (user_a, user_b)));

-- +goose Down
ALTER TABLE sessions
    DROP CONSTRAINT sessions_interviewer_check,
    DROP CONSTRAINT sessions_mode_check,
    DROP COLUMN interviewer_id,
    DROP COLUMN mode;
