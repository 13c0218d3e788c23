-- +goose Up
CREATE TABLE sessions (
    id                  uuid PRIMARY KEY,
    match_id            text NOT NULL,
    user_a              uuid NOT NULL,
    user_b              uuid NOT NULL,
    question_id         uuid NOT NULL,
    language            text NOT NULL,
    status              text NOT NULL DEFAULT 'active',
    end_reason          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    ended_at            timestamptz,
    left_a_at           timestamptz,
    left_b_at           timestamptz,
    -- someone was connected at this time (heartbeats, last disconnect);
    -- the idle timeout counts from here
    last_seen_at        timestamptz NOT NULL DEFAULT now(),
    -- the latest plain-text snapshot the editors sent
    code                text NOT NULL DEFAULT '',
    code_language       text NOT NULL DEFAULT '',
    code_updated_at     timestamptz,
    -- recording the attempts in history-service once the session ended
    history_next_try_at timestamptz,
    history_tries       integer NOT NULL DEFAULT 0,
    history_recorded_at timestamptz,
    history_error       text,
    -- every stream entry up to this id is inside a stored snapshot of the
    -- document (see doc_updates): not stored again, not sent again
    doc_covered_ms      bigint NOT NULL DEFAULT 0,
    doc_covered_seq     bigint NOT NULL DEFAULT 0,
    CONSTRAINT sessions_match_id_key UNIQUE (match_id),
    CONSTRAINT sessions_status_check CHECK (status IN ('active', 'ended')),
    CONSTRAINT sessions_two_users CHECK (user_a <> user_b)
);

CREATE INDEX sessions_active_user_a ON sessions (user_a, created_at DESC) WHERE status = 'active';
CREATE INDEX sessions_active_user_b ON sessions (user_b, created_at DESC) WHERE status = 'active';
CREATE INDEX sessions_idle ON sessions (last_seen_at) WHERE status = 'active';
CREATE INDEX sessions_history_due ON sessions (history_next_try_at)
    WHERE status = 'ended' AND history_recorded_at IS NULL AND history_error IS NULL;

-- The shared document of a session: opaque Yjs updates, never interpreted.
-- Each row is one Redis stream entry (entry_id "<stream id>/<nonce>", so a
-- redelivered entry is stored once); a client's full state is one too, and
-- replaces the rows it covers (compaction). seq orders rows; inserts and
-- the reads that decide what a snapshot covers take a per-session advisory
-- lock, so the rows a reader sees are exactly those with seq up to the
-- largest it saw.
CREATE TABLE doc_updates (
    session_id uuid NOT NULL,
    seq        bigint GENERATED ALWAYS AS IDENTITY,
    entry_id   text NOT NULL,
    stream_ms  bigint NOT NULL,
    stream_seq bigint NOT NULL,
    data       bytea NOT NULL,
    PRIMARY KEY (session_id, seq),
    CONSTRAINT doc_updates_entry_key UNIQUE (session_id, entry_id)
);

-- +goose Down
DROP TABLE doc_updates;
DROP TABLE sessions;
