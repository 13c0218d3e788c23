-- +goose Up
-- A swapped mock interview gives each person two attempts in one session,
-- one per question, each with the role the person had (issue 21). A
-- practise session still has one question, so its key behaves as before.
ALTER TABLE attempts ADD COLUMN role text CHECK (role IN ('interviewer', 'candidate'));
ALTER TABLE attempts DROP CONSTRAINT attempts_session_user_key;
ALTER TABLE attempts ADD CONSTRAINT attempts_session_user_question_key UNIQUE (session_id, user_id, question_id);

-- +goose Down
-- Fails while a session holds two attempts of one user.
ALTER TABLE attempts DROP CONSTRAINT attempts_session_user_question_key;
ALTER TABLE attempts ADD CONSTRAINT attempts_session_user_key UNIQUE (session_id, user_id);
ALTER TABLE attempts DROP COLUMN role;
