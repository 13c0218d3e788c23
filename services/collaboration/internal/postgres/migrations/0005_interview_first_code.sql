-- +goose Up
-- The first question's code of a mock interview, kept when the roles swap
-- (the editors then move to a fresh document), so history records each
-- question with its own code. NULL until the swap.
ALTER TABLE interviews
    ADD COLUMN first_code text,
    ADD COLUMN first_code_language text,
    ADD COLUMN swapped_at timestamptz;

-- +goose Down
ALTER TABLE interviews DROP COLUMN swapped_at, DROP COLUMN first_code_language, DROP COLUMN first_code;
