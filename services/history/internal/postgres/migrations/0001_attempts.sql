-- +goose Up
CREATE TABLE attempts (
    id          uuid PRIMARY KEY,
    session_id  uuid NOT NULL,
    user_id     uuid NOT NULL,
    partner_id  uuid NOT NULL,
    question_id uuid NOT NULL,
    language    text NOT NULL CHECK (language IN ('python', 'javascript', 'java', 'cpp', 'go')),
    code        text NOT NULL CHECK (octet_length(code) <= 102400),
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),

    -- Snapshot of the question when the attempt was recorded; filled in
    -- later by the retry loop while snapshot_status is 'pending'.
    snapshot_status     text NOT NULL CHECK (snapshot_status IN ('pending', 'ready', 'missing')),
    question_title      text,
    question_slug       text,
    question_difficulty text CHECK (question_difficulty IN ('easy', 'medium', 'hard')),
    question_topics     text[] NOT NULL DEFAULT '{}',
    snapshot_tries      integer NOT NULL DEFAULT 0,
    snapshot_retry_at   timestamptz,

    CONSTRAINT attempts_session_user_key UNIQUE (session_id, user_id),
    CONSTRAINT attempts_ended_after_started CHECK (ended_at >= started_at),
    CONSTRAINT attempts_ready_has_question CHECK (snapshot_status <> 'ready' OR (question_title IS NOT NULL AND question_difficulty IS NOT NULL))
);

-- A user's attempts newest first: the listing's keyset order. The included
-- columns let filters and /stats run as index-only scans.
CREATE INDEX attempts_user_ended_idx ON attempts (user_id, ended_at DESC, id DESC)
    INCLUDE (question_id, question_difficulty, question_topics);

-- Distinct questions per user (matching's "already attempted", stats) and
-- the question_id filter.
CREATE INDEX attempts_user_question_idx ON attempts (user_id, question_id, ended_at DESC, id DESC);

-- The snapshot retry loop's work queue; tiny because only pending rows are in it.
CREATE INDEX attempts_snapshot_due_idx ON attempts (snapshot_retry_at) WHERE snapshot_status = 'pending';

-- Running totals behind GET /stats, kept by the store in the same statement
-- that changes attempts, so /stats reads a few hundred rows however many
-- attempts a user has. difficulty is '' and topics '{}' while the
-- question snapshot is not known. Rows may drop to 0 and are kept.
CREATE TABLE attempt_counts (
    user_id     uuid NOT NULL,
    question_id uuid NOT NULL,
    difficulty  text NOT NULL,
    topics      text[] NOT NULL,
    attempts    integer NOT NULL CHECK (attempts >= 0),
    PRIMARY KEY (user_id, question_id, difficulty, topics)
);

-- Attempts per user per UTC day of ended_at.
CREATE TABLE attempt_days (
    user_id  uuid NOT NULL,
    day      date NOT NULL,
    attempts integer NOT NULL CHECK (attempts >= 0),
    PRIMARY KEY (user_id, day)
);

-- +goose Down
DROP TABLE attempt_days;
DROP TABLE attempt_counts;
DROP TABLE attempts;
