-- +goose Up
-- The clock and roles of a mock interview (package interview). Written
-- with a compare-and-set on version, so replicas agree on every change.
CREATE TABLE interviews (
    session_id        uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    first_interviewer text NOT NULL,
    first_candidate   text NOT NULL,
    phase             smallint NOT NULL CHECK (phase IN (1, 2)),
    phase_started_at  timestamptz NOT NULL,
    phase_ms          bigint NOT NULL CHECK (phase_ms > 0),
    swap_votes        text[] NOT NULL DEFAULT '{}',
    status            text NOT NULL CHECK (status IN ('running', 'over')),
    end_reason        text NOT NULL DEFAULT '',
    ended_at          timestamptz,
    version           bigint NOT NULL
);

-- +goose Down
DROP TABLE interviews;
