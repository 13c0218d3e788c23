-- +goose Up
-- Running a solution (issue 16): the function a question asks for, how its
-- answers are compared, and the cases it is tested against.
ALTER TABLE questions
    ADD COLUMN signature text NOT NULL DEFAULT '',
    ADD COLUMN compare   text NOT NULL DEFAULT 'exact'
        CHECK (compare IN ('exact', 'unordered', 'unordered_deep', 'float'));

-- The cases live beside the questions, not in them: a list, a search or a
-- random pick never needs them, and up to 50 cases of 64 KiB each would
-- otherwise ride along in every row those read. One row per case keeps the
-- order in position and lets each case be checked on its own.
CREATE TABLE question_test_cases (
    question_id uuid    NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    position    integer NOT NULL CHECK (position >= 0),
    input       jsonb   NOT NULL CHECK (jsonb_typeof(input) = 'array'),
    expected    jsonb   NOT NULL,
    hidden      boolean NOT NULL,
    PRIMARY KEY (question_id, position)
);

-- +goose Down
DROP TABLE question_test_cases;
ALTER TABLE questions DROP COLUMN compare, DROP COLUMN signature;
