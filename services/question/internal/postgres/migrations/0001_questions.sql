-- +goose Up

-- The topics the matcher offers. Fixed: package question lists the same
-- slugs, and a store test keeps the two equal.
CREATE TABLE topics (
    slug     text    PRIMARY KEY,
    name     text    NOT NULL UNIQUE,
    position integer NOT NULL UNIQUE
);

INSERT INTO topics (slug, name, position) VALUES
    ('arrays', 'Arrays', 1),
    ('strings', 'Strings', 2),
    ('hash-tables', 'Hash Tables', 3),
    ('two-pointers', 'Two Pointers', 4),
    ('sliding-window', 'Sliding Window', 5),
    ('linked-lists', 'Linked Lists', 6),
    ('stacks-queues', 'Stacks and Queues', 7),
    ('trees', 'Trees', 8),
    ('graphs', 'Graphs', 9),
    ('heaps', 'Heaps', 10),
    ('binary-search', 'Binary Search', 11),
    ('dynamic-programming', 'Dynamic Programming', 12),
    ('greedy', 'Greedy', 13),
    ('backtracking', 'Backtracking', 14),
    ('bit-manipulation', 'Bit Manipulation', 15),
    ('math', 'Math', 16);

-- The keys a list filter looks up: the difficulty, each topic and each
-- "topic:difficulty" pair, so that any combination of the two filters is a
-- single lookup in one GIN index.
-- +goose StatementBegin
CREATE FUNCTION question_facets(difficulty text, topics text[]) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT ARRAY[difficulty] || topics || ARRAY(SELECT t || ':' || difficulty FROM unnest(topics) AS t) $$;
-- +goose StatementEnd

CREATE TABLE questions (
    id           uuid        PRIMARY KEY,
    slug         text        NOT NULL CONSTRAINT questions_slug_key UNIQUE,
    title        text        NOT NULL,
    difficulty   text        NOT NULL CHECK (difficulty IN ('easy', 'medium', 'hard')),
    topics       text[]      NOT NULL CHECK (cardinality(topics) BETWEEN 1 AND 5),
    description  text        NOT NULL,
    examples     jsonb       NOT NULL DEFAULT '[]',
    constraints  jsonb       NOT NULL DEFAULT '[]',
    hints        jsonb       NOT NULL DEFAULT '[]',
    starter_code jsonb       NOT NULL DEFAULT '{}',
    facets       text[]      GENERATED ALWAYS AS (question_facets(difficulty, topics)) STORED,
    -- Title words weigh more than description words in the ranking.
    search       tsvector    GENERATED ALWAYS AS (
                     setweight(to_tsvector('english', title), 'A') ||
                     setweight(to_tsvector('english', description), 'B')) STORED,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
)
-- Keep rows (a few KB, compressed) in the heap instead of TOAST: ranking a
-- search reads every match's tsvector, and a GET reads the whole row, so
-- out-of-line storage would cost extra index lookups on both hot paths.
WITH (toast_tuple_target = 8160);

-- One GIN index over both: a filtered search intersects the filter's and
-- the words' posting lists inside the index (a common word's list is long:
-- separate indexes would each build a bitmap first, several times slower),
-- and a filter or a search alone uses it as well as its own index would.
CREATE INDEX questions_facets_search_idx ON questions USING gin (facets, search);
-- The list order without a search is (title, id).
CREATE INDEX questions_title_idx ON questions (title, id);

-- Random picks. A draw group is one filter a random pick can be asked for:
-- a difficulty or '*' (any) with a topic or '*'. Every question holds one
-- slot in each group it belongs to (its difficulty or '*', times each of
-- its topics or '*'), and the slots of a group are numbered densely
-- 1..size. Picking uniformly is then a random number and an index lookup,
-- whatever the size of the bank. Writers keep the numbering dense by moving
-- a group's last slot into the hole a leaving question makes, holding the
-- group's row lock (groups are always locked in (difficulty, topic) order).
CREATE TABLE draw_groups (
    difficulty text    NOT NULL,
    topic      text    NOT NULL,
    size       integer NOT NULL CHECK (size >= 0),
    PRIMARY KEY (difficulty, topic)
);

CREATE TABLE draw_slots (
    difficulty  text    NOT NULL,
    topic       text    NOT NULL,
    seq         integer NOT NULL CHECK (seq >= 1),
    question_id uuid    NOT NULL REFERENCES questions (id),
    -- INCLUDE lets a list count the questions of several groups from the
    -- index alone.
    PRIMARY KEY (difficulty, topic, seq) INCLUDE (question_id),
    CONSTRAINT draw_slots_question_key UNIQUE (question_id, difficulty, topic)
);

-- draw_question returns the question in the floor(u × m)-th (0-based) of
-- the m slots of group (d, t) whose question is not excluded by id or slug,
-- or NULL when there is none (every question is excluded, or u × m lands
-- past the last). The excluded slots e1 < e2 < … are skipped by adding to
-- r = floor(u × m) + 1 the number of them with ei - i < r (ei - i free
-- slots precede ei). One statement, so one snapshot, and one index lookup
-- per excluded question. It lives here rather than in the Go code only so
-- that its plan is cached (generic) per connection instead of replanned on
-- every call, which cost more than running it.
-- +goose StatementBegin
CREATE FUNCTION draw_question(d text, t text, ids uuid[], slugs text[], u float8) RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    picked uuid;
BEGIN
    WITH ex AS (
        SELECT s.seq FROM draw_slots s
        WHERE s.difficulty = d AND s.topic = t
          AND s.question_id IN (SELECT q.id FROM questions q WHERE q.id = ANY (ids) OR q.slug = ANY (slugs))
    ), pick AS (
        SELECT floor(u * (g.size - (SELECT count(*) FROM ex)))::integer + 1 AS r
        FROM draw_groups g WHERE g.difficulty = d AND g.topic = t
    ), target AS (
        SELECT p.r + (
            SELECT count(*) FROM (SELECT ex.seq - row_number() OVER (ORDER BY ex.seq) AS free_before FROM ex) e
            WHERE e.free_before < p.r)::integer AS seq
        FROM pick p
    )
    SELECT s.question_id INTO picked
    FROM target JOIN draw_slots s ON s.difficulty = d AND s.topic = t AND s.seq = target.seq;
    RETURN picked;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION draw_question;
DROP TABLE draw_slots;
DROP TABLE draw_groups;
DROP TABLE questions;
DROP FUNCTION question_facets;
DROP TABLE topics;
